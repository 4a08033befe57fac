//! The real [`Backend`]: XML-RPC over HTTP/1.1 to `unix://` and `http://` server URLs with hyper, and the
//! `/logtail` streams of `tail -f`, `maintail -f` and `fg`.
//!
//! Owns: turning a server URL into a connection (as Supervisor's `SupervisorTransport` and its HTTP client do),
//! Basic auth, one request per connection, status and body handling, and mapping socket and HTTP failures to the
//! [`CallError`] variants that stand for the Python exceptions supervisorctl reacts to. Streams print what arrives
//! as it arrives, and stop on Ctrl-C (see `terminal.rs` for the signal flag and stdin).
//!
//! Does not own: what the calls mean (the controller) or the XML (`xmlrpc.rs`).

use std::ops::ControlFlow;
use std::time::Duration;

use base64::Engine;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

use super::controller::{
    python_error, Backend, CallError, Console, Exception, FollowEnd, ForegroundEnd, Input,
    ServerSettings,
};
use super::format::py_bytes_repr;
use super::terminal::{interrupted, poll_stdin_line, watching_interrupts, SigintGuard};
use super::xmlrpc::{decode_response, encode_call, Value};

/// Where a server URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `unix://<path>`: the socket path is everything after the scheme.
    Unix { path: String },
    /// `http://host[:port]`: `netloc` is the authority as written (the tail client's `Host` header).
    Tcp {
        host: String,
        port: u16,
        netloc: String,
    },
}

/// `SupervisorTransport.__init__`: which connection a server URL asks for.
pub fn parse_serverurl(serverurl: &str) -> Result<Endpoint, CallError> {
    if let Some(path) = serverurl.strip_prefix("unix://") {
        return Ok(Endpoint::Unix {
            path: path.to_string(),
        });
    }
    let Some(rest) = serverurl.strip_prefix("http://") else {
        return Err(CallError::UnknownProtocol(serverurl.to_string()));
    };
    let netloc = rest
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
        .to_string();
    // urlparse's hostname/port: drop the credentials, split the port off (inside brackets for IPv6).
    let host_port = netloc
        .rsplit_once('@')
        .map_or(netloc.as_str(), |(_, host_port)| host_port);
    let (host, port_text) = if let Some(after_bracket) = host_port.strip_prefix('[') {
        let (inside, after) = after_bracket.split_once(']').unwrap_or((after_bracket, ""));
        (inside.to_string(), after.strip_prefix(':'))
    } else {
        match host_port.split_once(':') {
            Some((host, port)) => (host.to_string(), Some(port)),
            None => (host_port.to_string(), None),
        }
    };
    let port = match port_text {
        None | Some("") => 80,
        Some(text) => {
            let number: u32 = text.parse().map_err(|_| {
                CallError::BadPort(format!(
                    "Port could not be cast to integer value as {}",
                    crate::config::pyrepr::py_repr(text)
                ))
            })?;
            u16::try_from(number)
                .map_err(|_| CallError::BadPort("Port out of range 0-65535".into()))?
        }
    };
    Ok(Endpoint::Tcp {
        host: host.to_lowercase(),
        port,
        netloc,
    })
}

/// Anything hyper can speak HTTP over.
trait Connection: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Connection for T {}

async fn connect(endpoint: &Endpoint) -> Result<Box<dyn Connection>, CallError> {
    match endpoint {
        Endpoint::Unix { path } => match tokio::net::UnixStream::connect(path).await {
            Ok(stream) => Ok(Box::new(stream)),
            Err(error) => Err(socket_error(&error, true)),
        },
        Endpoint::Tcp { host, port, .. } => {
            let addresses = match tokio::net::lookup_host((host.as_str(), *port)).await {
                Ok(addresses) => addresses.collect::<Vec<_>>(),
                Err(_) => {
                    return Err(CallError::Resolve {
                        errno: -2,
                        message: "Name or service not known".into(),
                    })
                }
            };
            let mut last_error = None;
            for address in addresses {
                match tokio::net::TcpStream::connect(address).await {
                    Ok(stream) => return Ok(Box::new(stream)),
                    Err(error) => last_error = Some(error),
                }
            }
            Err(match last_error {
                Some(error) => socket_error(&error, false),
                None => CallError::Resolve {
                    errno: -2,
                    message: "Name or service not known".into(),
                },
            })
        }
    }
}

