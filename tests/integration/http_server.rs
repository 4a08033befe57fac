//! The HTTP servers (`supervisor::http`) on real sockets: a unix socket and an ephemeral loopback TCP port, a
//! fake backend with canned log paths, and a fake XML-RPC handler that echoes. Requests are written as raw bytes
//! so that what is on the wire (status lines, headers, chunks, closes) is what gets checked; the reference's own
//! clients (`supervisorctl tail -f`, `SupervisorTransport`) are driven against it too.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use supervisor::config::{Credentials, InetHttpServerSpec, ServerSpec, UnixHttpServerSpec};
use supervisor::http::{self, HttpServers, XmlRpcHandler, ADDRESS_IN_USE, MAX_REQUEST_BODY_BYTES};
use supervisor::rpc::backend::{
    codes, Backend, Channel, ConfigEntry, Fault, Outcomes, ProcessInfo, SupervisorState, Target,
};

use crate::reference::{reference_bin, reference_python};

/// How long one read may wait before the test fails.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------------------------
// The fakes

/// Log paths by process name: (stdout, stderr).
type LogPaths = BTreeMap<String, (Option<PathBuf>, Option<PathBuf>)>;

/// A backend that knows only log paths and the main log.
#[derive(Clone, Default)]
struct FakeBackend {
    logs: Arc<LogPaths>,
    main_log: Option<PathBuf>,
}

fn not_here() -> Fault {
    Fault::new(codes::FAILED, "not in this fake")
}

impl Backend for FakeBackend {
    async fn state(&self) -> SupervisorState {
        SupervisorState {
            code: 1,
            name: "RUNNING",
        }
    }
    async fn identification(&self) -> String {
        "supervisor".to_string()
    }
    async fn main_log_path(&self) -> Option<PathBuf> {
        self.main_log.clone()
    }
    async fn reopen_main_log(&self) {}
    async fn process_info(&self, _name: String) -> Result<ProcessInfo, Fault> {
        Err(not_here())
    }
    async fn all_process_info(&self) -> Vec<ProcessInfo> {
        Vec::new()
    }
    async fn start(&self, _target: Target, _wait: bool) -> Result<Outcomes, Fault> {
        Err(not_here())
    }
    async fn stop(&self, _target: Target, _wait: bool) -> Result<Outcomes, Fault> {
        Err(not_here())
    }
    async fn signal(&self, _target: Target, _signal: String) -> Result<Outcomes, Fault> {
        Err(not_here())
    }
    async fn clear_logs(&self, _target: Target) -> Result<Outcomes, Fault> {
        Err(not_here())
    }
    async fn log_path(&self, name: String, channel: Channel) -> Result<Option<PathBuf>, Fault> {
        let (stdout, stderr) = self
            .logs
            .get(&name)
            .ok_or_else(|| Fault::new(codes::BAD_NAME, name.clone()))?;
        Ok(match channel {
            Channel::Stdout => stdout.clone(),
            Channel::Stderr => stderr.clone(),
        })
    }
    async fn send_stdin(&self, _name: String, _data: Vec<u8>) -> Result<(), Fault> {
        Err(not_here())
    }
    async fn reload_config(&self) -> Result<(Vec<String>, Vec<String>, Vec<String>), Fault> {
        Err(not_here())
    }
    async fn add_group(&self, _name: String) -> Result<(), Fault> {
        Err(not_here())
    }
    async fn remove_group(&self, _name: String) -> Result<(), Fault> {
        Err(not_here())
    }
    async fn all_config_info(&self) -> Vec<ConfigEntry> {
        Vec::new()
    }
    async fn shutdown(&self) -> Result<(), Fault> {
        Err(not_here())
    }
    async fn restart(&self) -> Result<(), Fault> {
        Err(not_here())
    }
    async fn send_remote_comm_event(
        &self,
        _event_type: String,
        _data: String,
    ) -> Result<(), Fault> {
        Err(not_here())
    }

    async fn restart_counts(&self) -> std::collections::BTreeMap<(String, String), u64> {
        std::collections::BTreeMap::new()
    }

    async fn update(
        &self,
        _groups: Option<Vec<String>>,
        _dry_run: bool,
    ) -> Result<supervisor::reconcile::plan::Plan, Fault> {
        Err(not_here())
    }
}

