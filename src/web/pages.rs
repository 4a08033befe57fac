//! The status page and the tail view, rendered with minijinja from templates compiled into the binary.
//!
//! Owns the page content only (what `web.py`'s StatusView and TailView put into Supervisor's templates); the
//! HTTP layer adds the headers (`Content-Type: text/html;charset=utf-8` and Supervisor's no-cache headers).
//! Every value goes through minijinja's HTML auto-escaping: nothing a process name, a description, a message or
//! a log line contains can become markup.

use std::sync::OnceLock;

use minijinja::value::Value;
use minijinja::{context, AutoEscape, Environment, Error, Output, State};

use super::form::{local_datetime, url_quote, TailRequest};
use crate::process::state::ProcessState;
use crate::rpc::backend::ProcessInfo;

/// The content type of the rendered pages, as Supervisor sends it.
pub const PAGE_CONTENT_TYPE: &str = "text/html;charset=utf-8";

const STATUS_TEMPLATE: &str = "status.html";
const TAIL_TEMPLATE: &str = "tail.html";

/// One entry of a status row's Action column (`StatusView.actions_for_process`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowAction {
    Start,
    Restart,
    Stop,
    ClearLog,
    TailStdout,
    TailStderr,
}

impl RowAction {
    pub fn label(self) -> &'static str {
        match self {
            RowAction::Start => "Start",
            RowAction::Restart => "Restart",
            RowAction::Stop => "Stop",
            RowAction::ClearLog => "Clear Log",
            RowAction::TailStdout => "Tail -f Stdout",
            RowAction::TailStderr => "Tail -f Stderr",
        }
    }

    /// Whether the entry changes state, so is a POST button rather than a link.
    pub fn is_post(self) -> bool {
        !matches!(self, RowAction::TailStdout | RowAction::TailStderr)
    }

    /// The relative URL of the entry for a namespec (quoted as Supervisor quotes it: `:` becomes `%3A`).
    pub fn url(self, namespec: &str) -> String {
        let quoted = url_quote(namespec);
        match self {
            RowAction::Start => format!("index.html?processname={quoted}&action=start"),
            RowAction::Restart => format!("index.html?processname={quoted}&action=restart"),
            RowAction::Stop => format!("index.html?processname={quoted}&action=stop"),
            RowAction::ClearLog => format!("index.html?processname={quoted}&action=clearlog"),
            RowAction::TailStdout => format!("logtail/{quoted}"),
            RowAction::TailStderr => format!("logtail/{quoted}/stderr"),
        }
    }
}

/// The five slots of a row's Action column for a process state code; `None` slots are rendered as hidden anchors
/// so the columns line up, as Supervisor does.
pub fn row_actions(state: i64) -> [Option<RowAction>; 5] {
    let (first, second) = match ProcessState::from_code(state) {
        Some(ProcessState::Running) => (Some(RowAction::Restart), Some(RowAction::Stop)),
        Some(ProcessState::Stopped | ProcessState::Exited | ProcessState::Fatal) => {
            (Some(RowAction::Start), None)
        }
        _ => (None, None),
    };
    [
        first,
        second,
        Some(RowAction::ClearLog),
        Some(RowAction::TailStdout),
        Some(RowAction::TailStderr),
    ]
}

/// The status page: one row per process sorted by (group, process), the message box when `message` is given, and
/// the footer with `version` and the current year (local time: `now` shifted by `utc_offset_seconds`).
///
/// The whole page is rendered, however many processes there are (Supervisor's own server cut long pages).
pub fn render_status_page(
    infos: &[ProcessInfo],
    message: Option<&str>,
    version: &str,
    now: i64,
    utc_offset_seconds: i64,
) -> String {
    let mut sorted: Vec<&ProcessInfo> = infos.iter().collect();
    sorted.sort_by(|a, b| (&a.group, &a.name).cmp(&(&b.group, &b.name)));
    let rows: Vec<Value> = sorted
        .iter()
        .enumerate()
        .map(|(index, info)| status_row(info, index % 2 == 1))
        .collect();
    let year = local_datetime(now, utc_offset_seconds).year();
    render(
        STATUS_TEMPLATE,
        context! {
            rows,
            has_message => message.is_some(),
            message,
            version,
            year,
        },
    )
}

