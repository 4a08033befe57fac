//! Which handler answers a request, decided the way Supervisor's medusa server decides it (spec A.2, A.3): the
//! request target is percent-unquoted piecemeal, then the handlers are asked in order and the first that matches
//! wins. Also the `/logtail/NAME[/CHANNEL]` target parsing of Supervisor's `logtail_handler`.
//!
//! Pure: strings in, decisions out. It does not check methods beyond what the matchers themselves look at (the
//! web UI matcher is the only one that does), authentication, or anything about the backend.

/// The handler that takes a request, in medusa's order of asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Target starts with `/RPC2` (prefix match: `/RPC2/` and `/RPC2xyz` too).
    XmlRpc,
    /// Target starts with `/logtail`.
    LogTail,
    /// Target starts with `/mainlogtail`.
    MainLogTail,
    /// A GET or POST of one of the web UI's views.
    WebUi(WebView),
    /// `GET /metrics`: not in Supervisor; asked just before the static files.
    Metrics,
    /// Everything else: Supervisor's static-file handler for its `ui/` directory.
    Static,
}

/// The views of Supervisor's web UI (`supervisor.web.VIEWS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebView {
    /// `/` and `/index.html`: the status page.
    Index,
    /// `/tail.html`: a process's log tail page.
    Tail,
    /// `/ok.html`: a plain `OK`, used by health checks.
    Ok,
}

/// The URI medusa dispatches on, from the raw request target: the path part (before the last `?`) is
/// percent-unquoted when it holds a `%`, and the query is kept as sent (`http_channel.found_terminator`).
pub fn medusa_uri(target: &str) -> String {
    // urllib's splitquery splits at the last '?'.
    let (path, query) = match target.rfind('?') {
        Some(at) => (&target[..at], Some(&target[at + 1..])),
        None => (target, None),
    };
    if !path.contains('%') {
        return target.to_string();
    }
    match query {
        // Python tests the query for truth, so an empty query loses its '?'.
        Some(query) if !query.is_empty() => format!("{}?{query}", unquote(path)),
        _ => unquote(path),
    }
}

/// The handler for `method` on `uri` (a [`medusa_uri`]).
pub fn route(method: &str, uri: &str) -> Route {
    if uri.starts_with("/RPC2") {
        return Route::XmlRpc;
    }
    if uri.starts_with("/logtail") {
        return Route::LogTail;
    }
    if uri.starts_with("/mainlogtail") {
        return Route::MainLogTail;
    }
    let path = split_uri_path(uri).trim_start_matches('/');
    if method == "GET" || method == "POST" {
        let view = match path {
            "" | "index.html" => Some(WebView::Index),
            "tail.html" => Some(WebView::Tail),
            "ok.html" => Some(WebView::Ok),
            _ => None,
        };
        if let Some(view) = view {
            return Route::WebUi(view);
        }
    }
    if path == "metrics" && (method == "GET" || method == "HEAD") {
        return Route::Metrics;
    }
    Route::Static
}

/// The path part of a URI: medusa's `split_uri` regex `([^;?#]*)(;[^?#]*)?(\?[^#]*)?(#.*)?`, group 1.
pub fn split_uri_path(uri: &str) -> &str {
    match uri.find([';', '?', '#']) {
        Some(at) => &uri[..at],
        None => uri,
    }
}

/// A logtail target that names no handler answer: the HTTP status the reference gives.
pub type TailTargetError = u16;

/// The process name and channel of a `/logtail/NAME[/CHANNEL]` URI (a [`medusa_uri`]), as
/// `logtail_handler.handle_request` cuts them. The channel defaults to `stdout` and is returned as sent (the
/// caller 404s anything but `stdout` and `stderr`). A name that cannot name one process (`grp:`, `grp:*`) is
/// 404; a target without a `/` after the handler's prefix made the reference raise, which it answers with 500.
pub fn parse_logtail_target(uri: &str) -> Result<(String, String), TailTargetError> {
    let mut path = split_uri_path(uri).to_string();
    // The handler unquotes again (the channel unquoted once already), so `%2541` names `A`.
    if path.contains('%') {
        path = unquote(&path);
    }
    let path = path.trim_start_matches('/');
    let Some((_prefix, name_and_channel)) = path.split_once('/') else {
        return Err(500);
    };
    let (name, channel) = match name_and_channel.split_once('/') {
        Some((name, channel)) => (name, channel),
        None => (name_and_channel, "stdout"),
    };
    // supervisor.options.split_namespec: `grp:` and `grp:*` name no process.
    if let Some((_group, process)) = name.split_once(':') {
        if process.is_empty() || process == "*" {
            return Err(404);
        }
    }
    Ok((name.to_string(), channel.to_string()))
}

