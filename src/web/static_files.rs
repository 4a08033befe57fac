//! The static files of the Supervisor look, compiled into the binary: the stylesheet and images of Supervisor
//! 4.3.0's `supervisor/ui/`, unmodified (see `static/LICENSE.txt`).
//!
//! Owns the path-to-bytes table only; the HTTP layer decides caching and headers beyond the content type.

/// (URL path below the server root, content type, bytes).
const ASSETS: [(&str, &str, &[u8]); 8] = [
    (
        "stylesheets/supervisor.css",
        "text/css",
        include_bytes!("static/stylesheets/supervisor.css"),
    ),
    (
        "images/icon.png",
        "image/png",
        include_bytes!("static/images/icon.png"),
    ),
    (
        "images/rule.gif",
        "image/gif",
        include_bytes!("static/images/rule.gif"),
    ),
    (
        "images/state0.gif",
        "image/gif",
        include_bytes!("static/images/state0.gif"),
    ),
    (
        "images/state1.gif",
        "image/gif",
        include_bytes!("static/images/state1.gif"),
    ),
    (
        "images/state2.gif",
        "image/gif",
        include_bytes!("static/images/state2.gif"),
    ),
    (
        "images/state3.gif",
        "image/gif",
        include_bytes!("static/images/state3.gif"),
    ),
    (
        "images/supervisor.gif",
        "image/gif",
        include_bytes!("static/images/supervisor.gif"),
    ),
];

/// The content type and bytes of a static file, by its URL path (`/stylesheets/supervisor.css`; leading slashes
/// are ignored, as Supervisor's router strips them). Anything else, `..` included, is `None`: the table is the
/// whole file system.
pub fn static_asset(path: &str) -> Option<(&'static str, &'static [u8])> {
    let path = path.trim_start_matches('/');
    ASSETS
        .iter()
        .find(|(asset_path, _, _)| *asset_path == path)
        .map(|(_, content_type, bytes)| (*content_type, *bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(path: &str, expected: Option<(&str, &[u8])>) {
        let found = static_asset(path)
            .map(|(content_type, bytes)| (content_type, &bytes[..8.min(bytes.len())]));
        assert_eq!(found, expected, "{path:?}");
    }

    /// (path, (content type, first bytes))
    type AssetCase = (&'static str, Option<(&'static str, &'static [u8])>);

    #[test]
    fn static_assets() {
        let cases: Vec<AssetCase> = vec![
            (
                "/stylesheets/supervisor.css",
                Some(("text/css", b"/* =ORDE")),
            ),
            (
                "stylesheets/supervisor.css",
                Some(("text/css", b"/* =ORDE")),
            ),
            (
                "//stylesheets/supervisor.css",
                Some(("text/css", b"/* =ORDE")),
            ),
            (
                "/images/icon.png",
                Some(("image/png", b"\x89PNG\r\n\x1a\n")),
            ),
            ("/images/rule.gif", Some(("image/gif", b"GIF89aA\x00"))),
            (
                "/images/supervisor.gif",
                Some(("image/gif", b"GIF89a\xf2\x00")),
            ),
            ("/images/state0.gif", Some(("image/gif", b"GIF89a=\x00"))),
            ("/images/nosuch.gif", None),
            ("/images/../stylesheets/supervisor.css", None),
            ("/stylesheets/supervisor.css?v=1", None),
            ("/index.html", None),
            ("", None),
        ];
        for (path, expected) in cases {
            check(path, expected);
        }
    }

    #[test]
    fn every_asset_is_referenced_by_the_stylesheet_or_the_page() {
        let (_, css) = static_asset("stylesheets/supervisor.css").expect("stylesheet");
        let css = std::str::from_utf8(css).expect("utf-8 stylesheet");
        let page = include_str!("templates/status.html");
        for (path, _, bytes) in ASSETS {
            assert!(!bytes.is_empty(), "{path} is empty");
            let name = path.rsplit('/').next().expect("file name");
            // state1.gif is shipped by Supervisor but no longer used by its stylesheet.
            if name != "state1.gif" {
                assert!(
                    css.contains(name) || page.contains(path),
                    "{path} is not used"
                );
            }
        }
    }
}
