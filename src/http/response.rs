//! The fixed texts of Supervisor's HTTP responses (spec A.5): medusa's reason phrases, its HTML error page, and
//! the HTTP date format of `Date` and `Last-Modified`.
//!
//! Pure: numbers in, text out. Building the `Response` values is the handlers' job.

/// The `Server` header every response carries.
pub const SERVER: &str = "Medusa/1.12";

/// Medusa's reason phrase for `code` (`http_request.responses`); codes it does not know get a generic phrase.
pub fn reason(code: u16) -> &'static str {
    match code {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Moved Temporarily",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Time-out",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Large",
        415 => "Unsupported Media Type",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Time-out",
        505 => "HTTP Version not supported",
        _ => "Unknown",
    }
}

/// Medusa's `DEFAULT_ERROR_MESSAGE` for `code`: CRLF line endings and a trailing CRLF.
pub fn error_page(code: u16) -> String {
    format!(
        "<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n<h1>Error response</h1>\r\n\
         <p>Error code {code}.\r\n<p>Message: {}.\r\n</body>\r\n",
        reason(code)
    )
}

/// `medusa.http_date.build_http_date`: `Sun, 06 Nov 1994 08:49:37 GMT` for seconds since the epoch.
pub fn http_date(epoch_seconds: i64) -> String {
    match jiff::Timestamp::from_second(epoch_seconds) {
        Ok(timestamp) => timestamp.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string(),
        // Out of jiff's range (year beyond 9999): no real clock or file time gets here.
        Err(_) => "Thu, 01 Jan 1970 00:00:00 GMT".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_pages_have_the_reference_sizes() {
        // Sizes measured against Supervisor 4.3.0 (spec A.5, A.6).
        let cases = [
            (400, 136),
            (401, 137),
            (404, 134),
            (411, 140),
            (413, 149),
            (500, 146),
        ];
        for (code, size) in cases {
            assert_eq!(error_page(code).len(), size, "{code}");
        }
        assert_eq!(
            error_page(404),
            "<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n<h1>Error response</h1>\r\n\
             <p>Error code 404.\r\n<p>Message: Not Found.\r\n</body>\r\n"
        );
    }

    #[test]
    fn formats_http_dates() {
        let cases = [
            (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
            (784111777, "Sun, 06 Nov 1994 08:49:37 GMT"),
            (1795502598, "Tue, 24 Nov 2026 06:43:18 GMT"),
        ];
        for (seconds, expected) in cases {
            assert_eq!(http_date(seconds), expected, "{seconds}");
        }
    }
}