fn socket_error(error: &std::io::Error, unix: bool) -> CallError {
    CallError::Socket {
        errno: error.raw_os_error().unwrap_or(nix::libc::EIO),
        unix,
    }
}

/// The `Authorization` header value, when both a user name and a password are set (as `SupervisorTransport`).
fn basic_auth(username: &str, password: &str) -> String {
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    format!("Basic {encoded}")
}

/// Sends one request on a new connection and returns the response head and body stream.
async fn send(
    endpoint: &Endpoint,
    request: Request<Full<Bytes>>,
) -> Result<hyper::Response<Incoming>, CallError> {
    let unix = matches!(endpoint, Endpoint::Unix { .. });
    let stream = connect(endpoint).await?;
    let (mut sender, connection) = hyper::client::conn::http1::Builder::new()
        .title_case_headers(true)
        .handshake(TokioIo::new(stream))
        .await
        .map_err(|error| hyper_error(&error, unix))?;
    tokio::spawn(async move {
        // Errors surface through the response future; nothing to add here.
        let _ = connection.await;
    });
    sender
        .send_request(request)
        .await
        .map_err(|error| hyper_error(&error, unix))
}

fn hyper_error(error: &hyper::Error, unix: bool) -> CallError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(io_error) = current.downcast_ref::<std::io::Error>() {
            if io_error.raw_os_error().is_some() {
                return socket_error(io_error, unix);
            }
        }
        source = current.source();
    }
    if error.is_incomplete_message() || error.is_closed() || error.is_canceled() {
        CallError::Disconnected
    } else {
        CallError::Malformed(error.to_string())
    }
}

fn reason_phrase(response: &hyper::Response<Incoming>) -> String {
    match response.extensions().get::<hyper::ext::ReasonPhrase>() {
        Some(reason) => String::from_utf8_lossy(reason.as_bytes()).into_owned(),
        None => response
            .status()
            .canonical_reason()
            .unwrap_or("")
            .to_string(),
    }
}

async fn call_async(
    server: &ServerSettings,
    method: &str,
    params: &[Value],
) -> Result<Value, CallError> {
    let endpoint = parse_serverurl(&server.serverurl)?;
    let body = encode_call(method, params).map_err(|_| CallError::IntOverflow)?;
    let host = match &endpoint {
        Endpoint::Unix { .. } => "localhost".to_string(),
        Endpoint::Tcp { host, port, .. } if *port == 80 => host.clone(),
        Endpoint::Tcp { host, port, .. } => format!("{host}:{port}"),
    };
    let mut request = Request::builder()
        .method("POST")
        .uri("/RPC2")
        .header("Host", host)
        .header("Accept-Encoding", "identity")
        .header(
            "User-Agent",
            concat!("supervisor-rs/", env!("CARGO_PKG_VERSION")),
        )
        .header("Content-Type", "text/xml")
        .header("Accept", "text/xml");
    if let (Some(username), Some(password)) = (&server.username, &server.password) {
        request = request.header("Authorization", basic_auth(username, password));
    }
    let request = request
        .header("Content-Length", body.len())
        .body(Full::new(Bytes::from(body)))
        .map_err(|error| CallError::Malformed(error.to_string()))?;
    let unix = matches!(endpoint, Endpoint::Unix { .. });
    let response = send(&endpoint, request).await?;
    if response.status() != hyper::StatusCode::OK {
        return Err(CallError::Protocol {
            status: response.status().as_u16(),
            reason: reason_phrase(&response),
        });
    }
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|error| hyper_error(&error, unix))?
        .to_bytes();
    match decode_response(&body) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(fault)) => Err(CallError::Fault(fault)),
        Err(error) => Err(CallError::Malformed(error.to_string())),
    }
}

/// What one `/logtail` stream reports.
enum StreamEvent {
    Data(Bytes),
    /// A failure line for stderr (without the URL prefix).
    Failed(String),
    Ended,
}

