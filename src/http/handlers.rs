//! The router every listener serves: medusa's handler chain (spec A.3) behind one axum fallback, each listener
//! wrapping it in its own Basic authentication (A.6), and the handlers themselves: XML-RPC hand-off (A.7), log
//! tails (A.9), the web UI and `/metrics` places, and the static-file fallback.
//!
//! It owns request-level decisions and response shapes. Connection handling (persistence, timeouts, closing) is
//! `super`'s; what a log tail sends is `tail`'s; XML-RPC itself is the handler it is given.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{
    HeaderValue, AUTHORIZATION, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, LAST_MODIFIED,
    WWW_AUTHENTICATE,
};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use http_body_util::BodyExt;

use super::auth::{check_authorization, AuthDecision};
use super::response::{error_page, http_date, reason};
use super::route::{medusa_uri, parse_logtail_target, route, Route, WebView};
use super::tail::{ConnectionSocket, Follower, PeerProbe, TailBody, TAIL_HEAD_BYTES};
use super::{XmlRpcHandler, IDLE_TIMEOUT, MAX_REQUEST_BODY_BYTES};
use crate::config::Credentials;
use crate::rpc::backend::{Backend, Channel};

/// What every listener's router shares.
pub(super) struct Shared<B> {
    pub backend: B,
    pub xmlrpc: XmlRpcHandler,
}

/// Marks a response that must not be sent: the connection is dropped instead, as the reference drops it when
/// a request body is not UTF-8 (its decode raises outside any handler).
#[derive(Debug, Clone, Copy)]
pub(super) struct DropConnection;

/// The router of one listener: the same handler set everywhere, behind that listener's credentials if any.
pub(super) fn router<B: Backend>(
    shared: Arc<Shared<B>>,
    credentials: Option<Credentials>,
) -> Router {
    let router = Router::new().fallback(dispatch::<B>).with_state(shared);
    match credentials {
        Some(credentials) => router.layer(middleware::from_fn_with_state(
            Arc::new(credentials),
            require_authorization,
        )),
        None => router,
    }
}

/// medusa's auth_handler wraps every handler, so the check comes before any handler's own answer (even 404).
async fn require_authorization(
    State(credentials): State<Arc<Credentials>>,
    request: Request,
    next: Next,
) -> Response {
    let header = request
        .headers()
        .get(AUTHORIZATION)
        .map(HeaderValue::as_bytes);
    match check_authorization(&credentials, header) {
        AuthDecision::Allowed => next.run(request).await,
        AuthDecision::Unauthorized => unauthorized(),
        AuthDecision::Malformed => error_response(400),
    }
}

/// The 401 of `auth_handler.handle_unauthorized`. The reference keeps the socket but reads nothing more from
/// it; we close it, which its `Connection: close` already announces.
fn unauthorized() -> Response {
    let mut response = error_response(401);
    let headers = response.headers_mut();
    let length = headers.remove(CONTENT_LENGTH);
    let content_type = headers.remove(CONTENT_TYPE);
    headers.insert(CONNECTION, HeaderValue::from_static("close"));
    headers.insert(
        WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"default\""),
    );
    // Keep the reference's header order: Connection, WWW-Authenticate, Content-Length, Content-Type.
    if let Some(length) = length {
        headers.insert(CONTENT_LENGTH, length);
    }
    if let Some(content_type) = content_type {
        headers.insert(CONTENT_TYPE, content_type);
    }
    response
}

/// medusa's handler chain, first match wins.
async fn dispatch<B: Backend>(State(shared): State<Arc<Shared<B>>>, request: Request) -> Response {
    let method = request.method().clone();
    let uri = medusa_uri(&request.uri().to_string());
    match route(method.as_str(), &uri) {
        Route::XmlRpc => xmlrpc(&shared.xmlrpc, request).await,
        Route::LogTail => logtail(&shared.backend, &method, &uri, peer(&request)).await,
        Route::MainLogTail => mainlogtail(&shared.backend, &method, peer(&request)).await,
        Route::WebUi(view) => web_ui(view, &request),
        Route::Metrics => metrics(&method),
        Route::Static => static_files(&method),
    }
}

/// `POST /RPC2`: the body, read whole, goes to the XML-RPC handler; its answer comes back as `text/xml` (200)
/// or as the error page of the status it gives.
async fn xmlrpc(handler: &XmlRpcHandler, request: Request) -> Response {
    if request.method() != Method::POST {
        return error_response(400);
    }
    let Some(length) = request.headers().get(CONTENT_LENGTH) else {
        return error_response(411);
    };
    // hyper has already refused a Content-Length that is not a number.
    let length: u64 = match length
        .to_str()
        .ok()
        .and_then(|text| text.trim().parse().ok())
    {
        Some(length) => length,
        None => return error_response(400),
    };
    if length > MAX_REQUEST_BODY_BYTES {
        // Not in the reference, which reads any size. The body is not read, so the connection cannot go on.
        let mut response = error_response(413);
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
        return response;
    }
    // A client that stops sending mid-body is dropped after the same idle time as one that stalls in its
    // headers; it only ever holds up its own connection.
    let body = match tokio::time::timeout(IDLE_TIMEOUT, request.into_body().collect()).await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(_)) | Err(_) => return drop_connection(),
    };
    if std::str::from_utf8(&body).is_err() {
        return drop_connection();
    }
    let (status, answer) = handler(body.to_vec()).await;
    if status != 200 {
        return error_response(status);
    }
    let mut response = Response::new(Body::from(answer));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    response
}

