//! The `description` of getProcessInfo (rpcinterface's `_interpretProcessInfo`), as a pure function of the info
//! fields, the time, and the local UTC offset.
//!
//! It owns the text only: which fields feed it and how they are read from a [`Process`] is
//! [`DescriptionFields::of`]; the rest of the info struct is the RPC layer's. It reads no clock and no time zone:
//! the caller passes `now` and the UTC offset in effect at `stop` (from the zone database, DST included).
//!
//! [`Process`]: super::state::Process

use super::state::{Process, ProcessState};

/// The fields `_interpretProcessInfo` reads, as getProcessInfo computes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescriptionFields<'a> {
    pub state: ProcessState,
    /// The process name (not the namespec).
    pub name: &'a str,
    pub pid: u32,
    /// `laststart` as the capped integer getProcessInfo returns; 0 means never started.
    pub start: i64,
    /// `laststop`, likewise.
    pub stop: i64,
    /// The empty string when there is none.
    pub spawnerr: &'a str,
}

impl<'a> DescriptionFields<'a> {
    pub fn of(process: &'a Process, name: &'a str) -> DescriptionFields<'a> {
        DescriptionFields {
            state: process.state(),
            name,
            pid: process.pid(),
            start: capped_int(process.laststart()),
            stop: capped_int(process.laststop()),
            spawnerr: process.spawnerr().unwrap_or(""),
        }
    }
}

/// Supervisor's `capped_int`: `int()` (truncating), clamped to the XML-RPC integer range.
pub fn capped_int(value: f64) -> i64 {
    // `as` truncates toward zero and saturates, like int() followed by the clamp.
    (value as i64).clamp(i64::from(i32::MIN), i64::from(i32::MAX))
}

/// The description text. `now` is getProcessInfo's `now` (capped, like `start`); `utc_offset_seconds` is the
/// local offset at `stop`, east of UTC positive.
pub fn render_description(fields: &DescriptionFields, now: i64, utc_offset_seconds: i64) -> String {
    match fields.state {
        ProcessState::Running => {
            // A clock set back makes the uptime negative; Supervisor shows zero.
            let uptime = now.saturating_sub(fields.start).max(0);
            format!("pid {}, uptime {}", fields.pid, render_timedelta(uptime))
        }
        ProcessState::Fatal | ProcessState::Backoff => {
            if fields.spawnerr.is_empty() {
                format!("unknown error (try \"tail {}\")", fields.name)
            } else {
                fields.spawnerr.to_string()
            }
        }
        ProcessState::Stopped | ProcessState::Exited => {
            if fields.start != 0 {
                // A process stopped from BACKOFF after spawn errors only was never reaped: stop is 0 and this
                // shows the epoch, as in Supervisor.
                render_local_time(fields.stop, utc_offset_seconds)
            } else {
                "Not started".to_string()
            }
        }
        ProcessState::Starting | ProcessState::Stopping | ProcessState::Unknown => String::new(),
    }
}

/// Python's `str(timedelta(seconds=n))` for `n >= 0`: `H:MM:SS`, or `D day(s), H:MM:SS`.
pub fn render_timedelta(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    let clock = format!("{}:{:02}:{:02}", rest / 3600, rest % 3600 / 60, rest % 60);
    match days {
        0 => clock,
        1 => format!("1 day, {clock}"),
        _ => format!("{days} days, {clock}"),
    }
}

/// `strftime('%b %d %I:%M %p')` of a Unix time shifted by a UTC offset, in the C locale.
pub fn render_local_time(unix_seconds: i64, utc_offset_seconds: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let local = unix_seconds.saturating_add(utc_offset_seconds);
    let (_year, month, day) = civil_from_days(local.div_euclid(86_400));
    let second_of_day = local.rem_euclid(86_400);
    let hour = second_of_day / 3600;
    let minute = second_of_day % 3600 / 60;
    let hour_12 = if hour % 12 == 0 { 12 } else { hour % 12 };
    let am_pm = if hour < 12 { "AM" } else { "PM" };
    let month_name = MONTHS[(month - 1) as usize];
    format!("{month_name} {day:02} {hour_12:02}:{minute:02} {am_pm}")
}

