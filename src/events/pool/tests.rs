//! Pool and bus transcripts. Each transcript interleaves commands with the actions they produce; the expected
//! transcripts were produced by running the same commands through Supervisor 4.3.0's own `EventListenerPool` and
//! `PEventListenerDispatcher` with stub processes (a command's actions are whatever its notify, dispatcher calls and
//! the following `transition()` of every pool did).
//!
//! Commands: `pool <name> size=<n> events=<A,B> listeners=<l0,l1>`, `state <listener> <PROCESS_STATE>`,
//! `out <listener> <bytes>` (escapes `\n \r \t \s \\ \xNN`), `publish <TYPE> <args>`. Actions: `write <listener>
//! <Rust debug of the envelope>`, `log <TAG> <message>`, `state <listener> <FROM> -> <TO>`.

use super::*;
use crate::events::types::{Channel, TickPeriod};

use proptest::prelude::*;

fn unescape(text: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buffer = [0; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
            continue;
        }
        match chars.next() {
            Some('n') => bytes.push(b'\n'),
            Some('r') => bytes.push(b'\r'),
            Some('t') => bytes.push(b'\t'),
            Some('s') => bytes.push(b' '),
            Some('\\') => bytes.push(b'\\'),
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                bytes.push(u8::from_str_radix(&hex, 16).expect("two hex digits"));
            }
            other => panic!("bad escape {other:?}"),
        }
    }
    bytes
}

fn process_state(name: &str) -> ProcessState {
    ProcessState::ALL
        .into_iter()
        .find(|state| state.name() == name)
        .unwrap_or_else(|| panic!("no process state {name}"))
}

/// `publish` arguments: TICK_n when | REMOTE_COMMUNICATION type data | PROCESS_GROUP_x name |
/// SUPERVISOR_STATE_CHANGE_x | PROCESS_STATE_x name group from tries expected pid | PROCESS_LOG_x / PROCESS_COMMUNICATION_x
/// name group pid data.
fn parse_event(words: &[&str]) -> Event {
    let event_type = EventType::from_name(words[0]).expect("an event type");
    let text = |index: usize| words[index].to_string();
    let number = |index: usize| words[index].parse::<u32>().expect("a number");
    let channel = if words[0].ends_with("STDOUT") {
        Channel::Stdout
    } else {
        Channel::Stderr
    };
    match event_type {
        EventType::Tick5 | EventType::Tick60 | EventType::Tick3600 => {
            let period = TickPeriod::ALL
                .into_iter()
                .find(|period| period.event_type() == event_type)
                .expect("a tick period");
            Event::Tick {
                period,
                when: words[1].parse().expect("a time"),
            }
        }
        EventType::RemoteCommunication => Event::RemoteCommunication {
            r#type: text(1),
            data: String::from_utf8(unescape(words[2])).expect("UTF-8"),
        },
        EventType::ProcessGroupAdded => Event::ProcessGroupAdded { groupname: text(1) },
        EventType::ProcessGroupRemoved => Event::ProcessGroupRemoved { groupname: text(1) },
        EventType::SupervisorStateChangeRunning => Event::SupervisorStateChangeRunning,
        EventType::SupervisorStateChangeStopping => Event::SupervisorStateChangeStopping,
        EventType::ProcessLogStdout | EventType::ProcessLogStderr => Event::ProcessLog {
            channel,
            processname: text(1),
            groupname: text(2),
            pid: number(3),
            data: unescape(words[4]),
        },
        EventType::ProcessCommunicationStdout | EventType::ProcessCommunicationStderr => {
            Event::ProcessCommunication {
                channel,
                processname: text(1),
                groupname: text(2),
                pid: number(3),
                data: unescape(words[4]),
            }
        }
        _ => Event::ProcessState {
            processname: text(1),
            groupname: text(2),
            from_state: process_state(words[3]),
            to: process_state(words[0].trim_start_matches("PROCESS_STATE_")),
            tries: number(4),
            expected: words[5] == "1",
            pid: number(6),
        },
    }
}

fn render(action: &PoolAction) -> String {
    match action {
        PoolAction::Write { process, bytes } => {
            format!(
                "write {process} {:?}",
                String::from_utf8(bytes.clone()).expect("envelopes are UTF-8")
            )
        }
        PoolAction::Log { level, message } => format!("log {} {message}", level.tag()),
        PoolAction::ListenerStateChanged { process, from, to } => {
            format!("state {process} {from} -> {to}")
        }
    }
}

fn is_command(line: &str) -> bool {
    let words: Vec<&str> = line.split(' ').collect();
    matches!(words[0], "pool" | "out" | "publish") || (words[0] == "state" && words.len() == 3)
}

/// Runs the commands of `transcript` through an [`EventBus`] and compares the whole transcript, checking the pools'
/// invariants after every command.
fn check(transcript: &str) {
    let mut bus = EventBus::new();
    let mut pool_of_listener: Vec<(String, String)> = Vec::new();
    let pool_of = |pairs: &[(String, String)], listener: &str| {
        pairs
            .iter()
            .find(|(name, _)| name == listener)
            .map(|(_, pool)| pool.clone())
            .unwrap_or_else(|| panic!("no listener {listener}"))
    };
    let mut actual = Vec::new();
    let expected: Vec<&str> = transcript
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    for line in expected.iter().copied().filter(|line| is_command(line)) {
        actual.push(line.to_string());
        let words: Vec<&str> = line.split(' ').collect();
        let actions = match words[0] {
            "pool" => {
                let setting = |key: &str| {
                    words[2..]
                        .iter()
                        .find_map(|word| {
                            word.strip_prefix(key)
                                .and_then(|rest| rest.strip_prefix('='))
                        })
                        .unwrap_or_else(|| panic!("pool needs {key}="))
                };
                let spec = EventListenerPoolSpec {
                    events: setting("events").split(',').map(str::to_string).collect(),
                    buffer_size: setting("size").parse().expect("a size"),
                    result_handler: "supervisor.dispatchers:default_handler".to_string(),
                };
                let listeners: Vec<String> = setting("listeners")
                    .split(',')
                    .map(str::to_string)
                    .collect();
                for listener in &listeners {
                    pool_of_listener.push((listener.clone(), words[1].to_string()));
                }
                assert!(bus.add_pool(EventPool::new(words[1], &spec, listeners, "supervisor")));
                Vec::new()
            }
            "state" => {
                let pool = pool_of(&pool_of_listener, words[1]);
                bus.handle(
                    &pool,
                    PoolInput::ListenerProcessState {
                        process: words[1].to_string(),
                        state: process_state(words[2]),
                    },
                )
            }
            "out" => {
                let pool = pool_of(&pool_of_listener, words[1]);
                let bytes = unescape(line.splitn(3, ' ').nth(2).unwrap_or(""));
                bus.handle(
                    &pool,
                    PoolInput::ListenerOutput {
                        process: words[1].to_string(),
                        bytes,
                    },
                )
            }
            "publish" => bus.publish(&parse_event(&words[1..])),
            other => panic!("unknown command {other}"),
        };
        actual.extend(actions.iter().map(|bus_action| render(&bus_action.action)));
        for pool in bus.pools() {
            pool.assert_invariants();
        }
    }
    assert_eq!(actual.join("\n"), expected.join("\n"), "\n{transcript}");
}