/// An XML-RPC method call gets a response carrying its method name (`supervisor.getVersion` gets "3.0", which
/// is what supervisorctl checks; `fail.NNN` gets HTTP status NNN). Any other body is echoed.
fn fake_xmlrpc() -> XmlRpcHandler {
    Arc::new(|body: Vec<u8>| {
        Box::pin(async move {
            let text = String::from_utf8(body).expect("the server hands over UTF-8 only");
            let Some(method) = text
                .split_once("<methodName>")
                .and_then(|(_, rest)| rest.split_once("</methodName>"))
                .map(|(method, _)| method.to_string())
            else {
                return (200, text.into_bytes());
            };
            if let Some(status) = method.strip_prefix("fail.") {
                return (status.parse().expect("fail.NNN"), b"ignored".to_vec());
            }
            let value = if method == "supervisor.getVersion" {
                "3.0".to_string()
            } else {
                method
            };
            let response = format!(
                "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><string>{value}</string>\
                 </value>\n</param>\n</params>\n</methodResponse>\n"
            );
            (200, response.into_bytes())
        })
    })
}

// ---------------------------------------------------------------------------------------------------------------
// A server under test

struct Server {
    runtime: tokio::runtime::Runtime,
    servers: Option<HttpServers>,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

impl Server {
    fn start(spec: &ServerSpec, backend: FakeBackend) -> Result<Server, String> {
        let runtime = runtime();
        let servers = runtime.block_on(http::start(spec, backend, fake_xmlrpc()))?;
        Ok(Server {
            runtime,
            servers: Some(servers),
        })
    }

    fn servers(&self) -> &HttpServers {
        self.servers.as_ref().expect("running")
    }

    fn tcp(&self) -> SocketAddr {
        self.servers().inet_addresses()[0]
    }

    fn unix(&self) -> PathBuf {
        self.servers().socket_files()[0].clone()
    }

    fn close(mut self) {
        let servers = self.servers.take().expect("running");
        self.runtime.block_on(servers.close());
    }
}

fn unix_spec(file: &Path, auth: Option<(&str, &str)>) -> UnixHttpServerSpec {
    UnixHttpServerSpec {
        section: "unix_http_server".to_string(),
        file: file.to_string_lossy().into_owned(),
        chmod: 0o700,
        chown: None,
        auth: auth.map(credentials),
    }
}

fn inet_spec(auth: Option<(&str, &str)>) -> InetHttpServerSpec {
    InetHttpServerSpec {
        section: "inet_http_server".to_string(),
        host: "127.0.0.1".to_string(),
        port: 0,
        auth: auth.map(credentials),
    }
}

fn credentials((username, password): (&str, &str)) -> Credentials {
    Credentials {
        username: username.to_string(),
        password: password.to_string(),
    }
}

/// A temp dir with logs `foo.out`/`foo.err` (process `foo`, also as `grp:foo`), `nolog` (no log configured),
/// `missing` (configured, not on disk) and `main.log`; and a server with one unix and one TCP listener.
struct Setup {
    dir: tempfile::TempDir,
    server: Server,
}

impl Setup {
    fn new(unix_auth: Option<(&str, &str)>, inet_auth: Option<(&str, &str)>) -> Setup {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = |name: &str| dir.path().join(name);
        std::fs::write(path("foo.out"), "").expect("write");
        std::fs::write(path("foo.err"), "").expect("write");
        std::fs::write(path("main.log"), "").expect("write");
        let foo_logs = (Some(path("foo.out")), Some(path("foo.err")));
        let logs = BTreeMap::from([
            ("foo".to_string(), foo_logs.clone()),
            ("grp:foo".to_string(), foo_logs),
            ("nolog".to_string(), (None, None)),
            ("missing".to_string(), (Some(path("missing.out")), None)),
        ]);
        let backend = FakeBackend {
            logs: Arc::new(logs),
            main_log: Some(path("main.log")),
        };
        let spec = ServerSpec {
            unix_http_servers: vec![unix_spec(&path("supervisor.sock"), unix_auth)],
            inet_http_servers: vec![inet_spec(inet_auth)],
            ..ServerSpec::default()
        };
        let server = Server::start(&spec, backend).expect("start");
        Setup { dir, server }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn unix(&self) -> Connection {
        Connection::unix(&self.server.unix())
    }

    fn tcp(&self) -> Connection {
        Connection::tcp(self.server.tcp())
    }

    fn append(&self, name: &str, text: &str) {
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(self.path(name))
            .expect("open for append");
        file.write_all(text.as_bytes()).expect("append");
    }
}

// ---------------------------------------------------------------------------------------------------------------
// A raw HTTP client

enum Stream {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Read for Stream {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Unix(stream) => stream.read(buffer),
            Stream::Tcp(stream) => stream.read(buffer),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Unix(stream) => stream.write(bytes),
            Stream::Tcp(stream) => stream.write(bytes),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Connection {
    stream: Stream,
    buffer: Vec<u8>,
}

/// One response head (and body, when it has a length).
#[derive(Debug)]
struct Reply {
    status_line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn status(&self) -> u16 {
        self.status_line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {:?}", self.status_line))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn header_names(&self) -> Vec<&str> {
        self.headers.iter().map(|(name, _)| name.as_str()).collect()
    }
}

impl Connection {
    fn unix(path: &Path) -> Connection {
        let stream = UnixStream::connect(path).expect("connect unix");
        stream
            .set_read_timeout(Some(READ_TIMEOUT))
            .expect("timeout");
        Connection {
            stream: Stream::Unix(stream),
            buffer: Vec::new(),
        }
    }