/// A probe on the request's connection, for a tail to notice the client leaving.
fn peer(request: &Request) -> Option<PeerProbe> {
    let connection = request.extensions().get::<ConnectionSocket>()?;
    PeerProbe::new(*connection).ok()
}

/// `GET /logtail/NAME[/CHANNEL]`: the process's log, followed.
async fn logtail<B: Backend>(
    backend: &B,
    method: &Method,
    uri: &str,
    peer: Option<PeerProbe>,
) -> Response {
    if method != Method::GET {
        return error_response(400);
    }
    let (name, channel) = match parse_logtail_target(uri) {
        Ok(target) => target,
        Err(status) => return error_response(status),
    };
    let channel = match channel.as_str() {
        "stdout" => Channel::Stdout,
        "stderr" => Channel::Stderr,
        _ => return error_response(404),
    };
    match backend.log_path(name, channel).await {
        Ok(Some(path)) => tail_response(path, true, peer),
        // An unknown name, or no log configured: "a temporary condition", says the reference, so 404.
        Ok(None) | Err(_) => error_response(404),
    }
}

/// `GET /mainlogtail`: supervisord's own log, followed.
async fn mainlogtail<B: Backend>(
    backend: &B,
    method: &Method,
    peer: Option<PeerProbe>,
) -> Response {
    if method != Method::GET {
        return error_response(400);
    }
    match backend.main_log_path().await {
        Some(path) => tail_response(path, false, peer),
        None => error_response(404),
    }
}

/// The streamed answer of both tails: no Content-Length, so HTTP/1.1 gets chunks and HTTP/1.0 a plain stream.
fn tail_response(path: PathBuf, process_log: bool, peer: Option<PeerProbe>) -> Response {
    // A log that does not exist yet (never started) is 404, as in the reference.
    let Ok(metadata) = std::fs::metadata(&path) else {
        return error_response(404);
    };
    let follower = match Follower::open(path, TAIL_HEAD_BYTES) {
        Ok(follower) => follower,
        // The reference's open() raises here, which it answers with 500.
        Err(_) => return error_response(500),
    };
    use std::os::unix::fs::MetadataExt;
    let mut response = Response::new(Body::new(TailBody::new(follower, peer)));
    let headers = response.headers_mut();
    if let Ok(modified) = HeaderValue::from_str(&http_date(metadata.mtime())) {
        headers.insert(LAST_MODIFIED, modified);
    }
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain;charset=utf-8"),
    );
    if process_log {
        // Tells a reverse proxy (nginx) not to buffer the stream.
        headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    }
    response
}

/// Supervisor's web UI views. `ok.html` is answered here; the status and tail pages belong to the web UI, which
/// replaces the placeholder below.
fn web_ui(view: WebView, request: &Request) -> Response {
    // The UI handler collects POST bodies the way the XML-RPC one does.
    if request.method() == Method::POST && !request.headers().contains_key(CONTENT_LENGTH) {
        return error_response(411);
    }
    match view {
        WebView::Ok => {
            let mut response = Response::new(Body::from(Bytes::from_static(b"OK")));
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            response
        }
        // Placeholder until the web UI is built: the status page (`/`, `/index.html`) and `/tail.html`.
        WebView::Index | WebView::Tail => error_response(404),
    }
}

/// `/metrics` (not in Supervisor). Placeholder until the metrics exposition is built: answers what the
/// reference answers for that path (its static handler's 404).
fn metrics(method: &Method) -> Response {
    static_files(method)
}

/// Supervisor's `default_handler` over its `ui/` directory (stylesheet, images). Until the web UI brings those
/// files it finds none: GET and HEAD get 404, other methods 400, as the reference answers for a missing file.
fn static_files(method: &Method) -> Response {
    if method == Method::GET || method == Method::HEAD {
        error_response(404)
    } else {
        error_response(400)
    }
}

/// medusa's `request.error(code)`: its HTML page with Content-Length and `Content-Type: text/html`, and its
/// reason phrase on the status line.
pub(super) fn error_response(code: u16) -> Response {
    let page = error_page(code);
    let length = page.len();
    let mut response = Response::new(Body::from(page));
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    *response.status_mut() = status;
    if status.canonical_reason() != Some(reason(code)) {
        response
            .extensions_mut()
            .insert(hyper::ext::ReasonPhrase::from_static(
                reason(code).as_bytes(),
            ));
    }
    let headers = response.headers_mut();
    headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
    response
}

fn drop_connection() -> Response {
    let mut response = error_response(400);
    response.extensions_mut().insert(DropConnection);
    response
}