#[test]
fn ready_then_ok() {
    check(
        r#"
        pool p size=10 events=TICK listeners=l
        state l STARTING
        out l READY\n
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        publish TICK_5 100
        state l RUNNING
        write l "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:TICK_5 len:8\nwhen:100"
        state l READY -> BUSY
        log DEBG event 0 sent to listener l
        out l RESULT 2\nOK
        log DEBG l: event was processed
        log DEBG l: BUSY -> ACKNOWLEDGED
        state l BUSY -> ACKNOWLEDGED
        out l READY\n
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        "#,
    );
}

#[test]
fn events_wait_for_running_and_ready() {
    check(
        r#"
        pool p size=10 events=EVENT listeners=l
        publish TICK_5 100
        state l STARTING
        publish TICK_60 120
        state l RUNNING
        out l REA
        out l DY\n
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        write l "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:TICK_5 len:8\nwhen:100"
        state l READY -> BUSY
        log DEBG event 0 sent to listener l
        log DEBG rebuffering event 1 for pool p (buf size=0, max=10)
        out l RESULT 2\nOKREADY\n
        log DEBG l: event was processed
        log DEBG l: BUSY -> ACKNOWLEDGED
        state l BUSY -> ACKNOWLEDGED
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        write l "ver:3.0 server:supervisor serial:1 pool:p poolserial:1 eventname:TICK_60 len:8\nwhen:120"
        state l READY -> BUSY
        log DEBG event 1 sent to listener l
        out l RESULT 2\nOK
        log DEBG l: event was processed
        log DEBG l: BUSY -> ACKNOWLEDGED
        state l BUSY -> ACKNOWLEDGED
        "#,
    );
}

#[test]
fn fail_is_redelivered_with_the_same_serials() {
    check(
        r#"
        pool p size=10 events=REMOTE_COMMUNICATION listeners=l
        state l STARTING
        state l RUNNING
        out l READY\n
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        publish REMOTE_COMMUNICATION t hello
        write l "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:REMOTE_COMMUNICATION len:12\ntype:t\nhello"
        state l READY -> BUSY
        log DEBG event 0 sent to listener l
        out l RESULT 4\nFAILREADY\n
        log WARN l: event was rejected
        log DEBG l: BUSY -> ACKNOWLEDGED
        state l BUSY -> ACKNOWLEDGED
        log DEBG rebuffering event 0 for pool p (buf size=0, max=10)
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        write l "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:REMOTE_COMMUNICATION len:12\ntype:t\nhello"
        state l READY -> BUSY
        log DEBG event 0 sent to listener l
        out l RESULT 4\nFAIL
        log WARN l: event was rejected
        log DEBG l: BUSY -> ACKNOWLEDGED
        state l BUSY -> ACKNOWLEDGED
        log DEBG rebuffering event 0 for pool p (buf size=0, max=10)
        out l READY\n
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        write l "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:REMOTE_COMMUNICATION len:12\ntype:t\nhello"
        state l READY -> BUSY
        log DEBG event 0 sent to listener l
        out l RESULT 2\nOKREADY\n
        log DEBG l: event was processed
        log DEBG l: BUSY -> ACKNOWLEDGED
        state l BUSY -> ACKNOWLEDGED
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        "#,
    );
}

#[test]
fn overflow_discards_the_oldest() {
    check(
        r#"
        pool p size=2 events=TICK listeners=l
        publish TICK_5 5
        publish TICK_5 10
        publish TICK_5 15
        log ERRO pool p event buffer overflowed, discarding event 0
        publish TICK_5 20
        log ERRO pool p event buffer overflowed, discarding event 1
        state l STARTING
        state l RUNNING
        out l READY\n
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        write l "ver:3.0 server:supervisor serial:2 pool:p poolserial:2 eventname:TICK_5 len:7\nwhen:15"
        state l READY -> BUSY
        log DEBG event 2 sent to listener l
        log DEBG rebuffering event 3 for pool p (buf size=0, max=2)
        out l RESULT 2\nOKREADY\n
        log DEBG l: event was processed
        log DEBG l: BUSY -> ACKNOWLEDGED
        state l BUSY -> ACKNOWLEDGED
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        write l "ver:3.0 server:supervisor serial:3 pool:p poolserial:3 eventname:TICK_5 len:7\nwhen:20"
        state l READY -> BUSY
        log DEBG event 3 sent to listener l
        out l RESULT 2\nOKREADY\n
        log DEBG l: event was processed
        log DEBG l: BUSY -> ACKNOWLEDGED
        state l BUSY -> ACKNOWLEDGED
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        "#,
    );
}

