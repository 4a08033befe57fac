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
use crate::config::cmdline::VERSION;
use crate::config::Credentials;
use crate::rpc::backend::{codes, Backend, Channel, Fault, Outcomes, Target};
use crate::web;

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
        AuthDecision::Unauthorized => {
            // Read the request body first: Python's client writes the body after the headers, and an answer
            // followed by a close before it is read makes that write fail (BrokenPipeError) instead of showing the
            // 401 ("Server requires authentication").
            let body = request.into_body();
            let _ = http_body_util::Limited::new(body, MAX_REQUEST_BODY_BYTES as usize)
                .collect()
                .await;
            unauthorized()
        }
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
        Route::WebUi(view) => web_ui(&shared.backend, view, request).await,
        Route::Metrics => metrics(&shared.backend, &method).await,
        Route::Static => static_files(&method, &uri),
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

/// Supervisor's web UI views: `ok.html`, the status page and the tail view (rendered by [`crate::web`]).
async fn web_ui<B: Backend>(backend: &B, view: WebView, request: Request) -> Response {
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
        WebView::Index => status_page(backend, request).await,
        WebView::Tail => tail_page(backend, request).await,
    }
}

/// The request's method, query and form body (bodies beyond a small limit are refused).
async fn form_parts(
    request: Request,
) -> Result<(Method, String, String, axum::http::HeaderMap), Response> {
    const FORM_LIMIT: usize = 64 * 1024;
    let method = request.method().clone();
    let query = request.uri().query().unwrap_or("").to_string();
    let (parts, body) = request.into_parts();
    let body = if method == Method::POST {
        match http_body_util::Limited::new(body, FORM_LIMIT)
            .collect()
            .await
        {
            Ok(collected) => String::from_utf8_lossy(&collected.to_bytes()).into_owned(),
            Err(_) => return Err(error_response(413)),
        }
    } else {
        String::new()
    };
    Ok((method, query, body, parts.headers))
}

fn header_text<'h>(headers: &'h axum::http::HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

fn now_and_offset() -> (i64, i64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let offset = jiff::Timestamp::from_second(now)
        .map(|timestamp| i64::from(jiff::tz::TimeZone::system().to_offset(timestamp).seconds()))
        .unwrap_or(0);
    (now, offset)
}

fn html(page: String) -> Response {
    let mut response = Response::new(Body::from(page));
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static(web::PAGE_CONTENT_TYPE),
    );
    response
}

/// `/` and `/index.html`: the status table, or an action (POST only, same origin only) then a redirect back with
/// its message, as the reference's StatusView does (301 with `Location`).
async fn status_page<B: Backend>(backend: &B, request: Request) -> Response {
    let (method, query, body, headers) = match form_parts(request).await {
        Ok(parts) => parts,
        Err(response) => return response,
    };
    let host = header_text(&headers, "host");
    if !web::check_same_origin(
        method.as_str(),
        host,
        header_text(&headers, "origin"),
        header_text(&headers, "referer"),
    ) {
        return error_response(403);
    }
    let status_request = match web::parse_status_request(method.as_str(), &query, &body) {
        Ok(status_request) => status_request,
        // The reference raises ValueError for an unknown action: a 500.
        Err(_) => return error_response(500),
    };
    let (now, offset) = now_and_offset();
    let Some(action) = status_request.action else {
        let infos = backend.all_process_info().await;
        let page = web::render_status_page(
            &infos,
            status_request.message.as_deref(),
            VERSION,
            now,
            offset,
        );
        return html(page);
    };
    let infos = backend.all_process_info().await;
    let message = match action.process_name() {
        Some(name) if web::find_process(&infos, name).is_none() => {
            web::Action::no_such_process_message(name)
        }
        _ => {
            let outcome = perform_action(backend, &action).await;
            action.message(outcome.as_ref().map(|_| ()), now, offset)
        }
    };
    let server_url = format!("http://{}", host.unwrap_or("localhost"));
    let mut response = error_response(301);
    if let Ok(location) = HeaderValue::from_str(&web::redirect_location(&server_url, &message)) {
        response
            .headers_mut()
            .insert(axum::http::header::LOCATION, location);
    }
    response
}