    fn tcp(address: SocketAddr) -> Connection {
        let stream = TcpStream::connect(address).expect("connect tcp");
        stream
            .set_read_timeout(Some(READ_TIMEOUT))
            .expect("timeout");
        Connection {
            stream: Stream::Tcp(stream),
            buffer: Vec::new(),
        }
    }

    /// Closes our sending side; reading goes on.
    fn shut_down_sending(&mut self) {
        let _ = match &self.stream {
            Stream::Unix(stream) => stream.shutdown(std::net::Shutdown::Write),
            Stream::Tcp(stream) => stream.shutdown(std::net::Shutdown::Write),
        };
    }

    fn send(&mut self, bytes: &[u8]) -> &mut Self {
        self.stream.write_all(bytes).expect("send");
        self
    }

    /// Reads more bytes into the buffer; false at end of stream.
    fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 65536];
        match self.stream.read(&mut chunk) {
            Ok(0) => false,
            Ok(n_read) => {
                self.buffer.extend_from_slice(&chunk[..n_read]);
                true
            }
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => false,
            Err(error) => panic!("read failed (timed out?): {error}; have {:?}", self.text()),
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.buffer).into_owned()
    }

    fn take(&mut self, n_bytes: usize) -> Vec<u8> {
        while self.buffer.len() < n_bytes {
            assert!(self.fill(), "closed after {:?}", self.text());
        }
        self.buffer.drain(..n_bytes).collect()
    }

    fn take_line(&mut self) -> String {
        loop {
            if let Some(at) = self.buffer.windows(2).position(|pair| pair == b"\r\n") {
                let line = self.take(at + 2);
                return String::from_utf8_lossy(&line[..at]).into_owned();
            }
            assert!(self.fill(), "closed in a line: {:?}", self.text());
        }
    }

    /// The status line and headers.
    fn read_head(&mut self) -> Reply {
        let status_line = self.take_line();
        let mut headers = Vec::new();
        loop {
            let line = self.take_line();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(": ").expect("header line");
            headers.push((name.to_string(), value.to_string()));
        }
        Reply {
            status_line,
            headers,
            body: Vec::new(),
        }
    }

    /// A whole response with a Content-Length body (none for HEAD).
    fn read_reply(&mut self) -> Reply {
        let mut reply = self.read_head();
        let length: usize = reply
            .header("Content-Length")
            .map(|length| length.parse().expect("length"))
            .unwrap_or(0);
        reply.body = self.take(length);
        reply
    }

    /// One chunk of a chunked body.
    fn read_chunk(&mut self) -> Vec<u8> {
        let size_line = self.take_line();
        let size = usize::from_str_radix(size_line.trim(), 16).expect("chunk size");
        let data = self.take(size);
        assert_eq!(self.take(2), b"\r\n");
        data
    }

    /// Chunks until `expected` bytes came (growth may be split across chunks); returns them as text.
    fn read_chunks(&mut self, expected: usize) -> String {
        let mut data = Vec::new();
        while data.len() < expected {
            data.extend(self.read_chunk());
        }
        String::from_utf8(data).expect("utf-8")
    }

    /// Plain stream bytes until `expected` bytes came.
    fn read_raw(&mut self, expected: usize) -> String {
        String::from_utf8(self.take(expected)).expect("utf-8")
    }

    /// Whether the server closed the connection (read returns end of stream, nothing more sent).
    fn closed(&mut self) -> bool {
        self.buffer.is_empty() && !self.fill()
    }