#[test]
fn rebuffer_when_full_discards_the_oldest_then_goes_to_the_head() {
    check(
        r#"
        pool p size=2 events=TICK_5 listeners=l
        state l STARTING
        state l RUNNING
        out l READY\n
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        publish TICK_5 5
        write l "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:TICK_5 len:6\nwhen:5"
        state l READY -> BUSY
        log DEBG event 0 sent to listener l
        publish TICK_5 10
        publish TICK_5 15
        out l RESULT 4\nFAILREADY\n
        log WARN l: event was rejected
        log DEBG l: BUSY -> ACKNOWLEDGED
        state l BUSY -> ACKNOWLEDGED
        log DEBG rebuffering event 0 for pool p (buf size=2, max=2)
        log ERRO pool p event buffer overflowed, discarding event 1
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        write l "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:TICK_5 len:6\nwhen:5"
        state l READY -> BUSY
        log DEBG event 0 sent to listener l
        log DEBG rebuffering event 2 for pool p (buf size=0, max=2)
        out l RESULT 2\nOKREADY\n
        log DEBG l: event was processed
        log DEBG l: BUSY -> ACKNOWLEDGED
        state l BUSY -> ACKNOWLEDGED
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        write l "ver:3.0 server:supervisor serial:2 pool:p poolserial:2 eventname:TICK_5 len:7\nwhen:15"
        state l READY -> BUSY
        log DEBG event 2 sent to listener l
        "#,
    );
}

#[test]
fn several_buffered_one_ready_listener() {
    check(
        r#"
        pool p size=10 events=PROCESS_GROUP listeners=l
        publish PROCESS_GROUP_ADDED a
        publish PROCESS_GROUP_ADDED b
        publish PROCESS_GROUP_REMOVED c
        state l STARTING
        out l READY\n
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        state l RUNNING
        write l "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:PROCESS_GROUP_ADDED len:12\ngroupname:a\n"
        state l READY -> BUSY
        log DEBG event 0 sent to listener l
        log DEBG rebuffering event 1 for pool p (buf size=1, max=10)
        out l RESULT 2\nOK
        log DEBG l: event was processed
        log DEBG l: BUSY -> ACKNOWLEDGED
        state l BUSY -> ACKNOWLEDGED
        out l READY\n
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        write l "ver:3.0 server:supervisor serial:1 pool:p poolserial:1 eventname:PROCESS_GROUP_ADDED len:12\ngroupname:b\n"
        state l READY -> BUSY
        log DEBG event 1 sent to listener l
        log DEBG rebuffering event 2 for pool p (buf size=0, max=10)
        out l RESULT 2\nOKREADY\n
        log DEBG l: event was processed
        log DEBG l: BUSY -> ACKNOWLEDGED
        state l BUSY -> ACKNOWLEDGED
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        write l "ver:3.0 server:supervisor serial:2 pool:p poolserial:2 eventname:PROCESS_GROUP_REMOVED len:12\ngroupname:c\n"
        state l READY -> BUSY
        log DEBG event 2 sent to listener l
        "#,
    );
}

#[test]
fn listener_exits_while_busy() {
    check(
        r#"
        pool p size=10 events=TICK listeners=l
        state l STARTING
        state l RUNNING
        out l READY\n
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        publish TICK_5 5
        write l "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:TICK_5 len:6\nwhen:5"
        state l READY -> BUSY
        log DEBG event 0 sent to listener l
        state l EXITED
        log DEBG rebuffering event 0 for pool p (buf size=0, max=10)
        out l RESULT 2\nOK
        state l STARTING
        state l BUSY -> ACKNOWLEDGED
        out l READY\n
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        state l RUNNING
        write l "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:TICK_5 len:6\nwhen:5"
        state l READY -> BUSY
        log DEBG event 0 sent to listener l
        out l RESULT 2\nOKREADY\n
        log DEBG l: event was processed
        log DEBG l: BUSY -> ACKNOWLEDGED
        state l BUSY -> ACKNOWLEDGED
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        "#,
    );
}

#[test]
fn listener_stopped_while_busy_and_killed() {
    check(
        r#"
        pool p size=10 events=TICK listeners=l
        state l STARTING
        state l RUNNING
        out l READY\n
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        publish TICK_5 5
        write l "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:TICK_5 len:6\nwhen:5"
        state l READY -> BUSY
        log DEBG event 0 sent to listener l
        state l STOPPING
        out l READY\n
        log WARN l: bad result line: 'READY'
        log DEBG l: BUSY -> UNKNOWN
        state l BUSY -> UNKNOWN
        log WARN l: has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol
        log DEBG rebuffering event 0 for pool p (buf size=0, max=10)
        state l STOPPED
        state l STARTING
        state l UNKNOWN -> ACKNOWLEDGED
        state l BACKOFF
        state l STARTING
        out l READY\n
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        state l RUNNING
        write l "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:TICK_5 len:6\nwhen:5"
        state l READY -> BUSY
        log DEBG event 0 sent to listener l
        "#,
    );
}

#[test]
fn first_ready_listener_in_group_order() {
    check(
        r#"
        pool p size=10 events=TICK listeners=l0,l1,l2
        state l2 STARTING
        state l2 RUNNING
        state l1 STARTING
        state l1 RUNNING
        state l0 STARTING
        out l2 READY\n
        log DEBG l2: ACKNOWLEDGED -> READY
        state l2 ACKNOWLEDGED -> READY
        out l1 READY\n
        log DEBG l1: ACKNOWLEDGED -> READY
        state l1 ACKNOWLEDGED -> READY
        out l0 READY\n
        log DEBG l0: ACKNOWLEDGED -> READY
        state l0 ACKNOWLEDGED -> READY
        publish TICK_5 5
        write l1 "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:TICK_5 len:6\nwhen:5"
        state l1 READY -> BUSY
        log DEBG event 0 sent to listener l1
        publish TICK_5 10
        write l2 "ver:3.0 server:supervisor serial:1 pool:p poolserial:1 eventname:TICK_5 len:7\nwhen:10"
        state l2 READY -> BUSY
        log DEBG event 1 sent to listener l2
        state l0 RUNNING
        publish TICK_5 15
        write l0 "ver:3.0 server:supervisor serial:2 pool:p poolserial:2 eventname:TICK_5 len:7\nwhen:15"
        state l0 READY -> BUSY
        log DEBG event 2 sent to listener l0
        publish TICK_5 20
        out l2 RESULT 2\nOKREADY\n
        log DEBG l2: event was processed
        log DEBG l2: BUSY -> ACKNOWLEDGED
        state l2 BUSY -> ACKNOWLEDGED
        log DEBG l2: ACKNOWLEDGED -> READY
        state l2 ACKNOWLEDGED -> READY
        write l2 "ver:3.0 server:supervisor serial:3 pool:p poolserial:3 eventname:TICK_5 len:7\nwhen:20"
        state l2 READY -> BUSY
        log DEBG event 3 sent to listener l2
        out l1 RESULT 4\nFAILREADY\n
        log WARN l1: event was rejected
        log DEBG l1: BUSY -> ACKNOWLEDGED
        state l1 BUSY -> ACKNOWLEDGED
        log DEBG rebuffering event 0 for pool p (buf size=0, max=10)
        log DEBG l1: ACKNOWLEDGED -> READY
        state l1 ACKNOWLEDGED -> READY
        write l1 "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:TICK_5 len:6\nwhen:5"
        state l1 READY -> BUSY
        log DEBG event 0 sent to listener l1
        "#,
    );
}