/// Runs a status-page action against the engine, as the reference's make_callback does (waiting starts and
/// stops).
async fn perform_action<B: Backend>(backend: &B, action: &web::Action) -> Result<(), Fault> {
    let single = |outcomes: Outcomes| match outcomes.into_iter().next() {
        Some((_, outcome)) => outcome,
        None => Ok(()),
    };
    match action {
        web::Action::Refresh => Ok(()),
        web::Action::Start(name) => {
            single(backend.start(Target::Process(name.clone()), true).await?)
        }
        web::Action::Stop(name) => single(backend.stop(Target::Process(name.clone()), true).await?),
        web::Action::Restart(name) => {
            let _ = backend.stop(Target::Process(name.clone()), true).await;
            let _ = backend.start(Target::Process(name.clone()), true).await;
            Ok(())
        }
        web::Action::ClearLog(name) => {
            single(backend.clear_logs(Target::Process(name.clone())).await?)
        }
        web::Action::StopAll => backend.stop(Target::All, true).await.map(drop),
        web::Action::RestartAll => {
            let _ = backend.stop(Target::All, true).await;
            backend.start(Target::All, true).await.map(drop)
        }
    }
}

/// `/tail.html?processname=X[&limit=N]`: the end of a process's stdout log in a page.
async fn tail_page<B: Backend>(backend: &B, request: Request) -> Response {
    let (method, query, body, _) = match form_parts(request).await {
        Ok(parts) => parts,
        Err(response) => return response,
    };
    let tail_request = web::parse_tail_request(method.as_str(), &query, &body);
    let text = match tail_request.name_to_read() {
        None => web::NO_PROCESS_NAME.to_string(),
        Some(name) => match backend.log_path(name.to_string(), Channel::Stdout).await {
            Ok(Some(path)) => {
                let limit = i64::try_from(tail_request.limit).unwrap_or(i64::MAX);
                let read = tokio::task::spawn_blocking(move || {
                    crate::logs::read::read_file(&path, -limit, 0)
                })
                .await;
                match read {
                    Ok(Ok(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
                    _ => web::tail_fault_text(name, &Fault::new(codes::NO_FILE, name)),
                }
            }
            Ok(None) => web::tail_fault_text(name, &Fault::new(codes::NO_FILE, name)),
            Err(fault) => web::tail_fault_text(name, &fault),
        },
    };
    html(web::render_tail_page(&tail_request, &text))
}

/// `/metrics` (a supervisor-rs addition): Prometheus text of every process, behind the listener's auth.
async fn metrics<B: Backend>(backend: &B, method: &Method) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return error_response(400);
    }
    let infos = backend.all_process_info().await;
    let restarts = backend.restart_counts().await;
    let lookup = |group: &str, name: &str| {
        restarts
            .get(&(group.to_string(), name.to_string()))
            .copied()
            .unwrap_or(0)
    };
    let mut response = Response::new(Body::from(web::render_metrics(&infos, &lookup)));
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static(web::METRICS_CONTENT_TYPE),
    );
    response
}

/// Supervisor's `default_handler` over its `ui/` directory: the stylesheet and images of the web UI. Missing
/// files get 404 for GET and HEAD, 400 for other methods, as the reference answers.
fn static_files(method: &Method, uri: &str) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return error_response(400);
    }
    let path = uri.split('?').next().unwrap_or("").trim_start_matches('/');
    match web::static_asset(path) {
        Some((content_type, bytes)) => {
            let mut response = Response::new(Body::from(Bytes::from_static(bytes)));
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
            response
        }
        None => error_response(404),
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
