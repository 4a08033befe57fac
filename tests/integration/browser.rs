//! The web UI in a real browser: headless Chromium, driven over the DevTools protocol, loads the status page of our
//! daemon from an `[inet_http_server]` on loopback and clicks a program's Stop button (the page's own POST form, so
//! the browser sends the `Origin` it sends for a person's click): the program stops. A cross-site page's `<img>`
//! pointing at an action URL, and its self-submitting POST form, change nothing.
//!
//! Needs `chromium` on `PATH` (Debian's `chromium` package, which `.ci/run` installs): without it these tests fail
//! rather than skip, so that CI cannot pass without running them.

use std::collections::VecDeque;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

use crate::harness::{alive, spawned_pid, wait_until, Daemon, Flavor, DEADLINE};

/// How long one read of the DevTools socket blocks before the deadline is looked at again.
const READ_SLICE: Duration = Duration::from_millis(100);

/// The command-line switches for a quiet, self-contained headless Chromium: no sandbox (CI runs as root), no GPU,
/// and nothing that reaches out to the network by itself.
const CHROMIUM_SWITCHES: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// A TCP port on 127.0.0.1 that nothing listens on right now: the kernel picks it for a listener that is closed at
/// once. (The daemon binds with `SO_REUSEADDR`, and nothing connected to this listener, so it is free again.)
fn free_loopback_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

/// A daemon with an `[inet_http_server]` on `127.0.0.1:port` and two running programs, `web` and `db`; returns it
/// with the pid of `web` once both run and the listener accepts connections.
fn start_daemon(port: u16) -> (Daemon, i32) {
    let config = format!(
        "[inet_http_server]\nport=127.0.0.1:{port}\n\
         [program:web]\ncommand=/bin/sleep 600\nstartsecs=0\n\
         [program:db]\ncommand=/bin/sleep 601\nstartsecs=0\n"
    );
    let daemon = Daemon::start(Flavor::Ours, &config);
    let messages = daemon.wait_for_line("entered RUNNING state", 2);
    let web = spawned_pid(&messages, "web").expect("web spawned");
    wait_until("the inet HTTP server to accept connections", || {
        TcpStream::connect(("127.0.0.1", port)).ok()
    });
    (daemon, web)
}

/// A page of another site with `body`, as a `file:` URL of a file in the daemon's temp dir. (Not a `data:` URL:
/// Chromium counts those as public pages and refuses their requests to loopback addresses outright, so the
/// request would never reach the daemon and the test would prove nothing about it.)
fn elsewhere(daemon: &Daemon, name: &str, body: &str) -> String {
    let path = daemon.path(name);
    std::fs::write(
        &path,
        format!("<!DOCTYPE html>\n<html><head><title>elsewhere</title></head><body>{body}</body></html>\n"),
    )
    .expect("write the page");
    format!("file://{}", path.display())
}

/// The Chromium process (in its own process group, so that its helpers go with it) and its fresh profile
/// directory. Dropping it kills the group by the browser's pid and reaps the browser.
struct ChromiumProcess {
    child: Child,
    home: tempfile::TempDir,
}

impl ChromiumProcess {
    /// What Chromium printed so far, for failure messages.
    fn output(&self) -> String {
        std::fs::read_to_string(self.home.path().join("chromium.log")).unwrap_or_default()
    }
}