/// (year, month 1-12, day 1-31) of a count of days since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    const UTC: i64 = 0;
    const KOLKATA: i64 = 19_800;
    const NEW_YORK_WINTER: i64 = -18_000;

    fn fields(state: ProcessState, start: i64, stop: i64, spawnerr: &str) -> DescriptionFields<'_> {
        DescriptionFields {
            state,
            name: "web",
            pid: 7,
            start,
            stop,
            spawnerr,
        }
    }

    /// Each row: state, start, stop, now, spawnerr, UTC offset, and the text the reference's
    /// `_interpretProcessInfo` printed under TZ=UTC, Asia/Kolkata or America/New_York.
    fn check(rows: &[(ProcessState, i64, i64, i64, &str, i64, &str)]) {
        for &(state, start, stop, now, spawnerr, offset, expected) in rows {
            let actual = render_description(&fields(state, start, stop, spawnerr), now, offset);
            assert_eq!(
                actual, expected,
                "{state} start={start} stop={stop} now={now} offset={offset}"
            );
        }
    }

    #[test]
    fn running_shows_pid_and_timedelta_uptime() {
        use ProcessState::Running;
        check(&[
            (Running, 1000, 0, 1005, "", UTC, "pid 7, uptime 0:00:05"),
            (
                Running,
                1000,
                0,
                1000 + 86_400 + 3723,
                "",
                UTC,
                "pid 7, uptime 1 day, 1:02:03",
            ),
            (
                Running,
                1000,
                0,
                1000 + 3 * 86_400 + 1,
                "",
                UTC,
                "pid 7, uptime 3 days, 0:00:01",
            ),
            (
                Running,
                1000,
                0,
                1000 + 86_399,
                "",
                UTC,
                "pid 7, uptime 23:59:59",
            ),
            (
                Running,
                0,
                0,
                3_457_000,
                "",
                UTC,
                "pid 7, uptime 40 days, 0:16:40",
            ),
            // The clock went back: zero, not negative.
            (Running, 1000, 0, 900, "", UTC, "pid 7, uptime 0:00:00"),
            // The offset does not matter for an uptime.
            (Running, 1000, 0, 1005, "", KOLKATA, "pid 7, uptime 0:00:05"),
        ]);
    }

    #[test]
    fn backoff_and_fatal_show_spawnerr_or_a_hint() {
        use ProcessState::{Backoff, Fatal};
        check(&[
            (
                Backoff,
                1,
                0,
                0,
                "Exited too quickly (process log may have details)",
                UTC,
                "Exited too quickly (process log may have details)",
            ),
            (
                Fatal,
                1,
                0,
                0,
                "can't find command 'x'",
                UTC,
                "can't find command 'x'",
            ),
            (Fatal, 1, 0, 0, "", UTC, "unknown error (try \"tail web\")"),
            (
                Backoff,
                1,
                0,
                0,
                "",
                UTC,
                "unknown error (try \"tail web\")",
            ),
        ]);
    }

    #[test]
    fn stopped_and_exited_show_laststop_in_local_time() {
        use ProcessState::{Exited, Stopped};
        check(&[
            (Stopped, 0, 5, 5, "", UTC, "Not started"),
            (
                Exited,
                1_764_000_000,
                1_764_000_000,
                0,
                "",
                UTC,
                "Nov 24 04:00 PM",
            ),
            (
                Exited,
                1_764_000_000,
                1_764_000_000,
                0,
                "",
                KOLKATA,
                "Nov 24 09:30 PM",
            ),
            (
                Exited,
                1_764_000_000,
                1_764_000_000,
                0,
                "",
                NEW_YORK_WINTER,
                "Nov 24 11:00 AM",
            ),
            (
                Stopped,
                1_764_000_000,
                1_764_043_200,
                0,
                "",
                UTC,
                "Nov 25 04:00 AM",
            ),
            (
                Stopped,
                1_764_000_000,
                1_764_043_200,
                0,
                "",
                NEW_YORK_WINTER,
                "Nov 24 11:00 PM",
            ),
            // Noon is 12 PM, midnight 12 AM.
            (
                Stopped,
                1_764_000_000,
                1_764_003_600,
                0,
                "",
                NEW_YORK_WINTER,
                "Nov 24 12:00 PM",
            ),
            (Exited, 1, 1_700_000_000, 0, "", UTC, "Nov 14 10:13 PM"),
            (Exited, 1, 1_700_000_000, 0, "", KOLKATA, "Nov 15 03:43 AM"),
            (Stopped, 1, 951_829_200, 0, "", UTC, "Feb 29 01:00 PM"),
            // Stopped from BACKOFF after spawn errors only: laststop is still 0, the epoch shows.
            (Stopped, 1, 0, 5, "", UTC, "Jan 01 12:00 AM"),
            (Stopped, 1, 0, 5, "", KOLKATA, "Jan 01 05:30 AM"),
            (Stopped, 1, 0, 5, "", NEW_YORK_WINTER, "Dec 31 07:00 PM"),
        ]);
    }

    #[test]
    fn transient_and_unknown_states_have_no_description() {
        use ProcessState::{Starting, Stopping, Unknown};
        check(&[
            (Starting, 1, 0, 0, "", UTC, ""),
            (Stopping, 1, 0, 0, "", UTC, ""),
            (Unknown, 1, 0, 0, "spawnerr is ignored here", UTC, ""),
        ]);
    }

    #[test]
    fn capped_int_truncates_and_clamps_like_supervisor() {
        assert_eq!(capped_int(1_764_000_000.9), 1_764_000_000);
        assert_eq!(capped_int(-0.5), 0);
        assert_eq!(capped_int(5e12), i64::from(i32::MAX));
        assert_eq!(capped_int(-5e12), i64::from(i32::MIN));
    }

    #[test]
    fn fields_of_a_fresh_process_say_not_started() {
        let process = Process::new();
        let fields = DescriptionFields::of(&process, "web");
        assert_eq!(
            render_description(&fields, 1_764_000_000, UTC),
            "Not started"
        );
    }
}