#[test]
fn subscription_filter_and_serials() {
    check(
        r#"
        pool p size=10 events=PROCESS_STATE_RUNNING,SUPERVISOR_STATE_CHANGE listeners=l
        state l STARTING
        state l RUNNING
        out l READY\n
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        publish TICK_5 5
        publish PROCESS_STATE_EXITED web web RUNNING 0 1 44
        publish PROCESS_STATE_RUNNING web web STARTING 0 1 45
        write l "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:PROCESS_STATE_RUNNING len:56\nprocessname:web groupname:web from_state:STARTING pid:45"
        state l READY -> BUSY
        log DEBG event 0 sent to listener l
        publish SUPERVISOR_STATE_CHANGE_STOPPING
        out l RESULT 2\nOKREADY\n
        log DEBG l: event was processed
        log DEBG l: BUSY -> ACKNOWLEDGED
        state l BUSY -> ACKNOWLEDGED
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        write l "ver:3.0 server:supervisor serial:1 pool:p poolserial:1 eventname:SUPERVISOR_STATE_CHANGE_STOPPING len:0\n"
        state l READY -> BUSY
        log DEBG event 1 sent to listener l
        "#,
    );
}

#[test]
fn global_serial_is_shared_by_pools() {
    check(
        r#"
        pool a size=10 events=TICK listeners=la
        pool b size=10 events=REMOTE_COMMUNICATION,TICK_5 listeners=lb
        state la STARTING
        state la RUNNING
        out la READY\n
        log DEBG la: ACKNOWLEDGED -> READY
        state la ACKNOWLEDGED -> READY
        state lb STARTING
        state lb RUNNING
        out lb READY\n
        log DEBG lb: ACKNOWLEDGED -> READY
        state lb ACKNOWLEDGED -> READY
        publish TICK_5 5
        write la "ver:3.0 server:supervisor serial:0 pool:a poolserial:0 eventname:TICK_5 len:6\nwhen:5"
        state la READY -> BUSY
        log DEBG event 0 sent to listener la
        write lb "ver:3.0 server:supervisor serial:0 pool:b poolserial:0 eventname:TICK_5 len:6\nwhen:5"
        state lb READY -> BUSY
        log DEBG event 0 sent to listener lb
        publish REMOTE_COMMUNICATION x y
        publish PROCESS_GROUP_ADDED g
        publish TICK_60 60
        out la RESULT 2\nOKREADY\n
        log DEBG la: event was processed
        log DEBG la: BUSY -> ACKNOWLEDGED
        state la BUSY -> ACKNOWLEDGED
        log DEBG la: ACKNOWLEDGED -> READY
        state la ACKNOWLEDGED -> READY
        write la "ver:3.0 server:supervisor serial:2 pool:a poolserial:1 eventname:TICK_60 len:7\nwhen:60"
        state la READY -> BUSY
        log DEBG event 2 sent to listener la
        out lb RESULT 2\nOKREADY\n
        log DEBG lb: event was processed
        log DEBG lb: BUSY -> ACKNOWLEDGED
        state lb BUSY -> ACKNOWLEDGED
        log DEBG lb: ACKNOWLEDGED -> READY
        state lb ACKNOWLEDGED -> READY
        write lb "ver:3.0 server:supervisor serial:1 pool:b poolserial:1 eventname:REMOTE_COMMUNICATION len:8\ntype:x\ny"
        state lb READY -> BUSY
        log DEBG event 1 sent to listener lb
        publish TICK_5 65
        "#,
    );
}

#[test]
fn duplicate_subscriptions_deliver_twice() {
    check(
        r#"
        pool p size=10 events=PROCESS_STATE,PROCESS_STATE_RUNNING,EVENT listeners=l
        state l STARTING
        state l RUNNING
        out l READY\n
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        publish PROCESS_STATE_RUNNING web web STARTING 0 1 45
        log DEBG rebuffering event 0 for pool p (buf size=1, max=10)
        log DEBG rebuffering event 0 for pool p (buf size=2, max=10)
        write l "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:PROCESS_STATE_RUNNING len:56\nprocessname:web groupname:web from_state:STARTING pid:45"
        state l READY -> BUSY
        log DEBG event 0 sent to listener l
        log DEBG rebuffering event 0 for pool p (buf size=1, max=10)
        out l RESULT 2\nOKREADY\n
        log DEBG l: event was processed
        log DEBG l: BUSY -> ACKNOWLEDGED
        state l BUSY -> ACKNOWLEDGED
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        write l "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:PROCESS_STATE_RUNNING len:56\nprocessname:web groupname:web from_state:STARTING pid:45"
        state l READY -> BUSY
        log DEBG event 0 sent to listener l
        log DEBG rebuffering event 0 for pool p (buf size=0, max=10)
        out l RESULT 2\nOKREADY\n
        log DEBG l: event was processed
        log DEBG l: BUSY -> ACKNOWLEDGED
        state l BUSY -> ACKNOWLEDGED
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        write l "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:PROCESS_STATE_RUNNING len:56\nprocessname:web groupname:web from_state:STARTING pid:45"
        state l READY -> BUSY
        log DEBG event 0 sent to listener l
        out l RESULT 2\nOKREADY\n
        log DEBG l: event was processed
        log DEBG l: BUSY -> ACKNOWLEDGED
        state l BUSY -> ACKNOWLEDGED
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        publish PROCESS_STATE_STOPPED web web STOPPING 0 1 45
        log DEBG rebuffering event 1 for pool p (buf size=1, max=10)
        write l "ver:3.0 server:supervisor serial:1 pool:p poolserial:1 eventname:PROCESS_STATE_STOPPED len:56\nprocessname:web groupname:web from_state:STOPPING pid:45"
        state l READY -> BUSY
        log DEBG event 1 sent to listener l
        log DEBG rebuffering event 1 for pool p (buf size=0, max=10)
        "#,
    );
}

