//! The same-origin check that guards the web UI's state-changing requests (a deliberate difference from
//! Supervisor, which acts on GET links; see the `web` module header).
//!
//! Owns only the decision, from header values the HTTP layer passes in; it reads no request itself.

/// Whether a request to the web UI may change state: true for GET and HEAD (they never do); for any other method,
/// true only when the browser says the request comes from a page of this server.
///
/// The browser's word is `Origin` when present (every current browser sends it on a POST), else `Referer`. Its
/// host and port must equal those of `Host` (case-insensitive host; a missing port is the default port of the
/// `Origin`/`Referer` scheme, 80 for http and 443 for https, on both sides). A request with neither header, with
/// `Origin: null` (sandboxed frames, some redirects), without `Host`, or with a value that is not an http(s) URL is
/// refused: when in doubt, nothing is done. The scheme itself is not compared, so a TLS-terminating proxy that
/// passes `Host` through works.
pub fn check_same_origin(
    method: &str,
    host_header: Option<&str>,
    origin_header: Option<&str>,
    referer_header: Option<&str>,
) -> bool {
    if matches!(method, "GET" | "HEAD") {
        return true;
    }
    let Some(host_header) = host_header else {
        return false;
    };
    // An Origin that is present decides, even when it is unusable: falling back to Referer then would let a
    // sandboxed page (Origin: null) borrow a Referer it controls.
    let claimed = match (origin_header, referer_header) {
        (Some(origin), _) => origin,
        (None, Some(referer)) => referer,
        (None, None) => return false,
    };
    let Some((default_port, claimed_authority)) = split_url(claimed.trim()) else {
        return false;
    };
    match (
        parse_authority(claimed_authority, default_port),
        parse_authority(host_header.trim(), default_port),
    ) {
        (Some(claimed), Some(host)) => claimed == host,
        _ => false,
    }
}