/// Python's `urllib.parse.unquote`: `%xx` escapes decoded as UTF-8 with invalid sequences replaced; a `%` not
/// followed by two hex digits is kept as is.
pub fn unquote(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' && index + 2 < bytes.len() {
            if let (Some(high), Some(low)) =
                (hex_value(bytes[index + 1]), hex_value(bytes[index + 2]))
            {
                decoded.push(high * 16 + low);
                index += 3;
                continue;
            }
        }
        decoded.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_route(method: &str, target: &str, expected: Route) {
        let uri = medusa_uri(target);
        assert_eq!(
            route(method, &uri),
            expected,
            "{method} {target} (uri {uri:?})"
        );
    }

    #[test]
    fn routes_like_medusa() {
        use Route::*;
        let cases = [
            ("POST", "/RPC2", XmlRpc),
            ("GET", "/RPC2", XmlRpc),
            ("POST", "/RPC2/", XmlRpc),
            ("POST", "/RPC2xyz", XmlRpc),
            ("POST", "/%52PC2", XmlRpc),
            ("POST", "/rpc2", Static),
            ("POST", "/RPC", Static),
            ("GET", "/logtail/foo", LogTail),
            ("POST", "/logtail/foo", LogTail),
            ("GET", "/logtailfoo", LogTail),
            ("GET", "/mainlogtail", MainLogTail),
            ("GET", "/mainlogtail/x", MainLogTail),
            ("GET", "/", WebUi(WebView::Index)),
            ("GET", "/?action=refresh", WebUi(WebView::Index)),
            ("POST", "/index.html", WebUi(WebView::Index)),
            ("GET", "//index.html", WebUi(WebView::Index)),
            ("GET", "/tail.html?processname=x", WebUi(WebView::Tail)),
            ("GET", "/ok.html", WebUi(WebView::Ok)),
            ("GET", "/ok.html;params", WebUi(WebView::Ok)),
            ("HEAD", "/", Static),
            ("HEAD", "/ok.html", Static),
            ("PUT", "/index.html", Static),
            ("GET", "/index.htm", Static),
            ("GET", "/metrics", Metrics),
            ("HEAD", "/metrics", Metrics),
            ("POST", "/metrics", Static),
            ("GET", "/stylesheets/supervisor.css", Static),
            ("GET", "*", Static),
        ];
        for (method, target, expected) in cases {
            check_route(method, target, expected);
        }
    }

    #[test]
    fn unquotes_the_path_piecemeal() {
        let cases = [
            ("/plain?a=%20", "/plain?a=%20"),
            ("/a%20b?q=%20", "/a b?q=%20"),
            ("/a%20b?", "/a b"),
            ("/a%20b", "/a b"),
            ("/a?b?c%20", "/a?b?c%20"),
            ("/a%2?x", "/a%2?x"),
            ("/%zz", "/%zz"),
            ("/%", "/%"),
            ("/%4", "/%4"),
            ("/%41", "/A"),
            ("/%c3%a9", "/\u{e9}"),
            ("/%ff", "/\u{fffd}"),
        ];
        for (target, expected) in cases {
            assert_eq!(medusa_uri(target), expected, "{target}");
        }
    }

    type Expected = Result<(&'static str, &'static str), u16>;

    fn check_tail(target: &str, expected: Expected) {
        let got = parse_logtail_target(&medusa_uri(target));
        let expected = expected.map(|(name, channel)| (name.to_string(), channel.to_string()));
        assert_eq!(got, expected, "{target}");
    }

    #[test]
    fn cuts_logtail_targets_like_the_reference() {
        let cases: [(&str, Expected); 14] = [
            ("/logtail/foo", Ok(("foo", "stdout"))),
            ("/logtail/foo/stdout", Ok(("foo", "stdout"))),
            ("/logtail/foo/stderr", Ok(("foo", "stderr"))),
            ("/logtail/grp:foo/stderr", Ok(("grp:foo", "stderr"))),
            ("/logtail/foo/bogus", Ok(("foo", "bogus"))),
            ("/logtail/foo/stdout/x", Ok(("foo", "stdout/x"))),
            ("/logtail/foo?x=1", Ok(("foo", "stdout"))),
            ("/logtail/a%2520b", Ok(("a b", "stdout"))),
            ("/logtail/grp%3Afoo", Ok(("grp:foo", "stdout"))),
            ("/logtailx/foo", Ok(("foo", "stdout"))),
            ("/logtail/grp:*", Err(404)),
            ("/logtail/grp:", Err(404)),
            ("/logtail", Err(500)),
            ("/logtail/", Ok(("", "stdout"))),
        ];
        for (target, expected) in cases {
            check_tail(target, expected);
        }
    }
}