#[test]
fn bad_result_line_goes_to_another_listener() {
    check(
        r#"
        pool p size=10 events=TICK listeners=l0,l1
        state l0 STARTING
        state l0 RUNNING
        state l1 STARTING
        state l1 RUNNING
        out l0 READY\n
        log DEBG l0: ACKNOWLEDGED -> READY
        state l0 ACKNOWLEDGED -> READY
        out l1 READY\n
        log DEBG l1: ACKNOWLEDGED -> READY
        state l1 ACKNOWLEDGED -> READY
        publish TICK_5 5
        write l0 "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:TICK_5 len:6\nwhen:5"
        state l0 READY -> BUSY
        log DEBG event 0 sent to listener l0
        out l0 RESULT two\nOK
        log WARN l0: bad result line: 'RESULT two'
        log DEBG l0: BUSY -> UNKNOWN
        state l0 BUSY -> UNKNOWN
        log WARN l0: has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol
        log DEBG rebuffering event 0 for pool p (buf size=0, max=10)
        write l1 "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:TICK_5 len:6\nwhen:5"
        state l1 READY -> BUSY
        log DEBG event 0 sent to listener l1
        out l0 READY\n
        out l1 RESULT 2\nOKREADY\n
        log DEBG l1: event was processed
        log DEBG l1: BUSY -> ACKNOWLEDGED
        state l1 BUSY -> ACKNOWLEDGED
        log DEBG l1: ACKNOWLEDGED -> READY
        state l1 ACKNOWLEDGED -> READY
        publish TICK_5 10
        write l1 "ver:3.0 server:supervisor serial:1 pool:p poolserial:1 eventname:TICK_5 len:7\nwhen:10"
        state l1 READY -> BUSY
        log DEBG event 1 sent to listener l1
        "#,
    );
}

#[test]
fn non_ascii_len_counts_characters() {
    check(
        r#"
        pool p size=10 events=REMOTE_COMMUNICATION,PROCESS_LOG listeners=l
        state l STARTING
        state l RUNNING
        out l READY\n
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        publish REMOTE_COMMUNICATION café naïve\x20日本
        write l "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:REMOTE_COMMUNICATION len:18\ntype:café\nnaïve 日本"
        state l READY -> BUSY
        log DEBG event 0 sent to listener l
        out l RESULT 2\nOKREADY\n
        log DEBG l: event was processed
        log DEBG l: BUSY -> ACKNOWLEDGED
        state l BUSY -> ACKNOWLEDGED
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        publish PROCESS_LOG_STDERR web web 7 bad\xff\n
        write l "ver:3.0 server:supervisor serial:1 pool:p poolserial:1 eventname:PROCESS_LOG_STDERR len:76\nprocessname:web groupname:web pid:7 channel:stderr\nUndecodable: b'bad\\xff\\n'"
        state l READY -> BUSY
        log DEBG event 1 sent to listener l
        out l RESULT 2\nOKREADY\n
        log DEBG l: event was processed
        log DEBG l: BUSY -> ACKNOWLEDGED
        state l BUSY -> ACKNOWLEDGED
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        publish PROCESS_LOG_STDOUT web web 7 é\n
        write l "ver:3.0 server:supervisor serial:2 pool:p poolserial:2 eventname:PROCESS_LOG_STDOUT len:53\nprocessname:web groupname:web pid:7 channel:stdout\né\n"
        state l READY -> BUSY
        log DEBG event 2 sent to listener l
        "#,
    );
}

#[test]
fn negative_result_length_wedges_the_listener() {
    check(
        r#"
        pool p size=10 events=TICK listeners=l0,l1
        state l0 STARTING
        state l0 RUNNING
        out l0 READY\n
        log DEBG l0: ACKNOWLEDGED -> READY
        state l0 ACKNOWLEDGED -> READY
        publish TICK_5 5
        write l0 "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:TICK_5 len:6\nwhen:5"
        state l0 READY -> BUSY
        log DEBG event 0 sent to listener l0
        out l0 RESULT -3\n
        out l0 OK
        log CRIT l0: negative length on a RESULT line, closing its stdout channel; the event it holds is sent again when it exits
        out l0 READY\n
        state l1 STARTING
        state l1 RUNNING
        out l1 READY\n
        log DEBG l1: ACKNOWLEDGED -> READY
        state l1 ACKNOWLEDGED -> READY
        state l0 EXITED
        log DEBG rebuffering event 0 for pool p (buf size=0, max=10)
        write l1 "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:TICK_5 len:6\nwhen:5"
        state l1 READY -> BUSY
        log DEBG event 0 sent to listener l1
        "#,
    );
}

#[test]
fn garbage_makes_unknown_until_respawn() {
    check(
        r#"
        pool p size=10 events=TICK listeners=l
        state l STARTING
        state l RUNNING
        out l HELLO\nREADY\n
        log DEBG l: ACKNOWLEDGED -> UNKNOWN
        state l ACKNOWLEDGED -> UNKNOWN
        log WARN l: has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol
        publish TICK_5 5
        out l READY\n
        state l EXITED
        state l STARTING
        state l UNKNOWN -> ACKNOWLEDGED
        state l RUNNING
        out l READY\n
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        write l "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:TICK_5 len:6\nwhen:5"
        state l READY -> BUSY
        log DEBG event 0 sent to listener l
        "#,
    );
}

#[test]
fn output_outside_a_spawn_is_ignored() {
    check(
        r#"
        pool p size=10 events=TICK listeners=l
        out l READY\n
        publish TICK_5 5
        state l STARTING
        state l RUNNING
        out l READY\n
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        write l "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:TICK_5 len:6\nwhen:5"
        state l READY -> BUSY
        log DEBG event 0 sent to listener l
        state l EXITED
        log DEBG rebuffering event 0 for pool p (buf size=0, max=10)
        out l RESULT 2\nOKREADY\n
        "#,
    );
}

