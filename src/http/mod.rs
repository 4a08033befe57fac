//! supervisord's HTTP servers: every `[inet_http_server]` and `[unix_http_server]` bound as Supervisor binds
//! them, each serving the same router (XML-RPC at `/RPC2`, `/logtail/NAME[/stderr]`, `/mainlogtail`, the web
//! UI's place, `/metrics`' place) behind its own Basic authentication, speaking HTTP/1.0 and 1.1 the way
//! Supervisor's medusa server does (spec A).
//!
//! Every connection is its own task, so a client that stalls holds up nobody else. A connection that completes
//! no request head for [`IDLE_TIMEOUT`] is closed, as medusa's zombie sweep closes it.
//!
//! It owns sockets, connections and HTTP semantics. It knows no XML (the XML-RPC handler is handed in) and no
//! processes (log paths come from the [`Backend`]).

mod auth;
mod handlers;
mod listen;
mod response;
mod route;
mod tail;

use std::future::Future;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::header::{HeaderMap, HeaderValue, CONNECTION, CONTENT_LENGTH, DATE, SERVER};
use axum::http::{Response, Version};
use axum::Router;
use hyper::body::{Body as _, Incoming};
use hyper::server::conn::http1;
use hyper::service::Service as _;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use crate::config::pyrepr::py_repr;
use crate::config::{LogLevel, ServerSpec};
use crate::logs::mainlog;
use crate::rpc::backend::Backend;

pub use listen::ADDRESS_IN_USE;

/// The XML-RPC method layer, as the HTTP layer sees it: the request body (UTF-8, checked) in; the HTTP status
/// and the response body out. 200 sends the body as `text/xml`; any other status sends Supervisor's error page
/// for that status (the body is ignored): 400 for a body that is not a method call, 500 for an internal error.
pub type XmlRpcHandler =
    Arc<dyn Fn(Vec<u8>) -> Pin<Box<dyn Future<Output = (u16, Vec<u8>)> + Send>> + Send + Sync>;

/// The largest request body accepted (413 above it). Supervisor has no limit; this one is far above any
/// XML-RPC call a client makes, and keeps one client from exhausting memory.
pub const MAX_REQUEST_BODY_BYTES: u64 = 16 * 1024 * 1024;

/// How long a connection may wait between requests, or stall in a request, before it is closed: medusa's
/// `zombie_timeout`. It is long because Python `supervisorctl` keeps one connection open for as long as its
/// interactive shell runs, and does not reconnect when the server has closed it.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// How long [`HttpServers::close`] lets in-flight responses finish before dropping their connections.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// The running listeners. [`HttpServers::close`] stops them; dropping them stops them too but leaves the unix
/// socket files behind, as a crash would.
pub struct HttpServers {
    shutdown: watch::Sender<bool>,
    listeners: Vec<JoinHandle<()>>,
    socket_files: Vec<PathBuf>,
    inet_addresses: Vec<SocketAddr>,
}

/// Binds every `[inet_http_server]` then every `[unix_http_server]` of `server` (Supervisor's order) and serves
/// them. Logs, per server, `RPC interface 'NAME' initialized` for each built-in `[rpcinterface:NAME]` and the
/// CRIT line of a server without credentials. The error is the message supervisord prints after `Error: `
/// (and exits 2): [`ADDRESS_IN_USE`] when an address is taken. On error nothing stays open.
pub async fn start<B: Backend + Clone>(
    server: &ServerSpec,
    backend: B,
    xmlrpc: XmlRpcHandler,
) -> Result<HttpServers, String> {
    let shared = Arc::new(handlers::Shared { backend, xmlrpc });
    let mut servers = HttpServers {
        shutdown: watch::channel(false).0,
        listeners: Vec::new(),
        socket_files: Vec::new(),
        inet_addresses: Vec::new(),
    };
    for spec in &server.inet_http_servers {
        let listener = match listen::bind_inet(spec).await {
            Ok(listener) => listener,
            Err(message) => {
                servers.close().await;
                return Err(message);
            }
        };
        if let Ok(address) = listener.local_addr() {
            servers.inet_addresses.push(address);
        }
        log_server_started(server, &spec.section, spec.auth.is_some());
        let router = handlers::router(shared.clone(), spec.auth.clone());
        servers.spawn(Listener::Tcp(listener), router);
    }
    for spec in &server.unix_http_servers {
        let (listener, socket_file) = match listen::bind_unix(spec).await {
            Ok(bound) => bound,
            Err(message) => {
                servers.close().await;
                return Err(message);
            }
        };
        servers.socket_files.push(socket_file);
        log_server_started(server, &spec.section, spec.auth.is_some());
        let router = handlers::router(shared.clone(), spec.auth.clone());
        servers.spawn(Listener::Unix(listener), router);
    }
    Ok(servers)
}

