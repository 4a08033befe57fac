//! TICK events (`Supervisor.tick` and `timeslice` in `supervisor/supervisord.py`).
//!
//! It owns the rule for when TICK_5, TICK_60 and TICK_3600 are due and the `when` they carry. It reads no clock: the
//! engine passes the wall-clock time in. It does not publish the events (the engine hands them to the event bus).
//!
//! Supervisor remembers, per period, the start of the time slice it last saw (`when - when % period`); on each pass
//! of its main loop it computes the slice of `now` and notifies a tick when the slice differs from the remembered
//! one. The first pass only records the slices, so no tick is sent at start-up. A clock that steps backwards also
//! changes the slice, so it produces a tick too, with an earlier `when`.

use super::types::{Event, TickPeriod};

/// `timeslice(period, when)`: `int(when - when % period)`, with Python's float `%` (the result takes the divisor's
/// sign) and `int()` truncating toward zero.
pub fn timeslice(period: i64, when: f64) -> i64 {
    let period = period as f64;
    let mut remainder = when % period;
    if remainder != 0.0 && (remainder < 0.0) != (period < 0.0) {
        remainder += period;
    }
    (when - remainder) as i64
}

/// The slices last seen, per period (`Supervisor.ticks`). A fresh one per supervisord run: Supervisor builds a new
/// `Supervisor` object, with empty ticks, on each restart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickClock {
    /// In the order of [`TickPeriod::ALL`].
    last_slices: [Option<i64>; 3],
}

impl TickClock {
    pub fn new() -> TickClock {
        TickClock::default()
    }

    /// The slice last seen for `period`; `None` before the first [`TickClock::due`].
    pub fn last_slice(&self, period: TickPeriod) -> Option<i64> {
        self.last_slices[Self::index(period)]
    }

    /// `Supervisor.tick(now)`: the TICK events due at `now_unix` (wall-clock seconds since the epoch), in the order
    /// Supervisor notifies them (5, 60, 3600). Calling it when nothing changed returns nothing, so the engine may
    /// call it on any wakeup.
    pub fn due(&mut self, now_unix: f64) -> Vec<Event> {
        let mut due = Vec::new();
        for period in TickPeriod::ALL {
            let this_slice = timeslice(period.seconds(), now_unix);
            let last_slice = &mut self.last_slices[Self::index(period)];
            match *last_slice {
                // We just started up: remember, do not tick.
                None => *last_slice = Some(this_slice),
                Some(last) if last != this_slice => {
                    *last_slice = Some(this_slice);
                    due.push(Event::Tick {
                        period,
                        when: this_slice,
                    });
                }
                Some(_) => {}
            }
        }
        due
    }

    /// The wall-clock second at which the next tick is due if the clock runs forward: the end of the shortest
    /// period's current slice. `None` before the first [`TickClock::due`] (the engine should call it at once).
    /// Supervisor notices a new slice up to a second late (its loop polls with a 1 s timeout); waking here is on time.
    pub fn next_due_at(&self) -> Option<i64> {
        TickPeriod::ALL
            .into_iter()
            .filter_map(|period| {
                self.last_slice(period)
                    .map(|slice| slice.saturating_add(period.seconds()))
            })
            .min()
    }

    fn index(period: TickPeriod) -> usize {
        match period {
            TickPeriod::Seconds5 => 0,
            TickPeriod::Seconds60 => 1,
            TickPeriod::Seconds3600 => 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Values from Supervisor's own `timeslice` for periods 5, 60 and 3600.
    #[test]
    fn timeslice_matches_supervisor() {
        let cases: [(f64, [i64; 3]); 7] = [
            (
                1_700_000_003.7,
                [1_700_000_000, 1_699_999_980, 1_699_999_200],
            ),
            (
                1_700_000_000.0,
                [1_700_000_000, 1_699_999_980, 1_699_999_200],
            ),
            (
                1_699_999_999.999,
                [1_699_999_995, 1_699_999_980, 1_699_999_200],
            ),
            (-3.0, [-5, -60, -3600]),
            (0.0, [0, 0, 0]),
            (4.999_999_9, [0, 0, 0]),
            (7199.5, [7195, 7140, 3600]),
        ];
        for (now, expected) in cases {
            let actual = [timeslice(5, now), timeslice(60, now), timeslice(3600, now)];
            assert_eq!(actual, expected, "{now}");
        }
    }

    /// Feeds each time in turn and renders what was due as `TICK_5@when` words, one string per call.
    fn check(times: &[f64], expected: &[&str]) {
        let mut clock = TickClock::new();
        let actual: Vec<String> = times
            .iter()
            .map(|&now| {
                clock
                    .due(now)
                    .iter()
                    .map(|event| match event {
                        Event::Tick { period, when } => format!("{}@{when}", period.event_type()),
                        other => panic!("not a tick: {other:?}"),
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        assert_eq!(actual, expected, "{times:?}");
    }

    #[test]
    fn ticks_are_due_when_the_slice_changes() {
        check(&[3600.0], &[""]);
        check(&[3600.0, 3604.9], &["", ""]);
        check(&[3600.0, 3605.0], &["", "TICK_5@3605"]);
        check(
            &[3601.0, 3606.5, 3607.0, 3611.2],
            &["", "TICK_5@3605", "", "TICK_5@3610"],
        );
        // A long sleep: one tick per period, with the current slice, not one per slice missed.
        check(&[3600.0, 3725.0], &["", "TICK_5@3725 TICK_60@3720"]);
        check(
            &[3599.0, 3600.0],
            &["", "TICK_5@3600 TICK_60@3600 TICK_3600@3600"],
        );
        check(
            &[7199.5, 7200.1],
            &["", "TICK_5@7200 TICK_60@7200 TICK_3600@7200"],
        );
        // The clock stepped back: the slice differs, so Supervisor ticks with the earlier slice.
        check(&[3607.0, 3601.0], &["", "TICK_5@3600"]);
        check(
            &[3607.0, 3540.0],
            &["", "TICK_5@3540 TICK_60@3540 TICK_3600@0"],
        );
    }

    #[test]
    fn next_due_at_is_the_end_of_the_shortest_slice() {
        let mut clock = TickClock::new();
        assert_eq!(clock.next_due_at(), None);
        clock.due(3601.5);
        assert_eq!(clock.next_due_at(), Some(3605));
        assert_eq!(clock.last_slice(TickPeriod::Seconds60), Some(3600));
        assert_eq!(clock.due(3604.99), Vec::new());
        assert_eq!(
            clock.due(3605.0),
            vec![Event::Tick {
                period: TickPeriod::Seconds5,
                when: 3605
            }]
        );
        assert_eq!(clock.next_due_at(), Some(3610));
    }
}