#[test]
fn listener_sees_its_own_state_events() {
    check(
        r#"
        pool p size=3 events=PROCESS_STATE,PROCESS_GROUP listeners=l
        publish PROCESS_GROUP_ADDED p
        publish PROCESS_STATE_STARTING l p STOPPED 0 1 0
        state l STARTING
        out l READY\n
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        publish PROCESS_STATE_RUNNING l p STARTING 0 1 1000
        state l RUNNING
        write l "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:PROCESS_GROUP_ADDED len:12\ngroupname:p\n"
        state l READY -> BUSY
        log DEBG event 0 sent to listener l
        log DEBG rebuffering event 1 for pool p (buf size=1, max=3)
        out l RESULT 4\nFAIL
        log WARN l: event was rejected
        log DEBG l: BUSY -> ACKNOWLEDGED
        state l BUSY -> ACKNOWLEDGED
        log DEBG rebuffering event 0 for pool p (buf size=2, max=3)
        publish PROCESS_STATE_EXITED l p RUNNING 0 0 1000
        log ERRO pool p event buffer overflowed, discarding event 0
        state l EXITED
        publish PROCESS_STATE_STARTING l p EXITED 0 1 0
        log ERRO pool p event buffer overflowed, discarding event 1
        state l STARTING
        out l READY\n
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        publish PROCESS_STATE_RUNNING l p STARTING 0 1 1001
        log ERRO pool p event buffer overflowed, discarding event 2
        state l RUNNING
        write l "ver:3.0 server:supervisor serial:3 pool:p poolserial:3 eventname:PROCESS_STATE_EXITED len:64\nprocessname:l groupname:p from_state:RUNNING expected:0 pid:1000"
        state l READY -> BUSY
        log DEBG event 3 sent to listener l
        log DEBG rebuffering event 4 for pool p (buf size=1, max=3)
        "#,
    );
}

#[test]
fn zero_length_result_and_ready_in_one_chunk() {
    check(
        r#"
        pool p size=10 events=TICK listeners=l
        state l STARTING
        state l RUNNING
        out l READY\n
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        publish TICK_5 5
        write l "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:TICK_5 len:6\nwhen:5"
        state l READY -> BUSY
        log DEBG event 0 sent to listener l
        out l RESULT 0\n
        out l READY\n
        log WARN l: event was rejected
        log DEBG l: BUSY -> ACKNOWLEDGED
        state l BUSY -> ACKNOWLEDGED
        log DEBG rebuffering event 0 for pool p (buf size=0, max=10)
        log DEBG l: ACKNOWLEDGED -> READY
        state l ACKNOWLEDGED -> READY
        write l "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:TICK_5 len:6\nwhen:5"
        state l READY -> BUSY
        log DEBG event 0 sent to listener l
        out l RESULT 2\nOK
        log DEBG l: event was processed
        log DEBG l: BUSY -> ACKNOWLEDGED
        state l BUSY -> ACKNOWLEDGED
        "#,
    );
}

fn spec(events: &[&str], buffer_size: i64) -> EventListenerPoolSpec {
    EventListenerPoolSpec {
        events: events.iter().map(|name| name.to_string()).collect(),
        buffer_size,
        result_handler: "supervisor.dispatchers:default_handler".to_string(),
    }
}

fn listener_input(process: &str, state: ProcessState) -> PoolInput {
    PoolInput::ListenerProcessState {
        process: process.to_string(),
        state,
    }
}

fn output(process: &str, bytes: &[u8]) -> PoolInput {
    PoolInput::ListenerOutput {
        process: process.to_string(),
        bytes: bytes.to_vec(),
    }
}

fn tick(when: i64) -> Event {
    Event::Tick {
        period: TickPeriod::Seconds5,
        when,
    }
}

/// A pool with listeners `l0` and `l1`, both RUNNING and READY.
fn ready_pool(buffer_size: i64) -> EventPool {
    let mut pool = EventPool::new(
        "p",
        &spec(&["TICK"], buffer_size),
        ["l0".to_string(), "l1".to_string()],
        "sup",
    );
    for name in ["l0", "l1"] {
        pool.handle(listener_input(name, ProcessState::Starting));
        pool.handle(listener_input(name, ProcessState::Running));
        pool.handle(output(name, b"READY\n"));
    }
    pool
}

fn rendered(actions: &[PoolAction]) -> Vec<String> {
    actions.iter().map(render).collect()
}

// Our own input (Supervisor finds EPIPE while writing): the event goes back and the listener stays READY but is
// skipped until its next spawn.
#[test]
fn a_closed_stdin_sends_the_event_to_the_next_listener() {
    let mut pool = ready_pool(10);
    let published = Arc::new(PublishedEvent::new(4, &tick(5)));
    let actions = pool.handle(PoolInput::Publish(published));
    assert_eq!(
        rendered(&actions),
        [
            "write l0 \"ver:3.0 server:sup serial:4 pool:p poolserial:0 eventname:TICK_5 len:6\\nwhen:5\"",
            "state l0 READY -> BUSY",
            "log DEBG event 4 sent to listener l0",
        ]
    );
    let actions = pool.handle(PoolInput::ListenerStdinClosed {
        process: "l0".to_string(),
    });
    assert_eq!(
        rendered(&actions),
        [
            "log DEBG epipe occurred while sending event 4 to listener l0, listener state unchanged",
            "state l0 BUSY -> READY",
            "log DEBG rebuffering event 4 for pool p (buf size=0, max=10)",
            "write l1 \"ver:3.0 server:sup serial:4 pool:p poolserial:0 eventname:TICK_5 len:6\\nwhen:5\"",
            "state l1 READY -> BUSY",
            "log DEBG event 4 sent to listener l1",
        ]
    );
    assert_eq!(pool.listener_state("l0"), Some(ListenerState::Ready));
    assert_eq!(pool.in_flight_serial("l1"), Some(4));
    pool.assert_invariants();
    // l1 answers; the next event waits although l0 says it is READY: its stdin is closed.
    pool.handle(output("l1", b"RESULT 2\nOK"));
    pool.handle(PoolInput::Publish(Arc::new(PublishedEvent::new(
        5,
        &tick(10),
    ))));
    assert_eq!(pool.buffered_serials(), [5]);
    // A new spawn of l0 opens new pipes.
    pool.handle(listener_input("l0", ProcessState::Exited));
    pool.handle(listener_input("l0", ProcessState::Starting));
    pool.handle(listener_input("l0", ProcessState::Running));
    let actions = pool.handle(output("l0", b"READY\n"));
    assert_eq!(rendered(&actions)[2], "write l0 \"ver:3.0 server:sup serial:5 pool:p poolserial:1 eventname:TICK_5 len:7\\nwhen:10\"");
    pool.assert_invariants();
}