/// Logs what `make_http_servers` logs for each server it makes.
fn log_server_started(server: &ServerSpec, section: &str, has_credentials: bool) {
    for (level, message) in server_started_messages(server, section, has_credentials) {
        mainlog::log(level, &message);
    }
}

/// The lines of [`log_server_started`]: `RPC interface 'NAME' initialized` for each built-in
/// `[rpcinterface:NAME]` (a Python plugin is not loaded, so not announced), then the CRIT line of a server
/// without credentials.
fn server_started_messages(
    server: &ServerSpec,
    section: &str,
    has_credentials: bool,
) -> Vec<(LogLevel, String)> {
    let mut messages: Vec<(LogLevel, String)> = server
        .rpcinterfaces
        .iter()
        .filter(|plugin| plugin.builtin)
        .map(|plugin| {
            let message = format!("RPC interface {} initialized", py_repr(&plugin.name));
            (LogLevel::Info, message)
        })
        .collect();
    if !has_credentials {
        let message = format!(
            "Server {} running without any HTTP authentication checking",
            py_repr(section)
        );
        messages.push((LogLevel::Critical, message));
    }
    messages
}

impl HttpServers {
    /// The bound address of each `[inet_http_server]`, in config order (useful when port 0 was asked for).
    pub fn inet_addresses(&self) -> &[SocketAddr] {
        &self.inet_addresses
    }

    /// The socket file of each `[unix_http_server]`, in config order.
    pub fn socket_files(&self) -> &[PathBuf] {
        &self.socket_files
    }

    /// Stops accepting, lets in-flight responses finish for a moment (log tails never finish, so they are
    /// cut), then removes the unix socket files.
    pub async fn close(mut self) {
        self.shutdown.send_replace(true);
        for listener in self.listeners.drain(..) {
            let _ = listener.await;
        }
        for socket_file in &self.socket_files {
            let _ = std::fs::remove_file(socket_file);
        }
    }

    fn spawn(&mut self, listener: Listener, router: Router) {
        let shutdown = self.shutdown.subscribe();
        self.listeners
            .push(tokio::spawn(accept_loop(listener, router, shutdown)));
    }
}

enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener),
}

/// Accepts until told to stop, each connection in its own task; then winds the connections down.
async fn accept_loop(listener: Listener, router: Router, mut shutdown: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(Accepted::Tcp(stream)) => {
                    let _ = stream.set_nodelay(true);
                    let socket = tail::ConnectionSocket(stream.as_raw_fd());
                    connections.spawn(serve_connection(stream, socket, router.clone(), shutdown.clone()));
                }
                Ok(Accepted::Unix(stream)) => {
                    let socket = tail::ConnectionSocket(stream.as_raw_fd());
                    connections.spawn(serve_connection(stream, socket, router.clone(), shutdown.clone()));
                }
                Err(error) => {
                    mainlog::log(
                        LogLevel::Warn,
                        &format!("warning: server accept() threw an exception: {error}"),
                    );
                    // Out of descriptors, say: give the running connections a moment to end.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_finished) = connections.join_next(), if !connections.is_empty() => {}
            // A send (close) or the sender's drop.
            _ = shutdown.changed() => break,
        }
    }
    drop(listener);
    // The connections saw the same signal and are finishing what is in flight.
    let drain = async { while connections.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(CLOSE_GRACE, drain).await;
    connections.shutdown().await;
}