/// The tail view of `request`'s process, showing `text` (the end of its stdout log, [`super::NO_PROCESS_NAME`],
/// or [`super::tail_fault_text`]). The Refresh link keeps the request's limit; without a process name there is
/// none, and the title says `None`, as Supervisor's does.
pub fn render_tail_page(request: &TailRequest, text: &str) -> String {
    let title_name = request.processname.as_deref().unwrap_or("None");
    let refresh_url = request.processname.as_deref().map(|name| {
        format!(
            "tail.html?processname={}&limit={}",
            url_quote(name),
            request.limit
        )
    });
    render(
        TAIL_TEMPLATE,
        context! {
            title_name,
            text,
            refresh_url,
        },
    )
}

fn status_row(info: &ProcessInfo, shade: bool) -> Value {
    let namespec = if info.group == info.name {
        info.name.clone()
    } else {
        format!("{}:{}", info.group, info.name)
    };
    let status_class = match ProcessState::from_code(info.state) {
        Some(ProcessState::Running) => "statusrunning",
        Some(ProcessState::Fatal | ProcessState::Backoff) => "statuserror",
        _ => "statusnominal",
    };
    let actions: Vec<Value> = row_actions(info.state)
        .into_iter()
        .map(|slot| match slot {
            None => context! { hidden => true },
            Some(action) => context! {
                hidden => false,
                post => action.is_post(),
                label => action.label(),
                url => action.url(&namespec),
            },
        })
        .collect();
    context! {
        shade => if shade { "shade" } else { "" },
        status_class,
        status => info.statename.to_lowercase(),
        description => info.description.as_str(),
        tail_url => format!("tail.html?processname={}", url_quote(&namespec)),
        namespec,
        actions,
    }
}

fn render(template_name: &str, context: Value) -> String {
    environment()
        .get_template(template_name)
        .and_then(|template| template.render(context))
        .expect("the built-in templates render any context this module builds (tested)")
}

fn environment() -> &'static Environment<'static> {
    static ENVIRONMENT: OnceLock<Environment<'static>> = OnceLock::new();
    ENVIRONMENT.get_or_init(|| {
        let mut environment = Environment::new();
        // Both names end in .html, so minijinja's default callback turns HTML auto-escaping on; say so anyway.
        environment.set_auto_escape_callback(|_| AutoEscape::Html);
        environment.set_formatter(escape_html);
        environment.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .keep_trailing_newline(true)
                .build()
                .expect("the default delimiters are valid"),
        );
        environment
            .add_template(STATUS_TEMPLATE, include_str!("templates/status.html"))
            .expect("the status template parses (tested)");
        environment
            .add_template(TAIL_TEMPLATE, include_str!("templates/tail.html"))
            .expect("the tail template parses (tested)");
        environment
    })
}