/// Opens `serverurl + path` as Supervisor's `http_client.HTTPHandler.get` does.
async fn open_stream(server: &ServerSettings, path: &str) -> Result<Incoming, String> {
    let endpoint = parse_serverurl(&server.serverurl)
        .map_err(|_| "Cannot read, unknown protocol".to_string())?;
    let host = match &endpoint {
        // The Python client sends the URL's netloc, which is empty for `unix://`.
        Endpoint::Unix { .. } => String::new(),
        Endpoint::Tcp { netloc, .. } => netloc.clone(),
    };
    let mut request = Request::builder()
        .method("GET")
        .uri(quote_path(path))
        .header("Host", host)
        .header("Accept-Encoding", "chunked")
        .header("Accept", "*/*")
        .header("User-agent", "Supervisor HTTP Client");
    // The tail client sends credentials whenever a password is set.
    if let Some(password) = server
        .password
        .as_deref()
        .filter(|password| !password.is_empty())
    {
        let username = server.username.as_deref().unwrap_or("None");
        request = request.header("Authorization", basic_auth(username, password));
    }
    let request = request
        .body(Full::new(Bytes::new()))
        .map_err(|error| format!("Cannot connect, error: {error}"))?;
    let response = send(&endpoint, request).await.map_err(|error| {
        // `HTTPHandler.handle_error`: 'Cannot connect, error: %s (%s)' % (type, value).
        let python = python_error(&Exception::Call(error));
        format!(
            "Cannot connect, error: <class '{}'> ({})",
            python.class, python.value
        )
    })?;
    if response.status() != hyper::StatusCode::OK {
        return Err(format!(
            "Cannot read, status code {}",
            response.status().as_u16()
        ));
    }
    Ok(response.into_body())
}

/// Percent-encodes only what cannot stand in a request target; Supervisor sends names unquoted.
fn quote_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_graphic() && byte != b'%' {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

async fn next_event(body: &mut Incoming) -> StreamEvent {
    loop {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    if !data.is_empty() {
                        return StreamEvent::Data(data);
                    }
                }
            }
            Some(Err(error)) => {
                return StreamEvent::Failed(format!("Cannot connect, error: {error}"))
            }
            None => return StreamEvent::Ended,
        }
    }
}

/// `http_client.Listener.feed`: the chunk as UTF-8 text, or its bytes repr when it is not valid UTF-8.
fn feed(console: &mut dyn Console, data: &[u8]) {
    match std::str::from_utf8(data) {
        Ok(text) => console.write_out(text),
        Err(_) => console.write_out(&format!("Undecodable: {}", py_bytes_repr(data))),
    }
}

/// How often a stream loop checks for Ctrl-C and stdin.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// The backend supervisorctl runs with: a single-threaded tokio runtime that each call blocks on.
pub struct HttpBackend {
    runtime: tokio::runtime::Runtime,
}

impl HttpBackend {
    pub fn new() -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(HttpBackend { runtime })
    }
}

impl Backend for HttpBackend {
    fn call(
        &self,
        server: &ServerSettings,
        method: &str,
        params: &[Value],
    ) -> Result<Value, CallError> {
        if !watching_interrupts() {
            return self.runtime.block_on(call_async(server, method, params));
        }
        // In the shell, Ctrl-C abandons the call (Python's KeyboardInterrupt ends the shell).
        self.runtime.block_on(async {
            let mut ticker = tokio::time::interval(POLL_INTERVAL);
            let call = call_async(server, method, params);
            tokio::pin!(call);
            loop {
                tokio::select! {
                    result = &mut call => return result,
                    _ = ticker.tick() => {
                        if interrupted() {
                            return Err(CallError::Interrupted);
                        }
                    }
                }
            }
        })
    }

    fn follow(&self, server: &ServerSettings, path: &str, console: &mut dyn Console) -> FollowEnd {
        let _sigint = SigintGuard::install();
        let url = format!("{}{path}", server.serverurl);
        self.runtime.block_on(async {
            let mut body = match open_stream(server, path).await {
                Ok(body) => body,
                Err(message) => {
                    console.write_err(&format!("{url} {message}\n"));
                    return FollowEnd::Ended;
                }
            };
            let mut ticker = tokio::time::interval(POLL_INTERVAL);
            loop {
                tokio::select! {
                    event = next_event(&mut body) => match event {
                        StreamEvent::Data(data) => feed(console, &data),
                        StreamEvent::Failed(message) => {
                            console.write_err(&format!("{url} {message}\n"));
                            return FollowEnd::Ended;
                        }
                        StreamEvent::Ended => return FollowEnd::Ended,
                    },
                    _ = ticker.tick() => {
                        if interrupted() {
                            return FollowEnd::Interrupted;
                        }
                    }
                }
            }
        })
    }