#[test]
fn stdin_closed_while_idle_only_skips_the_listener() {
    let mut pool = ready_pool(10);
    assert_eq!(
        pool.handle(PoolInput::ListenerStdinClosed {
            process: "l0".to_string()
        }),
        Vec::new()
    );
    let actions = pool.handle(PoolInput::Publish(Arc::new(PublishedEvent::new(
        0,
        &tick(5),
    ))));
    assert_eq!(rendered(&actions)[0], "write l1 \"ver:3.0 server:sup serial:0 pool:p poolserial:0 eventname:TICK_5 len:6\\nwhen:5\"");
}

#[test]
fn inputs_for_unknown_listeners_and_pools_do_nothing() {
    let mut pool = ready_pool(10);
    assert_eq!(pool.handle(output("nobody", b"READY\n")), Vec::new());
    assert_eq!(
        pool.handle(listener_input("nobody", ProcessState::Running)),
        Vec::new()
    );
    assert_eq!(
        pool.handle(PoolInput::ListenerStdinClosed {
            process: "nobody".to_string()
        }),
        Vec::new()
    );
    let mut bus = EventBus::new();
    assert_eq!(bus.handle("nopool", output("l0", b"READY\n")), Vec::new());
    // Nobody subscribes: no serial is taken.
    assert_eq!(bus.publish(&tick(5)), Vec::new());
    assert_eq!(bus.last_serial(), None);
}

#[test]
fn a_pool_only_accepts_what_it_subscribes_to() {
    let mut pool = EventPool::new(
        "p",
        &spec(&["PROCESS_STATE_RUNNING", "TICK"], 10),
        Vec::new(),
        "sup",
    );
    assert_eq!(pool.subscription_count(EventType::Tick60), 1);
    assert_eq!(pool.subscription_count(EventType::ProcessStateRunning), 1);
    assert_eq!(pool.subscription_count(EventType::ProcessStateExited), 0);
    assert_eq!(pool.subscription_count(EventType::RemoteCommunication), 0);
    let remote = Event::RemoteCommunication {
        r#type: "t".to_string(),
        data: String::new(),
    };
    pool.handle(PoolInput::Publish(Arc::new(PublishedEvent::new(
        0, &remote,
    ))));
    pool.handle(PoolInput::Publish(Arc::new(PublishedEvent::new(
        1,
        &tick(5),
    ))));
    assert_eq!(pool.buffered_serials(), [1]);
    let twice = EventPool::new(
        "q",
        &spec(&["EVENT", "TICK", "TICK_5", "PROCESS_LOG"], 10),
        Vec::new(),
        "sup",
    );
    assert_eq!(twice.subscription_count(EventType::Tick5), 3);
    assert_eq!(twice.subscription_count(EventType::Tick60), 2);
    assert_eq!(twice.subscription_count(EventType::ProcessGroupAdded), 1);
}

#[test]
fn the_bus_keeps_one_pool_per_name_and_its_serial_across_restarts() {
    let mut bus = EventBus::new();
    assert!(bus.add_pool(EventPool::new("p", &spec(&["TICK"], 10), Vec::new(), "sup")));
    assert!(!bus.add_pool(EventPool::new(
        "p",
        &spec(&["EVENT"], 10),
        Vec::new(),
        "sup"
    )));
    assert_eq!(
        bus.pool("p")
            .map(|pool| pool.subscription_count(EventType::ProcessGroupAdded)),
        Some(0)
    );
    bus.publish(&tick(5));
    bus.publish(&tick(10));
    assert_eq!(
        bus.pool("p").map(EventPool::buffered_serials),
        Some(vec![0, 1])
    );
    assert!(bus.remove_pool("p").is_some());
    assert!(bus.remove_pool("p").is_none());
    bus.add_pool(EventPool::new("p", &spec(&["TICK"], 10), Vec::new(), "sup"));
    bus.clear_pools();
    assert_eq!(bus.pools().count(), 0);
    bus.add_pool(EventPool::new(
        "p",
        &spec(&["TICK"], 10),
        ["l".to_string()],
        "sup",
    ));
    bus.handle("p", listener_input("l", ProcessState::Starting));
    bus.handle("p", listener_input("l", ProcessState::Running));
    // The old pool's buffered events went with it: nothing to send.
    let actions = bus.handle("p", output("l", b"READY\n"));
    assert!(!actions
        .iter()
        .any(|bus_action| matches!(bus_action.action, PoolAction::Write { .. })));
    let actions = bus.publish(&tick(15));
    assert_eq!(actions[0].pool, "p");
    assert_eq!(
        render(&actions[0].action),
        "write l \"ver:3.0 server:sup serial:2 pool:p poolserial:0 eventname:TICK_5 len:7\\nwhen:15\""
    );
}

#[test]
fn from_group_takes_the_groups_processes_in_order() {
    let text = "[supervisord]\n[eventlistener:pool]\ncommand=/bin/cat\nevents=TICK_5\nnumprocs=3\nprocess_name=%(program_name)s_%(process_num)s\nbuffer_size=4\n[program:web]\ncommand=/bin/cat\n";
    let loaded = crate::config::testing::parse_files(&[("/etc/supervisord.conf", text)])
        .expect("a valid config");
    let groups = &loaded.desired.groups;
    let pool_group = &groups["pool"];
    let pool = EventPool::from_group(pool_group, "sup").expect("an event listener pool");
    assert_eq!(pool.name(), "pool");
    assert_eq!(pool.buffer_size(), 4);
    assert_eq!(
        pool.listener_names().collect::<Vec<_>>(),
        ["pool_0", "pool_1", "pool_2"]
    );
    assert_eq!(pool.subscription_count(EventType::Tick5), 1);
    assert!(EventPool::from_group(&groups["web"], "sup").is_none());
}