/// minijinja's HTML auto-escaping, except that `/` stays as it is: it has no meaning in HTML text or in a quoted
/// attribute, and log text and URLs are full of it (minijinja's default writes `&#x2f;`, which is correct but six
/// times the bytes and unreadable in the page source). `&`, `<`, `>`, `"` and `'` are escaped as minijinja does.
fn escape_html(output: &mut Output, state: &mut State, value: &Value) -> Result<(), Error> {
    let is_plain_string = matches!(state.auto_escape(), AutoEscape::Html) && !value.is_safe();
    match value.as_str() {
        Some(text) if is_plain_string => {
            let mut start = 0;
            for (index, byte) in text.bytes().enumerate() {
                let entity = match byte {
                    b'&' => "&amp;",
                    b'<' => "&lt;",
                    b'>' => "&gt;",
                    b'"' => "&quot;",
                    b'\'' => "&#x27;",
                    _ => continue,
                };
                output.write_str(&text[start..index])?;
                output.write_str(entity)?;
                start = index + 1;
            }
            output.write_str(&text[start..])?;
            Ok(())
        }
        _ => minijinja::escape_formatter(output, state, value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compares with `fixtures/web/<name>`; `UPDATE_EXPECT=1` rewrites the file.
    fn check_snapshot(name: &str, actual: &str) {
        let path =
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/web")).join(name);
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(&path, actual).expect("write snapshot");
            return;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        if expected != actual {
            let diff = similar::TextDiff::from_lines(&expected, actual)
                .unified_diff()
                .header("expected", "actual")
                .to_string();
            panic!(
                "{} differs (UPDATE_EXPECT=1 to accept):\n{diff}",
                path.display()
            );
        }
    }

    const NOW: i64 = 1_795_503_556; // Tue Nov 24 06:59:16 2026 UTC

    fn info(group: &str, name: &str, state: ProcessState, description: &str) -> ProcessInfo {
        ProcessInfo {
            name: name.into(),
            group: group.into(),
            start: NOW - 100,
            stop: 0,
            now: NOW,
            state: state.code(),
            statename: state.name().into(),
            spawnerr: String::new(),
            exitstatus: 0,
            stdout_logfile: String::new(),
            stderr_logfile: String::new(),
            pid: 0,
            description: description.into(),
        }
    }

    /// One process in each state, given out of order, two of them in a group of their own name.
    fn one_of_each_state() -> Vec<ProcessInfo> {
        vec![
            info("workers", "workers_01", ProcessState::Stopping, ""),
            info(
                "web",
                "web",
                ProcessState::Running,
                "pid 4532, uptime 0:01:40",
            ),
            info("workers", "workers_00", ProcessState::Starting, ""),
            info(
                "crash",
                "crash",
                ProcessState::Fatal,
                "Exited too quickly (process log may have details)",
            ),
            info("idle", "idle", ProcessState::Stopped, "Not started"),
            info(
                "oneshot",
                "oneshot",
                ProcessState::Exited,
                "Nov 24 06:57 AM",
            ),
            info(
                "flaky",
                "flaky",
                ProcessState::Backoff,
                "Exited too quickly (process log may have details)",
            ),
            info("ghost", "ghost", ProcessState::Unknown, ""),
        ]
    }

    #[test]
    fn status_page_snapshots() {
        let infos = one_of_each_state();
        check_snapshot(
            "status_each_state.html",
            &render_status_page(&infos, None, "4.3.0", NOW, 0),
        );
        check_snapshot(
            "status_message.html",
            &render_status_page(&infos[..2], Some("Process web started"), "4.3.0", NOW, 0),
        );
        check_snapshot(
            "status_empty.html",
            &render_status_page(&[], None, "4.3.0", NOW, 0),
        );
    }

    #[test]
    fn tail_page_snapshots() {
        let request = |processname: Option<&str>, limit| TailRequest {
            processname: processname.map(str::to_string),
            limit,
        };
        check_snapshot(
            "tail_web.html",
            &render_tail_page(
                &request(Some("workers:w 1"), 1024),
                "line 1\nhello <b>& world\n",
            ),
        );
        check_snapshot(
            "tail_no_name.html",
            &render_tail_page(&request(None, 1024), super::super::NO_PROCESS_NAME),
        );
    }

    /// The part of `page` between the first `start` and the following `end`.
    fn between<'a>(page: &'a str, start: &str, end: &str) -> &'a str {
        let from = page
            .find(start)
            .map(|i| i + start.len())
            .unwrap_or_else(|| panic!("no {start:?}"));
        let to = page[from..]
            .find(end)
            .map(|i| from + i)
            .unwrap_or_else(|| panic!("no {end:?}"));
        &page[from..to]
    }

    #[test]
    fn rows_are_sorted_by_group_then_process_and_shaded_alternately() {
        let infos = vec![
            info("b", "a", ProcessState::Running, ""),
            info("a", "z", ProcessState::Running, ""),
            info("a", "b", ProcessState::Running, ""),
            info("A", "x", ProcessState::Running, ""),
            info("a&b<c>", "a&b<c>", ProcessState::Running, ""),
        ];
        let page = render_status_page(&infos, None, "4.3.0", NOW, 0);
        let names: Vec<&str> = page
            .split("target=\"_blank\">")
            .skip(1)
            .map(|rest| rest.split('<').next().expect("name"))
            .filter(|text| !text.starts_with("Tail"))
            .collect();
        // Byte order, as Python sorts str: upper case before lower case, `&` before letters.
        assert_eq!(names, ["A:x", "a:b", "a:z", "a&amp;b&lt;c&gt;", "b:a"]);
        let classes: Vec<&str> = page
            .split("<tr class=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().expect("class"))
            .collect();
        assert_eq!(classes, ["", "shade", "", "shade", ""]);
    }

    #[test]
    fn actions_per_state() {
        use RowAction::*;
        let tails = [Some(ClearLog), Some(TailStdout), Some(TailStderr)];
        let cases = [
            (ProcessState::Running, [Some(Restart), Some(Stop)]),
            (ProcessState::Stopped, [Some(Start), None]),
            (ProcessState::Exited, [Some(Start), None]),
            (ProcessState::Fatal, [Some(Start), None]),
            (ProcessState::Starting, [None, None]),
            (ProcessState::Backoff, [None, None]),
            (ProcessState::Stopping, [None, None]),
            (ProcessState::Unknown, [None, None]),
        ];
        for (state, first_two) in cases {
            let expected = [first_two[0], first_two[1], tails[0], tails[1], tails[2]];
            assert_eq!(row_actions(state.code()), expected, "{state:?}");
        }
        assert_eq!(
            row_actions(12345),
            [None, None, tails[0], tails[1], tails[2]]
        );
    }

    #[test]
    fn action_controls_in_the_page() {
        // (state, the state-changing buttons the row must have, the ones it must not have)
        let cases = [
            (
                ProcessState::Running,
                vec!["restart", "stop", "clearlog"],
                vec!["start"],
            ),
            (
                ProcessState::Stopped,
                vec!["start", "clearlog"],
                vec!["restart", "stop"],
            ),
            (
                ProcessState::Exited,
                vec!["start", "clearlog"],
                vec!["restart", "stop"],
            ),
            (
                ProcessState::Fatal,
                vec!["start", "clearlog"],
                vec!["restart", "stop"],
            ),
            (
                ProcessState::Backoff,
                vec!["clearlog"],
                vec!["start", "restart", "stop"],
            ),
            (
                ProcessState::Starting,
                vec!["clearlog"],
                vec!["start", "restart", "stop"],
            ),
            (
                ProcessState::Stopping,
                vec!["clearlog"],
                vec!["start", "restart", "stop"],
            ),
            (
                ProcessState::Unknown,
                vec!["clearlog"],
                vec!["start", "restart", "stop"],
            ),
        ];
        for (state, present, absent) in cases {
            let page = render_status_page(&[info("g", "p 1", state, "")], None, "4.3.0", NOW, 0);
            let row = between(&page, "<tbody>", "</tbody>");
            for action in present {
                let button = format!(
                    "<button type=\"submit\" formaction=\"index.html?processname=g%3Ap%201&amp;action={action}\""
                );
                assert!(
                    row.contains(&button),
                    "{state:?}: no {action} button in\n{row}"
                );
            }
            for action in absent {
                assert!(
                    !row.contains(&format!("action={action}\"")),
                    "{state:?}: {action} in\n{row}"
                );
            }
            let hidden = row
                .matches("<a class=\"hidden\" href=\"#\" name=\"#\">Action</a>")
                .count();
            let expected_hidden = match state {
                ProcessState::Running => 0,
                ProcessState::Stopped | ProcessState::Exited | ProcessState::Fatal => 1,
                _ => 2,
            };
            assert_eq!(hidden, expected_hidden, "{state:?}");
            assert!(row.contains(
                "<a href=\"logtail/g%3Ap%201\" name=\"Tail -f Stdout\" target=\"_blank\">"
            ));
            assert!(row.contains(
                "<a href=\"logtail/g%3Ap%201/stderr\" name=\"Tail -f Stderr\" target=\"_blank\">"
            ));
            // No state change is reachable by a link: every index.html?...action= URL is a POST button's.
            assert_eq!(row.matches("href=\"index.html").count(), 0, "{state:?}");
        }
    }

    #[test]
    fn page_controls_are_post_buttons() {
        let page = render_status_page(&one_of_each_state(), None, "4.3.0", NOW, 0);
        assert!(page.contains("<form action=\"index.html\" method=\"post\">"));
        for action in ["refresh", "restartall", "stopall"] {
            assert!(page.contains(&format!(
                "<button type=\"submit\" formaction=\"index.html?action={action}\">"
            )));
        }
        assert!(!page.contains("href=\"index.html"));
        // Every button sits inside the one POST form.
        let form = between(
            &page,
            "<form action=\"index.html\" method=\"post\">",
            "</form>",
        );
        assert_eq!(
            form.matches("<button").count(),
            page.matches("<button").count()
        );
    }

    #[test]
    fn status_colours() {
        let cases = [
            (ProcessState::Running, "statusrunning"),
            (ProcessState::Fatal, "statuserror"),
            (ProcessState::Backoff, "statuserror"),
            (ProcessState::Stopped, "statusnominal"),
            (ProcessState::Starting, "statusnominal"),
            (ProcessState::Stopping, "statusnominal"),
            (ProcessState::Exited, "statusnominal"),
            (ProcessState::Unknown, "statusnominal"),
        ];
        for (state, class) in cases {
            let page = render_status_page(&[info("p", "p", state, "")], None, "4.3.0", NOW, 0);
            let expected = format!(
                "<span class=\"{class}\">{}</span>",
                state.name().to_lowercase()
            );
            assert!(page.contains(&expected), "{state:?}: no {expected}");
        }
    }

    #[test]
    fn message_box_and_footer() {
        let without = render_status_page(&[], None, "4.3.0", NOW, 0);
        assert!(without.contains("<div class=\"hidden\">#</div>"));
        assert!(!without.contains("status_msg"));
        assert!(without.contains("No programs to manage"));
        assert!(!without.contains("<table"));
        let with = render_status_page(
            &[],
            Some("All stopped at Tue Nov 24 06:59:16 2026"),
            "0.1.0",
            NOW,
            0,
        );
        assert!(with
            .contains("<div class=\"status_msg\">All stopped at Tue Nov 24 06:59:16 2026</div>"));
        assert!(
            with.contains("<a href=\"http://supervisord.org\">Supervisor</a> <span>0.1.0</span>")
        );
        assert!(with.contains("&copy; 2006-<span>2026</span>"));
        // The year is the local one: one second before 2027 in UTC is already 2027 an hour east.
        let new_year_eve = 1_798_761_599; // 2026-12-31 23:59:59 UTC
        assert!(
            render_status_page(&[], None, "v", new_year_eve, 0).contains("2006-<span>2026</span>")
        );
        assert!(render_status_page(&[], None, "v", new_year_eve, 3600)
            .contains("2006-<span>2027</span>"));
    }

    #[test]
    fn every_value_is_escaped() {
        let nasty = "<script>alert('x')</script> & \"quoted\"";
        let escaped = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quoted&quot;";
        let infos = vec![ProcessInfo {
            statename: nasty.into(),
            ..info(nasty, "n<a>me\"'&", ProcessState::Running, nasty)
        }];
        let page = render_status_page(&infos, Some(nasty), nasty, NOW, 0);
        assert!(!page.contains("<script"), "{page}");
        assert!(!page.contains("alert('x')"), "{page}");
        assert!(page.contains(&format!("<div class=\"status_msg\">{escaped}</div>")));
        assert!(page.contains(&format!("<td><span>{escaped}</span></td>")));
        assert!(
            page.contains(&format!("<span>{escaped}</span>\n  </div>")),
            "version"
        );
        // The statename is shown lower-cased, still escaped.
        assert!(page.contains(&format!(
            "<span class=\"statusrunning\">{escaped}</span></td>"
        )));
        // The namespec as text, and quoted in every URL (so no quote can end an attribute).
        let namespec_text = format!("{escaped}:n&lt;a&gt;me&quot;&#x27;&amp;");
        assert!(
            page.contains(&format!("target=\"_blank\">{namespec_text}</a>")),
            "{page}"
        );
        let quoted = url_quote("<script>alert('x')</script> & \"quoted\":n<a>me\"'&");
        assert!(page.contains(&format!("href=\"tail.html?processname={quoted}\"")));
        assert!(page.contains(&format!(
            "formaction=\"index.html?processname={quoted}&amp;action=restart\""
        )));

        let tail = render_tail_page(
            &TailRequest {
                processname: Some(nasty.into()),
                limit: 2048,
            },
            "</pre><script>alert(1)</script>",
        );
        assert!(!tail.contains("<script"), "{tail}");
        assert!(tail.contains("<pre>&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;</pre>"));
        assert!(tail.contains(&format!(
            "<title>Supervisor tail of process {escaped}</title>"
        )));
        assert!(tail.contains(&format!(
            "href=\"tail.html?processname={}&amp;limit=2048\"",
            url_quote(nasty)
        )));
    }

    #[test]
    fn a_thousand_processes_are_all_on_the_page() {
        let infos: Vec<ProcessInfo> = (0..1000)
            .map(|index| {
                info(
                    "pool",
                    &format!("worker_{index:04}"),
                    ProcessState::Running,
                    &format!("pid {}, uptime 1 day, 2:03:04", 10_000 + index),
                )
            })
            .rev()
            .collect();
        let page = render_status_page(&infos, None, "4.3.0", NOW, 0);
        assert!(page.len() > 64 * 1024, "the page is {} bytes", page.len());
        for index in 0..1000 {
            let name = format!(">pool:worker_{index:04}</a>");
            assert_eq!(page.matches(&name).count(), 1, "{name}");
        }
        assert_eq!(page.matches("<tr class=").count(), 1000);
        let first = page.find(">pool:worker_0000<").expect("first");
        let last = page.find(">pool:worker_0999<").expect("last");
        assert!(first < last);
        assert!(page.trim_end().ends_with("</html>"));
    }

    #[test]
    fn tail_page() {
        let page = render_tail_page(
            &TailRequest {
                processname: Some("web".into()),
                limit: 5000,
            },
            "a/b/c\n",
        );
        assert!(page.contains("<title>Supervisor tail of process web</title>"));
        assert!(page.contains("<pre>a/b/c\n</pre>"));
        assert!(page.contains("<a href=\"tail.html?processname=web&amp;limit=5000\">"));
        let no_name = render_tail_page(
            &TailRequest {
                processname: None,
                limit: 1024,
            },
            "No process name found",
        );
        assert!(no_name.contains("<title>Supervisor tail of process None</title>"));
        assert!(no_name.contains("<pre>No process name found</pre>"));
        assert!(!no_name.contains("tail.html?"));
        assert!(no_name.contains("<form action=\"index.html\" method=\"POST\">"));
    }
}