    fn foreground(
        &self,
        server: &ServerSettings,
        paths: [&str; 2],
        console: &mut dyn Console,
        on_line: &mut dyn FnMut(&str, &mut dyn Console) -> ControlFlow<()>,
    ) -> ForegroundEnd {
        let _sigint = SigintGuard::install();
        let [stdout_path, stderr_path] = paths;
        let mut bodies: [Option<Incoming>; 2] = [None, None];
        for (slot, path) in bodies.iter_mut().zip([stdout_path, stderr_path]) {
            match self.runtime.block_on(open_stream(server, path)) {
                Ok(body) => *slot = Some(body),
                Err(message) => {
                    console.write_err(&format!("{}{path} {message}\n", server.serverurl))
                }
            }
        }
        loop {
            // Drain whatever output arrived, for at most one poll interval, then look at stdin and Ctrl-C.
            let events = self.runtime.block_on(async {
                let mut events = Vec::new();
                let deadline = tokio::time::sleep(POLL_INTERVAL);
                tokio::pin!(deadline);
                loop {
                    let [first, second] = &mut bodies;
                    tokio::select! {
                        event = async { next_event(first.as_mut().expect("guarded")).await }, if first.is_some() => {
                            let done = !matches!(event, StreamEvent::Data(_));
                            events.push((0, event));
                            if done { *first = None; }
                        }
                        event = async { next_event(second.as_mut().expect("guarded")).await }, if second.is_some() => {
                            let done = !matches!(event, StreamEvent::Data(_));
                            events.push((1, event));
                            if done { *second = None; }
                        }
                        _ = &mut deadline => break,
                    }
                }
                events
            });
            for (index, event) in events {
                match event {
                    StreamEvent::Data(data) => feed(console, &data),
                    StreamEvent::Failed(message) => console
                        .write_err(&format!("{}{} {message}\n", server.serverurl, paths[index])),
                    StreamEvent::Ended => {}
                }
            }
            if interrupted() {
                return ForegroundEnd::Interrupted;
            }
            match poll_stdin_line(Duration::ZERO) {
                None => {}
                Some(Input::Line(line)) if on_line(&line, console).is_break() => {
                    return ForegroundEnd::Stopped;
                }
                Some(Input::Line(_)) => {}
                Some(Input::Eof) => return ForegroundEnd::EndOfInput,
                Some(Input::Interrupted) => return ForegroundEnd::Interrupted,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls() {
        let tcp = |host: &str, port: u16, netloc: &str| {
            Ok(Endpoint::Tcp {
                host: host.into(),
                port,
                netloc: netloc.into(),
            })
        };
        let cases: &[(&str, Result<Endpoint, CallError>)] = &[
            (
                "unix:///tmp/supervisor.sock",
                Ok(Endpoint::Unix {
                    path: "/tmp/supervisor.sock".into(),
                }),
            ),
            (
                "unix://relative.sock",
                Ok(Endpoint::Unix {
                    path: "relative.sock".into(),
                }),
            ),
            (
                "http://localhost:9001",
                tcp("localhost", 9001, "localhost:9001"),
            ),
            ("http://LocalHost", tcp("localhost", 80, "LocalHost")),
            (
                "http://user:pw@127.0.0.1:9001/RPC2",
                tcp("127.0.0.1", 9001, "user:pw@127.0.0.1:9001"),
            ),
            ("http://[::1]:9001", tcp("::1", 9001, "[::1]:9001")),
            (
                "https://x",
                Err(CallError::UnknownProtocol("https://x".into())),
            ),
            (
                "HTTP://x",
                Err(CallError::UnknownProtocol("HTTP://x".into())),
            ),
            (
                "http://x:abc",
                Err(CallError::BadPort(
                    "Port could not be cast to integer value as 'abc'".into(),
                )),
            ),
            (
                "http://x:70000",
                Err(CallError::BadPort("Port out of range 0-65535".into())),
            ),
        ];
        for (url, expected) in cases {
            assert_eq!(&parse_serverurl(url), expected, "{url}");
        }
    }

    #[test]
    fn auth_header_is_plain_base64() {
        // `SupervisorTransport` with -u bob -p pw sends `Basic Ym9iOnB3`.
        assert_eq!(basic_auth("bob", "pw"), "Basic Ym9iOnB3");
    }

    #[test]
    fn request_targets() {
        assert_eq!(
            quote_path("/logtail/grp:ga/stdout"),
            "/logtail/grp:ga/stdout"
        );
        assert_eq!(quote_path("/logtail/a b/stdout"), "/logtail/a%20b/stdout");
    }
}