    fn request(&mut self, bytes: &[u8]) -> Reply {
        self.send(bytes).read_reply()
    }
}

fn post(path: &str, body: &str, extra_headers: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\n{extra_headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn get(path: &str, extra_headers: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{extra_headers}\r\n").into_bytes()
}

fn method_call(method: &str) -> String {
    format!("<?xml version='1.0'?>\n<methodCall>\n<methodName>{method}</methodName>\n<params>\n</params>\n</methodCall>\n")
}

fn error_page(code: u16, reason: &str) -> String {
    format!(
        "<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n<h1>Error response</h1>\r\n\
         <p>Error code {code}.\r\n<p>Message: {reason}.\r\n</body>\r\n"
    )
}

// ---------------------------------------------------------------------------------------------------------------
// The tests

#[test]
fn xmlrpc_round_trips_on_the_unix_socket_and_tcp() {
    let setup = Setup::new(None, None);
    for mut connection in [setup.unix(), setup.tcp()] {
        let reply = connection.request(&post("/RPC2", "<hello/>", ""));
        assert_eq!(reply.status_line, "HTTP/1.1 200 OK");
        assert_eq!(reply.header_names()[..2], ["Server", "Date"], "{reply:?}");
        assert_eq!(reply.header("Server"), Some("Medusa/1.12"));
        let date = reply.header("Date").expect("Date");
        assert!(date.ends_with(" GMT") && date.len() == 29, "{date}");
        assert_eq!(reply.header("Content-Type"), Some("text/xml"));
        assert_eq!(reply.header("Content-Length"), Some("8"));
        assert_eq!(reply.body, b"<hello/>");
        // The connection stays open for the next call.
        let reply = connection.request(&post("/RPC2", &method_call("supervisor.getPID"), ""));
        assert!(String::from_utf8_lossy(&reply.body).contains("<string>supervisor.getPID</string>"));
    }
}

#[test]
fn answers_each_request_as_the_reference_does() {
    let setup = Setup::new(None, None);
    let too_large = format!(
        "POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        MAX_REQUEST_BODY_BYTES + 1
    );
    // (request, status line, content type, body)
    let cases: Vec<(Vec<u8>, &str, &str, String)> = vec![
        (
            post("/RPC2", "<x/>", ""),
            "HTTP/1.1 200 OK",
            "text/xml",
            "<x/>".into(),
        ),
        (
            post("/RPC2/", "<x/>", ""),
            "HTTP/1.1 200 OK",
            "text/xml",
            "<x/>".into(),
        ),
        (
            post("/RPC2xyz", "<x/>", ""),
            "HTTP/1.1 200 OK",
            "text/xml",
            "<x/>".into(),
        ),
        (
            post("/%52PC2", "<x/>", ""),
            "HTTP/1.1 200 OK",
            "text/xml",
            "<x/>".into(),
        ),
        (
            post("/RPC2", "", ""),
            "HTTP/1.1 200 OK",
            "text/xml",
            "".into(),
        ),
        (
            get("/RPC2", ""),
            "HTTP/1.1 400 Bad Request",
            "text/html",
            error_page(400, "Bad Request"),
        ),
        (
            b"POST /RPC2 HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            "HTTP/1.1 411 Length Required",
            "text/html",
            error_page(411, "Length Required"),
        ),
        (
            too_large.into_bytes(),
            "HTTP/1.1 413 Request Entity Too Large",
            "text/html",
            error_page(413, "Request Entity Too Large"),
        ),
        (
            post("/RPC2", &method_call("fail.500"), ""),
            "HTTP/1.1 500 Internal Server Error",
            "text/html",
            error_page(500, "Internal Server Error"),
        ),
        (
            post("/RPC2", &method_call("fail.400"), ""),
            "HTTP/1.1 400 Bad Request",
            "text/html",
            error_page(400, "Bad Request"),
        ),
        (
            get("/ok.html", ""),
            "HTTP/1.1 200 OK",
            "text/plain",
            "OK".into(),
        ),
        (
            get("/images/nosuch.gif", ""),
            "HTTP/1.1 404 Not Found",
            "text/html",
            error_page(404, "Not Found"),
        ),
        (
            b"DELETE /x HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            "HTTP/1.1 400 Bad Request",
            "text/html",
            error_page(400, "Bad Request"),
        ),
        (
            post("/logtail/foo", "", ""),
            "HTTP/1.1 400 Bad Request",
            "text/html",
            error_page(400, "Bad Request"),
        ),
        (
            post("/mainlogtail", "", ""),
            "HTTP/1.1 400 Bad Request",
            "text/html",
            error_page(400, "Bad Request"),
        ),
        (
            get("/logtail/nosuch", ""),
            "HTTP/1.1 404 Not Found",
            "text/html",
            error_page(404, "Not Found"),
        ),
        (
            get("/logtail/foo/bogus", ""),
            "HTTP/1.1 404 Not Found",
            "text/html",
            error_page(404, "Not Found"),
        ),
        (
            get("/logtail/grp:*", ""),
            "HTTP/1.1 404 Not Found",
            "text/html",
            error_page(404, "Not Found"),
        ),
        (
            get("/logtail/grp:", ""),
            "HTTP/1.1 404 Not Found",
            "text/html",
            error_page(404, "Not Found"),
        ),
        (
            get("/logtail/nolog", ""),
            "HTTP/1.1 404 Not Found",
            "text/html",
            error_page(404, "Not Found"),
        ),
        (
            get("/logtail/missing", ""),
            "HTTP/1.1 404 Not Found",
            "text/html",
            error_page(404, "Not Found"),
        ),
        (
            get("/logtail", ""),
            "HTTP/1.1 500 Internal Server Error",
            "text/html",
            error_page(500, "Internal Server Error"),
        ),
    ];
    for (request, status_line, content_type, body) in cases {
        let shown = String::from_utf8_lossy(&request[..request.len().min(60)]).into_owned();
        let reply = setup.unix().request(&request);
        assert_eq!(reply.status_line, status_line, "{shown}");
        assert_eq!(reply.header("Content-Type"), Some(content_type), "{shown}");
        assert_eq!(String::from_utf8_lossy(&reply.body), body, "{shown}");
        assert_eq!(
            reply.header("Content-Length"),
            Some(body.len().to_string().as_str()),
            "{shown}"
        );
    }
    // The web UI, its static files and /metrics answer with their content types.
    for (path, content_type, needle) in [
        ("/", "text/html;charset=utf-8", "</html>"),
        ("/index.html", "text/html;charset=utf-8", "</html>"),
        ("/stylesheets/supervisor.css", "text/css", "{"),
        (
            "/metrics",
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
            "# EOF",
        ),
    ] {
        let reply = setup.unix().request(&get(path, ""));
        assert_eq!(reply.status_line, "HTTP/1.1 200 OK", "{path}");
        assert_eq!(reply.header("Content-Type"), Some(content_type), "{path}");
        assert!(
            String::from_utf8_lossy(&reply.body).contains(needle),
            "{path}"
        );
    }
    // HEAD: the 404's headers, no body.
    let mut connection = setup.unix();
    let reply = connection
        .send(b"HEAD /images/nosuch.gif HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .read_head();
    assert_eq!(reply.status_line, "HTTP/1.1 404 Not Found");
    assert!(
        connection.closed(),
        "HEAD answered with a body: {:?}",
        connection.text()
    );
}

#[test]
fn a_body_that_is_not_utf8_drops_the_connection_unanswered() {
    let setup = Setup::new(None, None);
    let mut connection = setup.tcp();
    connection.send(b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n\xff\xfe");
    assert!(connection.closed(), "got {:?}", connection.text());
}

#[test]
fn basic_auth_guards_every_path_with_plain_and_sha_passwords() {
    // sha1("secret") = e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4
    let setup = Setup::new(
        Some(("bob", "pw")),
        Some(("alice", "{SHA}e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4")),
    );
    let bob_pw = "Authorization: Basic Ym9iOnB3\r\n";
    let bob_wrong = "Authorization: Basic Ym9iOnB4\r\n";
    let alice_secret = "Authorization: Basic YWxpY2U6c2VjcmV0\r\n";
    // alice:{SHA}e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4, the stored text sent as the password.
    let alice_literal = "Authorization: Basic YWxpY2U6e1NIQX1lNWU5ZmExYmEzMWVjZDFhZTg0Zjc1Y2FhYTQ3NGYzYTY2M2YwNWY0\r\n";
    let unix = true;
    let tcp = false;
    // (listener, request, expected status)
    let cases: Vec<(bool, Vec<u8>, u16)> = vec![
        (unix, post("/RPC2", "<x/>", ""), 401),
        (unix, post("/RPC2", "<x/>", bob_wrong), 401),
        (
            unix,
            post("/RPC2", "<x/>", "Authorization: Digest Ym9iOnB3\r\n"),
            401,
        ),
        (
            unix,
            post("/RPC2", "<x/>", "Authorization: Basic Ym9i\r\n"),
            401,
        ),
        (
            unix,
            post("/RPC2", "<x/>", "Authorization: Basic Ym9iOnB\r\n"),
            400,
        ),
        (unix, post("/RPC2", "<x/>", bob_pw), 200),
        (unix, post("/RPC2", "<x/>", alice_secret), 401),
        (unix, get("/logtail/foo", ""), 401),
        (unix, get("/mainlogtail", ""), 401),
        (unix, get("/ok.html", ""), 401),
        (unix, get("/ok.html", bob_pw), 200),
        (unix, get("/nothing-here", ""), 401),
        (unix, get("/nothing-here", bob_pw), 404),
        (
            unix,
            b"POST /RPC2 HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            401,
        ),
        (tcp, post("/RPC2", "<x/>", alice_secret), 200),
        (tcp, post("/RPC2", "<x/>", alice_literal), 401),
        (tcp, post("/RPC2", "<x/>", bob_pw), 401),
        (tcp, get("/ok.html", ""), 401),
    ];
    for (on_unix, request, status) in cases {
        let shown = String::from_utf8_lossy(&request).into_owned();
        let mut connection = if on_unix { setup.unix() } else { setup.tcp() };
        let reply = connection.request(&request);
        assert_eq!(reply.status(), status, "{shown}");
        if status == 401 {
            assert_eq!(reply.status_line, "HTTP/1.1 401 Unauthorized");
            assert_eq!(
                reply.header_names(),
                [
                    "Server",
                    "Date",
                    "Connection",
                    "Www-Authenticate",
                    "Content-Length",
                    "Content-Type"
                ]
            );
            assert_eq!(reply.header("Connection"), Some("close"));
            assert_eq!(
                reply.header("WWW-Authenticate"),
                Some("Basic realm=\"default\"")
            );
            assert_eq!(reply.header("Content-Length"), Some("137"));
            assert_eq!(
                String::from_utf8_lossy(&reply.body),
                error_page(401, "Unauthorized")
            );
            assert!(connection.closed(), "still open after 401: {shown}");
        }
    }
}

#[test]
fn connections_persist_by_medusa_rules() {
    let setup = Setup::new(None, None);
    let body = "<x/>";
    let post_10 = |headers: &str| {
        format!("POST /RPC2 HTTP/1.0\r\n{headers}Content-Length: 4\r\n\r\n{body}").into_bytes()
    };

    // HTTP/1.0 without keep-alive: answered in 1.0, then closed; no Connection header on the wire.
    let mut connection = setup.tcp();
    let reply = connection.request(&post_10(""));
    assert_eq!(reply.status_line, "HTTP/1.0 200 OK");
    assert_eq!(reply.header("Connection"), None);
    assert!(connection.closed());

    // HTTP/1.0 with keep-alive and a length: `Connection: Keep-Alive`, and the connection serves again.
    let mut connection = setup.unix();
    for _ in 0..2 {
        let reply = connection.request(&post_10("Connection: keep-alive\r\n"));
        assert_eq!(reply.status_line, "HTTP/1.0 200 OK");
        assert_eq!(reply.header("Connection"), Some("Keep-Alive"));
        assert_eq!(reply.body, body.as_bytes());
    }

    // HTTP/1.0 with keep-alive on a stream (no length): plain bytes, no chunks.
    setup.append("foo.out", "hello\n");
    let mut connection = setup.unix();
    let reply = connection
        .send(b"GET /logtail/foo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        .read_head();
    assert_eq!(reply.status_line, "HTTP/1.0 200 OK");
    assert_eq!(reply.header("Transfer-Encoding"), None);
    assert_eq!(reply.header("Connection"), None);
    assert_eq!(connection.read_raw(6), "hello\n");

    // HTTP/1.1: kept open; pipelined requests answered in order.
    let mut connection = setup.tcp();
    let mut pipelined = post("/RPC2", "<first/>", "");
    pipelined.extend(post("/RPC2", "<second/>", ""));
    pipelined.extend(get("/ok.html", ""));
    connection.send(&pipelined);
    assert_eq!(connection.read_reply().body, b"<first/>");
    assert_eq!(connection.read_reply().body, b"<second/>");
    assert_eq!(connection.read_reply().body, b"OK");
    assert_eq!(
        connection.request(&post("/RPC2", "<third/>", "")).body,
        b"<third/>"
    );

    // HTTP/1.1 with Connection: close: closed after the answer.
    let mut connection = setup.tcp();
    let reply = connection.request(&post("/RPC2", body, "Connection: close\r\n"));
    assert_eq!(reply.body, body.as_bytes());
    assert!(connection.closed());
}

#[test]
fn logtail_streams_a_growing_log_like_tail_f() {
    let setup = Setup::new(None, None);
    let initial: String = (0..200).map(|n| format!("line {n:04}\n")).collect();
    setup.append("foo.out", &initial);
    let mut connection = setup.unix();
    // Exactly what the reference's tail client sends: an empty Host and an extra CRLF after the head.
    connection.send(
        b"GET /logtail/foo/stdout HTTP/1.1\r\nHost: \r\nAccept-Encoding: chunked\r\nAccept: */*\r\n\
          User-agent: Supervisor HTTP Client\r\n\r\n\r\n",
    );
    let head = connection.read_head();
    assert_eq!(head.status_line, "HTTP/1.1 200 OK");
    assert_eq!(head.header("Transfer-Encoding"), Some("chunked"));
    assert_eq!(
        head.header("Content-Type"),
        Some("text/plain;charset=utf-8")
    );
    assert_eq!(head.header("X-Accel-Buffering"), Some("no"));
    assert_eq!(head.header("Content-Length"), None);
    assert!(head
        .header("Last-Modified")
        .is_some_and(|date| date.ends_with(" GMT")));
    // First the last 1024 bytes of the file.
    assert_eq!(
        connection.read_chunks(1024),
        initial[initial.len() - 1024..]
    );

    // Then each growth.
    setup.append("foo.out", "appended 1\n");
    assert_eq!(connection.read_chunks(11), "appended 1\n");
    setup.append("foo.out", "appended 2\n");
    assert_eq!(connection.read_chunks(11), "appended 2\n");

    // Rotation: the name now points at a new file, which is followed from its start.
    std::fs::rename(setup.path("foo.out"), setup.path("foo.out.1")).expect("rotate");
    setup.append("foo.out", "after rotation\n");
    assert_eq!(connection.read_chunks(15), "after rotation\n");

    // Truncation in place: the notice, then the file from offset 0.
    std::fs::OpenOptions::new()
        .write(true)
        .open(setup.path("foo.out"))
        .and_then(|file| file.set_len(0))
        .expect("truncate");
    assert_eq!(connection.read_chunks(23), "==> File truncated <==\n");
    setup.append("foo.out", "fresh\n");
    assert_eq!(connection.read_chunks(6), "fresh\n");

    // The client leaves while the log is quiet (its extra CRLF still unread by the HTTP layer): the server
    // notices and closes, instead of holding the connection until the log next grows.
    connection.shut_down_sending();
    assert!(connection.closed(), "the tail outlived its client");

    // The stderr channel, through the group:name spelling; an empty log sends only the head.
    let mut connection = setup.tcp();
    let head = connection
        .send(&get("/logtail/grp:foo/stderr", ""))
        .read_head();
    assert_eq!(head.status_line, "HTTP/1.1 200 OK");
    setup.append("foo.err", "to stderr\n");
    assert_eq!(connection.read_chunks(10), "to stderr\n");
}

#[test]
fn mainlogtail_streams_the_main_log() {
    let setup = Setup::new(None, None);
    setup.append("main.log", "2026-01-01 00:00:00,000 INFO started\n");
    let mut connection = setup.tcp();
    let head = connection.send(&get("/mainlogtail", "")).read_head();
    assert_eq!(head.status_line, "HTTP/1.1 200 OK");
    assert_eq!(head.header("Transfer-Encoding"), Some("chunked"));
    assert_eq!(
        head.header("Content-Type"),
        Some("text/plain;charset=utf-8")
    );
    assert_eq!(head.header("X-Accel-Buffering"), None);
    assert_eq!(
        connection.read_chunks(37),
        "2026-01-01 00:00:00,000 INFO started\n"
    );
    setup.append("main.log", "more\n");
    assert_eq!(connection.read_chunks(5), "more\n");
}

#[test]
fn a_stalled_client_holds_up_nobody() {
    let setup = Setup::new(None, None);
    // One client stops in the middle of its head, another in the middle of its body, a third reads nothing of
    // an endless log tail.
    let mut stalled_head = setup.unix();
    stalled_head.send(b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Len");
    let mut stalled_body = setup.unix();
    stalled_body.send(b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n<partial");
    let mut idle_tail = setup.unix();
    idle_tail.send(&get("/logtail/foo", ""));
    setup.append("foo.out", &"x".repeat(200_000));
    for mut connection in [setup.unix(), setup.tcp()] {
        assert_eq!(
            connection.request(&post("/RPC2", "<live/>", "")).body,
            b"<live/>"
        );
    }
    // The stalled ones are still being waited for, not failed.
    stalled_body.send(&[b'x'; 92]);
    let reply = stalled_body.read_reply();
    assert_eq!(reply.body.len(), 100);
    stalled_head.send(b"gth: 4\r\n\r\n<ok>");
    assert_eq!(stalled_head.read_reply().body, b"<ok>");
}

#[test]
fn serves_a_hundred_clients_at_once() {
    let setup = Setup::new(None, None);
    let mut connections: Vec<Connection> = (0..100)
        .map(|n| {
            if n % 2 == 0 {
                setup.unix()
            } else {
                setup.tcp()
            }
        })
        .collect();
    // Every request is in before any answer is read.
    for (n, connection) in connections.iter_mut().enumerate() {
        connection.send(&post("/RPC2", &format!("<client n=\"{n}\"/>"), ""));
    }
    let handles: Vec<_> = connections
        .into_iter()
        .enumerate()
        .map(|(n, mut connection)| {
            std::thread::spawn(move || {
                let reply = connection.read_reply();
                assert_eq!(
                    String::from_utf8_lossy(&reply.body),
                    format!("<client n=\"{n}\"/>")
                );
            })
        })
        .collect();
    for handle in handles {
        handle.join().expect("client thread");
    }
}

#[test]
fn unix_socket_lifecycle_follows_supervisor() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("supervisor.sock");
    // A stale socket file: bound once, nobody listening any more.
    drop(std::os::unix::net::UnixListener::bind(&socket).expect("bind stale"));
    assert!(socket.exists());
    let mut spec = unix_spec(&socket, None);
    spec.chmod = 0o760;
    spec.chown = Some((
        nix::unistd::getuid().as_raw(),
        nix::unistd::getgid().as_raw().into(),
    ));
    let server_spec = ServerSpec {
        unix_http_servers: vec![spec],
        ..ServerSpec::default()
    };
    let server =
        Server::start(&server_spec, FakeBackend::default()).expect("start over a stale socket");
    let mode = std::fs::metadata(&socket)
        .expect("socket")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o760);
    let temporary = format!("{}.{}", socket.display(), std::process::id());
    assert!(
        !Path::new(&temporary).exists(),
        "temporary socket name left behind"
    );
    assert_eq!(
        Connection::unix(&socket).request(&get("/ok.html", "")).body,
        b"OK"
    );

    // A live server on the path: the address is in use, and the live one keeps working.
    let second = Server::start(&server_spec, FakeBackend::default());
    assert_eq!(second.err().as_deref(), Some(ADDRESS_IN_USE));
    assert_eq!(
        Connection::unix(&socket).request(&get("/ok.html", "")).body,
        b"OK"
    );

    // Closing drops the connections still open (one idle between requests, one stalled in a head) and removes
    // the socket file.
    let mut idle = Connection::unix(&socket);
    assert_eq!(idle.request(&get("/ok.html", "")).body, b"OK");
    let mut stalled = Connection::unix(&socket);
    stalled.send(b"GET /ok.html HTTP/1.1\r\nHo");
    server.close();
    assert!(idle.closed(), "idle connection left open after close");
    assert!(stalled.closed(), "stalled connection left open after close");
    assert!(!socket.exists(), "socket file left after close");
    assert!(UnixStream::connect(&socket).is_err());
}

#[test]
fn a_taken_tcp_port_is_address_in_use() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut inet = inet_spec(None);
    inet.port = port;
    // The unix server comes after the inet one and is never made, so no socket file appears.
    let spec = ServerSpec {
        inet_http_servers: vec![inet],
        unix_http_servers: vec![unix_spec(&dir.path().join("s.sock"), None)],
        ..ServerSpec::default()
    };
    let result = Server::start(&spec, FakeBackend::default());
    assert_eq!(result.err().as_deref(), Some(ADDRESS_IN_USE));
    assert!(!dir.path().join("s.sock").exists());
}

// ---------------------------------------------------------------------------------------------------------------
// The reference's own clients

/// Kills the child when dropped.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_reference_clients_work_against_it() {
    let setup = Setup::new(
        Some(("bob", "pw")),
        Some(("bob", "{SHA}1a91d62f7ca67399625a4368a6ab5d4a3baa6073")),
    );
    setup.append("foo.out", "before\n");

    // `supervisorctl tail -f` over the unix socket: the upcheck (XML-RPC), then the chunked /logtail stream.
    let serverurl = format!("unix://{}", setup.server.unix().display());
    let child = Command::new(reference_bin("supervisorctl"))
        .args([
            "-s", &serverurl, "-u", "bob", "-p", "pw", "tail", "-f", "foo",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run supervisorctl");
    let mut child = Reaped(child);
    let mut lines = BufReader::new(child.0.stdout.take().expect("stdout"));
    let mut next_line = || {
        let mut line = String::new();
        lines
            .read_line(&mut line)
            .expect("read supervisorctl output");
        line
    };
    assert_eq!(next_line(), "==> Press Ctrl-C to exit <==\n");
    assert_eq!(next_line(), "before\n");
    setup.append("foo.out", "after\n");
    assert_eq!(next_line(), "after\n");
    drop(child);

    // xmlrpc.client through Supervisor's own transport, over TCP with a {SHA} password.
    let script = "import sys, xmlrpc.client\n\
                  from supervisor.xmlrpc import SupervisorTransport\n\
                  transport = SupervisorTransport('bob', 'pw', sys.argv[1])\n\
                  proxy = xmlrpc.client.ServerProxy('http://127.0.0.1', transport)\n\
                  print(proxy.supervisor.getVersion(), proxy.supervisor.getPID())\n\
                  try:\n    xmlrpc.client.ServerProxy('http://127.0.0.1', SupervisorTransport('bob', 'no', sys.argv[1])).x()\n\
                  except xmlrpc.client.ProtocolError as error:\n    print(error.errcode, error.errmsg)\n";
    let output = Command::new(reference_python())
        .args(["-c", script, &format!("http://{}", setup.server.tcp())])
        .output()
        .expect("run python");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "3.0 supervisor.getPID\n401 Unauthorized\n"
    );
}