impl Drop for ChromiumProcess {
    fn drop(&mut self) {
        let group = self.child.id() as i32;
        // SAFETY: kill(2) has no memory-safety preconditions; the group is the one Chromium was started in.
        unsafe { nix::libc::kill(-group, nix::libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

/// Headless Chromium with one page (a flattened DevTools session on a tab), driven over the DevTools protocol.
struct Chromium {
    devtools: WebSocket<TcpStream>,
    /// The DevTools session of the page every command goes to.
    session: String,
    next_id: u64,
    /// Events of the page read while waiting for something else, oldest first.
    events: VecDeque<Value>,
    // Last, so that the connection closes before the process is killed.
    process: ChromiumProcess,
}

impl Chromium {
    /// Starts Chromium with DevTools on a loopback port it picks (`--remote-debugging-port=0`, read back from the
    /// profile's `DevToolsActivePort`), opens a tab and enables the page and network events.
    fn launch() -> Chromium {
        let home = tempfile::tempdir().expect("tempdir");
        let profile = home.path().join("profile");
        let log = std::fs::File::create(home.path().join("chromium.log")).expect("create log");
        let spawned = Command::new("chromium")
            .args(CHROMIUM_SWITCHES)
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("--remote-debugging-port=0")
            .arg("about:blank")
            // Crash reports and caches go under the temp dir, not the user's home.
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone log"))
            .stderr(log)
            .process_group(0)
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => panic!(
                "chromium is not installed: the browser tests need it (Debian: apt-get install chromium; \
                 .ci/run installs it)"
            ),
            Err(error) => panic!("starting chromium: {error}"),
        };
        let mut process = ChromiumProcess { child, home };

        let port_file = profile.join("DevToolsActivePort");
        let start = Instant::now();
        let (port, path) = loop {
            // The file holds the port, then the browser's DevTools path; it is complete once both lines are there.
            let text = std::fs::read_to_string(&port_file).unwrap_or_default();
            let mut lines = text.lines();
            if let (Some(Ok(port)), Some(path)) =
                (lines.next().map(str::parse::<u16>), lines.next())
            {
                break (port, path.to_string());
            }
            if let Ok(Some(status)) = process.child.try_wait() {
                panic!("chromium exited ({status}):\n{}", process.output());
            }
            if start.elapsed() > DEADLINE {
                panic!(
                    "chromium wrote no DevToolsActivePort:\n{}",
                    process.output()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };

        let stream =
            TcpStream::connect(("127.0.0.1", port)).expect("connect to DevTools on loopback");
        // The handshake blocks for at most the deadline; after it, reads wake up often to check their deadline.
        stream
            .set_read_timeout(Some(DEADLINE))
            .expect("read timeout");
        let (devtools, _) = tungstenite::client(format!("ws://127.0.0.1:{port}{path}"), stream)
            .unwrap_or_else(|error| panic!("DevTools handshake: {error}\n{}", process.output()));
        devtools
            .get_ref()
            .set_read_timeout(Some(READ_SLICE))
            .expect("read timeout");
        let mut chromium = Chromium {
            devtools,
            session: String::new(),
            next_id: 0,
            events: VecDeque::new(),
            process,
        };
        let target = chromium.call(None, "Target.createTarget", json!({"url": "about:blank"}));
        let attached = chromium.call(
            None,
            "Target.attachToTarget",
            json!({"targetId": target["targetId"], "flatten": true}),
        );
        chromium.session = attached["sessionId"]
            .as_str()
            .expect("a session id")
            .to_string();
        chromium.page_call("Page.enable", json!({}));
        chromium.page_call("Page.setLifecycleEventsEnabled", json!({"enabled": true}));
        chromium.page_call("Network.enable", json!({}));
        chromium
    }

    /// Sends a command (to the browser, or to a session) and returns its result, keeping the page's events that
    /// arrive meanwhile. A protocol error fails the test.
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut command = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            command["sessionId"] = json!(session);
        }
        self.devtools
            .send(Message::text(command.to_string()))
            .expect("send to DevTools");
        let start = Instant::now();
        loop {
            let message = self.receive(start, method);
            if message["id"] == json!(id) {
                if let Some(error) = message.get("error") {
                    panic!("DevTools {method}: {error}");
                }
                return message["result"].clone();
            }
            self.keep_event(message);
        }
    }

    fn page_call(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.call(Some(&session), method, params)
    }

    fn keep_event(&mut self, message: Value) {
        if message.get("method").is_some() && message["sessionId"] == json!(self.session) {
            self.events.push_back(message);
        }
    }

    /// The next message from DevTools; panics when none comes before `start` + [`DEADLINE`].
    fn receive(&mut self, start: Instant, what: &str) -> Value {
        loop {
            if start.elapsed() > DEADLINE {
                // A request the browser refused to send, or whose answer it dropped, says why here.
                let failures: Vec<String> = self
                    .events
                    .iter()
                    .filter(|event| event["method"] == json!("Network.loadingFailed"))
                    .map(|event| event["params"].to_string())
                    .collect();
                panic!(
                    "timed out waiting for {what} from Chromium; failed loads: {failures:?}; its output:\n{}",
                    self.process.output()
                );
            }
            match self.devtools.read() {
                Ok(Message::Text(text)) => {
                    return serde_json::from_str(text.as_str()).expect("DevTools sends JSON")
                }
                // Pings are answered by tungstenite; DevTools sends no binary frames.
                Ok(_) => {}
                Err(tungstenite::Error::Io(error))
                    if matches!(
                        error.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(error) => panic!("reading from DevTools: {error}"),
            }
        }
    }

    /// Takes the first event of the page named `method` for which `matches` holds (given the event's params),
    /// among those already read or those to come within the deadline; the others stay. Returns its params.
    fn wait_for_event(&mut self, method: &str, matches: impl Fn(&Value) -> bool) -> Value {
        self.wait_for_event_of(&[method], matches)["params"].clone()
    }

    /// As [`Chromium::wait_for_event`], for an event named any of `methods`; returns the whole event.
    fn wait_for_event_of(&mut self, methods: &[&str], matches: impl Fn(&Value) -> bool) -> Value {
        let wanted = |event: &Value| {
            methods
                .iter()
                .any(|method| event["method"] == json!(method))
                && matches(&event["params"])
        };
        if let Some(index) = self.events.iter().position(wanted) {
            return self.events.remove(index).expect("index found");
        }
        let start = Instant::now();
        let what = methods.join(" or ");
        loop {
            let message = self.receive(start, &what);
            if message["sessionId"] == json!(self.session) && wanted(&message) {
                return message;
            }
            self.keep_event(message);
        }
    }

    /// Starts loading `url` in the page, without waiting; returns the navigation's loader id.
    fn open(&mut self, url: &str) -> Value {
        self.events.clear();
        let result = self.page_call("Page.navigate", json!({"url": url}));
        if let Some(error) = result.get("errorText") {
            panic!("navigating to {url}: {error}");
        }
        result["loaderId"].clone()
    }

    /// Loads `url` in the page and waits for its `load` event (which waits for its images too).
    fn navigate(&mut self, url: &str) {
        let loader = self.open(url);
        self.wait_for_load(&loader);
    }

    /// Waits for the `load` lifecycle event of the document that the navigation `loader` brings (so that a late
    /// event of the page before cannot pass for it).
    fn wait_for_load(&mut self, loader: &Value) {
        self.wait_for_event("Page.lifecycleEvent", |params| {
            params["name"] == json!("load") && params["loaderId"] == *loader
        });
    }

    /// Waits until the page's main frame has navigated to `url` (however: a click, a redirect, a script) and
    /// that document has loaded.
    fn wait_for_page(&mut self, url: &str) {
        let navigated = self.wait_for_event("Page.frameNavigated", |params| {
            params["frame"]["url"] == json!(url) && params["frame"].get("parentId").is_none()
        });
        self.wait_for_load(&navigated["frame"]["loaderId"]);
    }

    /// The value of a JavaScript expression in the page.
    fn evaluate(&mut self, expression: &str) -> Value {
        let result = self.page_call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true}),
        );
        if let Some(exception) = result.get("exceptionDetails") {
            panic!("{expression}: {exception}");
        }
        result["result"]["value"].clone()
    }

    /// Clicks the element that `selector` finds as a person would: a left mouse button press and release at the
    /// centre of the element, scrolled into view, which must be the element the browser finds at that point.
    fn click(&mut self, selector: &str) {
        let selector_text = serde_json::to_string(selector).expect("a string");
        let centre = self.evaluate(&format!(
            "(() => {{ const element = document.querySelector({selector_text}); if (!element) return null; \
             element.scrollIntoView({{block: 'center'}}); const box = element.getBoundingClientRect(); \
             const x = box.left + box.width / 2, y = box.top + box.height / 2; \
             return {{x, y, hit: document.elementFromPoint(x, y) === element}}; }})()"
        ));
        assert!(
            centre.is_object(),
            "no {selector} in the page:\n{}",
            self.evaluate("document.documentElement.outerHTML")
        );
        assert_eq!(
            centre["hit"],
            json!(true),
            "{selector} is covered by another element"
        );
        self.events.clear();
        for kind in ["mouseMoved", "mousePressed", "mouseReleased"] {
            self.page_call(
                "Input.dispatchMouseEvent",
                json!({"type": kind, "x": centre["x"], "y": centre["y"], "button": "left", "clickCount": 1}),
            );
        }
    }

    /// The request the page sent to `url` (`Network.requestWillBeSent`): its id, the request, and the headers that
    /// went on the wire with it (`Network.requestWillBeSentExtraInfo`, names lower-cased).
    fn sent_request(&mut self, url: &str) -> SentRequest {
        let sent = self.wait_for_event("Network.requestWillBeSent", |params| {
            params["request"]["url"] == json!(url)
        });
        let id = sent["requestId"].clone();
        let extra = self.wait_for_event("Network.requestWillBeSentExtraInfo", |params| {
            params["requestId"] == id
        });
        let headers: serde_json::Map<String, Value> = extra["headers"]
            .as_object()
            .expect("headers")
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
            .collect();
        SentRequest {
            id,
            request: sent["request"].clone(),
            headers: Value::Object(headers),
        }
    }

    /// The HTTP status the server answered `sent` with, from the response headers as they came off the wire
    /// (`Network.responseReceivedExtraInfo`; the first one for a redirected request is the redirect's). It is
    /// there even when the browser then withholds the body from the page, as it does for an `<img>` whose answer
    /// is HTML. A request the browser never sent has none, and the test fails: it would test nothing.
    fn response_status(&mut self, sent: &SentRequest) -> i64 {
        let answer = self.wait_for_event("Network.responseReceivedExtraInfo", |params| {
            params["requestId"] == sent.id
        });
        answer["statusCode"]
            .as_i64()
            .unwrap_or_else(|| panic!("no status in {answer}"))
    }

    /// The status page's rows as (state, description, name).
    fn status_rows(&mut self) -> Vec<(String, String, String)> {
        let rows = self.evaluate(
            "Array.from(document.querySelectorAll('tbody tr')).map(row => \
             Array.from(row.querySelectorAll('td')).slice(0, 3).map(cell => cell.textContent.trim()))",
        );
        rows.as_array()
            .expect("rows")
            .iter()
            .map(|row| {
                let cell = |index: usize| row[index].as_str().unwrap_or_default().to_string();
                (cell(0), cell(1), cell(2))
            })
            .collect()
    }
}

/// A request the page sent, as DevTools reported it.
struct SentRequest {
    id: Value,
    /// `Network.Request`: url, method, ...
    request: Value,
    /// The headers that went on the wire, names lower-cased.
    headers: Value,
}

/// The row of `name` on the status page, as (state, description).
fn row_of(rows: &[(String, String, String)], name: &str) -> (String, String) {
    rows.iter()
        .find(|(_, _, row_name)| row_name == name)
        .map(|(state, description, _)| (state.clone(), description.clone()))
        .unwrap_or_else(|| panic!("no row for {name} in {rows:?}"))
}

#[test]
fn clicking_stop_on_the_status_page_stops_the_program() {
    let port = free_loopback_port();
    let (mut daemon, web) = start_daemon(port);
    let mut chromium = Chromium::launch();
    let origin = format!("http://127.0.0.1:{port}");

    chromium.navigate(&format!("{origin}/"));
    let rows = chromium.status_rows();
    assert_eq!(row_of(&rows, "web").0, "running", "{rows:?}");
    assert!(
        row_of(&rows, "web").1.starts_with(&format!("pid {web},")),
        "{rows:?}"
    );

    chromium.click("button[formaction=\"index.html?processname=web&action=stop\"]");
    // The form's POST, with the Origin a browser sends for a click on its own page.
    let action_url = format!("{origin}/index.html?processname=web&action=stop");
    let post = chromium.sent_request(&action_url);
    assert_eq!(post.request["method"], json!("POST"), "{}", post.request);
    assert_eq!(post.headers["origin"], json!(origin), "{}", post.headers);
    assert_eq!(chromium.response_status(&post), 301);
    // Then the redirect back to the status page with the action's message.
    chromium.wait_for_page(&format!("{origin}/?message=Process%20web%20stopped"));
    assert_eq!(
        chromium.evaluate("document.querySelector('.status_msg').textContent"),
        json!("Process web stopped")
    );

    daemon.wait_for_line("stopped: web (terminated by SIGTERM)", 1);
    assert!(!alive(web), "web's pid {web} is still there");
    let rows = chromium.status_rows();
    assert_eq!(row_of(&rows, "web").0, "stopped", "{rows:?}");
    assert_eq!(row_of(&rows, "db").0, "running", "{rows:?}");
    assert_eq!(daemon.terminate(), Some(0));
}

#[test]
fn a_cross_site_page_cannot_act_through_the_browser() {
    let port = free_loopback_port();
    let (mut daemon, web) = start_daemon(port);
    let mut chromium = Chromium::launch();
    let origin = format!("http://127.0.0.1:{port}");
    let action_url = format!("{origin}/index.html?processname=web&action=stop");

    // Supervisor's action links are GETs, so an image on any page could stop a program. The browser sends the
    // GET (a cross-site one) and gets the page back, but nothing is done.
    chromium.navigate(&elsewhere(
        &daemon,
        "image.html",
        &format!("<img src=\"{action_url}\">"),
    ));
    let get = chromium.sent_request(&action_url);
    assert_eq!(get.request["method"], json!("GET"), "{}", get.request);
    assert_eq!(
        get.headers["sec-fetch-site"],
        json!("cross-site"),
        "{}",
        get.headers
    );
    assert_eq!(chromium.response_status(&get), 200);

    // A page that submits a form of its own to the action URL: the POST is refused.
    chromium.open(&elsewhere(
        &daemon,
        "form.html",
        &format!(
            "<form method=\"post\" action=\"{action_url}\"></form>\
             <script>document.forms[0].submit()</script>"
        ),
    ));
    let post = chromium.sent_request(&action_url);
    assert_eq!(post.request["method"], json!("POST"), "{}", post.request);
    assert_eq!(post.headers["origin"], json!("null"), "{}", post.headers);
    assert_eq!(chromium.response_status(&post), 403);
    chromium.wait_for_page(&action_url);

    assert!(alive(web), "web's pid {web} is gone");
    chromium.navigate(&format!("{origin}/"));
    let rows = chromium.status_rows();
    assert_eq!(row_of(&rows, "web").0, "running", "{rows:?}");
    assert!(
        row_of(&rows, "web").1.starts_with(&format!("pid {web},")),
        "{rows:?}"
    );
    assert!(
        !daemon.log().contains("stopped: web"),
        "main log:\n{}",
        daemon.log()
    );
    assert_eq!(daemon.terminate(), Some(0));
}