/// Protocol-ish bytes: tokens and fragments of them, with some noise.
fn listener_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"READY\n".to_vec()),
        Just(b"RESULT 2\nOK".to_vec()),
        Just(b"RESULT 4\nFAIL".to_vec()),
        Just(b"RESULT ".to_vec()),
        Just(b"RESULT -1\n".to_vec()),
        Just(b"RESULT 0\n".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"OK".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..8),
    ];
    proptest::collection::vec(piece, 0..8).prop_map(|pieces| pieces.concat())
}

/// What a listener mostly writes: whole tokens, sometimes a fragment or noise.
fn listener_answer() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => Just(b"READY\n".to_vec()),
        4 => Just(b"RESULT 2\nOK".to_vec()),
        3 => Just(b"RESULT 2\nOKREADY\n".to_vec()),
        3 => Just(b"RESULT 4\nFAILREADY\n".to_vec()),
        1 => Just(b"RESULT x\n".to_vec()),
        1 => Just(b"RESULT -1\nOK".to_vec()),
        1 => listener_bytes(),
    ]
}

#[derive(Debug, Clone)]
enum Step {
    State(usize, ProcessState),
    Output(usize, Vec<u8>),
    Publish(i64),
    StdinClosed(usize),
    /// STARTING, RUNNING, then `READY\n`: a listener coming up well.
    Spawn(usize),
}

fn run_step(bus: &mut EventBus, names: [&str; 3], step: Step) -> Vec<BusAction> {
    match step {
        Step::State(index, state) => bus.handle("p", listener_input(names[index], state)),
        Step::Output(index, bytes) => bus.handle("p", output(names[index], &bytes)),
        Step::Publish(when) => bus.publish(&tick(when)),
        Step::StdinClosed(index) => bus.handle(
            "p",
            PoolInput::ListenerStdinClosed {
                process: names[index].to_string(),
            },
        ),
        Step::Spawn(index) => {
            let mut actions = bus.handle("p", listener_input(names[index], ProcessState::Starting));
            actions.extend(bus.handle("p", listener_input(names[index], ProcessState::Running)));
            actions.extend(bus.handle("p", output(names[index], b"READY\n")));
            actions
        }
    }
}

fn step() -> impl Strategy<Value = Step> {
    let listener = 0..3usize;
    let state = proptest::sample::select(ProcessState::ALL.to_vec());
    prop_oneof![
        1 => (listener.clone(), state).prop_map(|(index, state)| Step::State(index, state)),
        1 => listener.clone().prop_map(|index| Step::State(index, ProcessState::Starting)),
        1 => listener.clone().prop_map(|index| Step::State(index, ProcessState::Running)),
        3 => listener.clone().prop_map(Step::Spawn),
        6 => (listener.clone(), listener_answer()).prop_map(|(index, bytes)| Step::Output(index, bytes)),
        2 => (0..1000i64).prop_map(Step::Publish),
        1 => listener.prop_map(Step::StdinClosed),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    // Random listener output never panics, and a chunked stream means the same as the whole stream.
    #[test]
    fn protocol_output_is_the_same_however_it_is_chunked(
        bytes in listener_bytes(),
        cuts in proptest::collection::vec(any::<proptest::sample::Index>(), 0..6),
    ) {
        let start = || {
            let mut protocol = ListenerProtocol::new("l");
            protocol.feed(b"READY\n");
            protocol.event_sent();
            protocol
        };
        let mut whole = start();
        let whole_steps = whole.feed(&bytes);
        let mut positions: Vec<usize> = cuts.iter().map(|cut| cut.index(bytes.len() + 1)).collect();
        positions.push(0);
        positions.push(bytes.len());
        positions.sort_unstable();
        let mut chunked = start();
        let mut chunked_steps = Vec::new();
        for pair in positions.windows(2) {
            chunked_steps.extend(chunked.feed(&bytes[pair[0]..pair[1]]));
        }
        prop_assert_eq!(&chunked_steps, &whole_steps);
        prop_assert_eq!(chunked.state(), whole.state());
        prop_assert_eq!(chunked.held_bytes(), whole.held_bytes());
        // UNKNOWN keeps nothing; a closed channel is only reached from BUSY and stays there.
        if whole.state() == ListenerState::Unknown {
            prop_assert_eq!(whole.held_bytes(), 0);
        }
        if whole.is_channel_closed() {
            prop_assert_eq!(whole.state(), ListenerState::Busy);
        }
        if whole.state() == ListenerState::Acknowledged {
            prop_assert!(whole.held_bytes() < 6);
        }
    }

    // Random inputs never panic and keep the pool's invariants: the buffer within its size, BUSY exactly when an
    // event is in flight, nothing buffered while a listener could take it.
    #[test]
    fn random_inputs_keep_the_pool_legal(steps in proptest::collection::vec(step(), 0..60), buffer_size in 1..4i64) {
        let names = ["l0", "l1", "l2"];
        let mut bus = EventBus::new();
        bus.add_pool(EventPool::new("p", &spec(&["TICK", "TICK_5"], buffer_size), names.map(str::to_string), "s"));
        for step in steps {
            let spawn = matches!(step, Step::Spawn(_));
            let actions = run_step(&mut bus, names, step);
            let pool = bus.pool("p").expect("the pool");
            pool.assert_invariants();
            // A write leaves its listener BUSY with that very event (one input cannot also finish it).
            for action in actions.iter().filter(|_| !spawn) {
                if let PoolAction::Write { process, bytes } = &action.action {
                    let envelope = String::from_utf8(bytes.clone()).expect("UTF-8");
                    let serial: u64 = envelope
                        .split(' ')
                        .find_map(|token| token.strip_prefix("serial:"))
                        .and_then(|serial| serial.parse().ok())
                        .expect("a serial");
                    prop_assert_eq!(pool.in_flight_serial(process), Some(serial));
                    prop_assert_eq!(pool.listener_state(process), Some(ListenerState::Busy));
                }
            }
        }
    }
}