enum Accepted {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Listener {
    async fn accept(&self) -> std::io::Result<Accepted> {
        Ok(match self {
            Listener::Tcp(listener) => Accepted::Tcp(listener.accept().await?.0),
            Listener::Unix(listener) => Accepted::Unix(listener.accept().await?.0),
        })
    }
}

/// Serves one connection with hyper's HTTP/1 server: persistence and pipelining per HTTP/1.0 and 1.1, header
/// names written in Title-Case as medusa writes them, and the idle timeout.
async fn serve_connection<S>(
    stream: S,
    socket: tail::ConnectionSocket,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let router = TowerToHyperService::new(router);
    let service = hyper::service::service_fn(move |mut request: axum::http::Request<Incoming>| {
        request.extensions_mut().insert(socket);
        let version = request.version();
        let keep_alive_asked = request
            .headers()
            .get(CONNECTION)
            .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"keep-alive"));
        let response = router.call(request);
        async move {
            let mut response = match response.await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            if response
                .extensions()
                .get::<handlers::DropConnection>()
                .is_some()
            {
                return Err(ConnectionDropped);
            }
            finish_headers(&mut response, version, keep_alive_asked);
            Ok(response)
        }
    });
    let connection = http1::Builder::new()
        .title_case_headers(true)
        .timer(TokioTimer::new())
        .header_read_timeout(IDLE_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => return,
        _ = shutdown.changed() => {}
    }
    // Finish the response in flight, if any, then close; the accept loop bounds how long this may take.
    connection.as_mut().graceful_shutdown();
    let _ = connection.await;
}

/// The service's error: hyper closes the connection without answering.
#[derive(Debug)]
struct ConnectionDropped;

impl std::fmt::Display for ConnectionDropped {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("connection dropped without a response")
    }
}

impl std::error::Error for ConnectionDropped {}

/// medusa's headers on every response: `Server` and `Date` first; and its HTTP/1.0 persistence rule (A.4): a
/// 1.0 request with `Connection: keep-alive` stays open only when the response has a length, and says so with
/// `Connection: Keep-Alive`. (hyper closes 1.0 connections otherwise, and uses chunks for unknown lengths on
/// 1.1, as medusa does.)
fn finish_headers(response: &mut Response<Body>, version: Version, keep_alive_asked: bool) {
    let mut headers = HeaderMap::with_capacity(response.headers().len() + 3);
    headers.insert(SERVER, HeaderValue::from_static(response::SERVER));
    let now = jiff::Timestamp::now().as_second();
    if let Ok(date) = HeaderValue::from_str(&response::http_date(now)) {
        headers.insert(DATE, date);
    }
    let has_length = response.headers().contains_key(CONTENT_LENGTH)
        || response.body().size_hint().exact().is_some();
    headers.extend(std::mem::take(response.headers_mut()));
    if version == Version::HTTP_10 {
        // A response that already closes (a 401) keeps its `Connection: close`.
        if keep_alive_asked && has_length && !headers.contains_key(CONNECTION) {
            headers.insert(CONNECTION, HeaderValue::from_static("Keep-Alive"));
        }
        // Answered as 1.0, hyper keeps the connection only when the response says Keep-Alive (answered as 1.1,
        // it would add `Connection: keep-alive` even to a stream it must end by closing).
        *response.version_mut() = Version::HTTP_10;
    }
    *response.headers_mut() = headers;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PluginSpec;

    fn plugin(name: &str, builtin: bool) -> PluginSpec {
        PluginSpec {
            name: name.to_string(),
            factory: "supervisor.rpcinterface:make_main_rpcinterface".to_string(),
            options: Default::default(),
            builtin,
        }
    }

    fn check(
        rpcinterfaces: Vec<PluginSpec>,
        section: &str,
        has_credentials: bool,
        expected: &[&str],
    ) {
        let server = ServerSpec {
            rpcinterfaces,
            ..ServerSpec::default()
        };
        let got: Vec<String> = server_started_messages(&server, section, has_credentials)
            .into_iter()
            .map(|(level, message)| format!("{} {message}", level.tag()))
            .collect();
        assert_eq!(got, expected, "{section} {has_credentials}");
    }

    #[test]
    fn announces_servers_as_make_http_servers_does() {
        check(
            vec![plugin("supervisor", true)],
            "unix_http_server",
            false,
            &[
                "INFO RPC interface 'supervisor' initialized",
                "CRIT Server 'unix_http_server' running without any HTTP authentication checking",
            ],
        );
        check(
            vec![plugin("supervisor", true), plugin("other", false)],
            "inet_http_server",
            true,
            &["INFO RPC interface 'supervisor' initialized"],
        );
        check(
            vec![],
            "inet_http_server",
            false,
            &["CRIT Server 'inet_http_server' running without any HTTP authentication checking"],
        );
    }
}