/// The default port of an http(s) URL's scheme and its authority (`host[:port]`, without user info).
fn split_url(url: &str) -> Option<(u16, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let default_port = if scheme.eq_ignore_ascii_case("http") {
        80
    } else if scheme.eq_ignore_ascii_case("https") {
        443
    } else {
        return None;
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    Some((default_port, authority))
}

/// (lower-case host, port) of `host[:port]` or `[v6]:port`; `None` when malformed.
fn parse_authority(authority: &str, default_port: u16) -> Option<(String, u16)> {
    let (host, port_text) = if let Some(rest) = authority.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        let port_text = match after {
            "" => None,
            _ => Some(after.strip_prefix(':')?),
        };
        (format!("[{inside}]"), port_text)
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host.to_string(), Some(port)),
            None => (authority.to_string(), None),
        }
    };
    if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == ',') {
        return None;
    }
    let port = match port_text {
        None | Some("") => default_port,
        Some(text) if text.bytes().all(|byte| byte.is_ascii_digit()) => text.parse().ok()?,
        Some(_) => return None,
    };
    Some((host.to_ascii_lowercase(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        method: &str,
        host: Option<&str>,
        origin: Option<&str>,
        referer: Option<&str>,
        expected: bool,
    ) {
        assert_eq!(
            check_same_origin(method, host, origin, referer),
            expected,
            "{method} Host {host:?} Origin {origin:?} Referer {referer:?}"
        );
    }

    /// (method, Host, Origin, Referer, allowed)
    type SameOriginCase = (
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
        bool,
    );

    #[test]
    fn same_origin_table() {
        let host = Some("127.0.0.1:9001");
        let cases: Vec<SameOriginCase> = vec![
            // Reads are always allowed: they change nothing.
            ("GET", None, None, None, true),
            ("GET", host, Some("http://evil.example"), None, true),
            ("HEAD", host, Some("http://evil.example"), None, true),
            // POST from our own page; the first as headless Chromium sent it for a Stop button.
            (
                "POST",
                Some("127.0.0.1:19612"),
                Some("http://127.0.0.1:19612"),
                Some("http://127.0.0.1:19612/index.html"),
                true,
            ),
            ("POST", host, Some("http://127.0.0.1:9001"), None, true),
            ("POST", host, None, Some("http://127.0.0.1:9001/"), true),
            (
                "POST",
                host,
                None,
                Some("http://127.0.0.1:9001/index.html?message=x"),
                true,
            ),
            (
                "POST",
                host,
                Some("http://127.0.0.1:9001"),
                Some("http://evil.example/"),
                true,
            ),
            // POST from elsewhere.
            ("POST", host, Some("http://evil.example"), None, false),
            (
                "POST",
                host,
                Some("http://evil.example"),
                Some("http://127.0.0.1:9001/"),
                false,
            ),
            (
                "POST",
                host,
                None,
                Some("http://evil.example/index.html"),
                false,
            ),
            ("POST", host, Some("http://127.0.0.1:9002"), None, false),
            ("POST", host, Some("http://127.0.0.1"), None, false),
            ("POST", host, Some("http://127.0.0.2:9001"), None, false),
            (
                "POST",
                host,
                None,
                Some("http://127.0.0.1:9001.evil.example/"),
                false,
            ),
            ("POST", host, None, Some("http://127.0.0.1:90011/"), false),
            // Nothing to go by, or nothing usable: refused.
            ("POST", host, None, None, false),
            ("POST", None, Some("http://127.0.0.1:9001"), None, false),
            ("POST", host, Some("null"), None, false),
            (
                "POST",
                host,
                Some("null"),
                Some("http://127.0.0.1:9001/"),
                false,
            ),
            ("POST", host, Some(""), None, false),
            ("POST", host, Some("file:///tmp/x.html"), None, false),
            ("POST", host, None, Some("127.0.0.1:9001"), false),
            ("POST", host, Some("http://127.0.0.1:x"), None, false),
            ("POST", Some(""), Some("http://127.0.0.1:9001"), None, false),
            ("POST", Some("a, b"), Some("http://a, b"), None, false),
            // Every method but GET and HEAD is checked.
            ("PUT", host, Some("http://evil.example"), None, false),
            ("DELETE", host, Some("http://127.0.0.1:9001"), None, true),
            // Default ports, case, user info, whitespace.
            (
                "POST",
                Some("example.com"),
                Some("http://example.com"),
                None,
                true,
            ),
            (
                "POST",
                Some("example.com:80"),
                Some("http://example.com"),
                None,
                true,
            ),
            (
                "POST",
                Some("example.com"),
                Some("http://example.com:80"),
                None,
                true,
            ),
            (
                "POST",
                Some("example.com"),
                Some("https://example.com"),
                None,
                true,
            ),
            (
                "POST",
                Some("example.com:443"),
                Some("https://example.com"),
                None,
                true,
            ),
            (
                "POST",
                Some("example.com:80"),
                Some("https://example.com"),
                None,
                false,
            ),
            (
                "POST",
                Some("Example.COM"),
                Some("HTTP://example.com"),
                None,
                true,
            ),
            (
                "POST",
                Some(" example.com "),
                Some(" http://example.com "),
                None,
                true,
            ),
            (
                "POST",
                Some("example.com"),
                None,
                Some("http://user:pw@example.com/"),
                true,
            ),
            (
                "POST",
                Some("example.com"),
                None,
                Some("http://example.com@evil.example/"),
                false,
            ),
            // IPv6.
            (
                "POST",
                Some("[::1]:9001"),
                Some("http://[::1]:9001"),
                None,
                true,
            ),
            ("POST", Some("[::1]"), Some("http://[::1]"), None, true),
            (
                "POST",
                Some("[::1]:9001"),
                Some("http://[::2]:9001"),
                None,
                false,
            ),
            (
                "POST",
                Some("[::1]:9001"),
                Some("http://[::1]9001"),
                None,
                false,
            ),
            // The unix socket listener: the browser names whatever Host it sent.
            (
                "POST",
                Some("localhost"),
                Some("http://localhost"),
                None,
                true,
            ),
        ];
        for (method, host, origin, referer, expected) in cases {
            check(method, host, origin, referer, expected);
        }
    }
}
