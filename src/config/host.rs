//! What the config layer needs to know about the machine, behind a trait so that parsing stays pure.
//!
//! Supervisor checks some values against the system while parsing (users exist, log directories exist, `~`
//! expands to a home directory, `%(ENV_X)s` and `%(host_node_name)s`). The parser asks a [`Host`] for those facts;
//! `load.rs` provides [`SystemHost`], tests provide a fake.

use std::collections::BTreeMap;

/// An entry of the password database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswdEntry {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: String,
}

/// Facts about the machine that parsing depends on.
pub trait Host {
    fn user_by_name(&self, name: &str) -> Option<PasswdEntry>;
    fn user_by_uid(&self, uid: u32) -> Option<PasswdEntry>;
    /// The gid of a group name, if it exists.
    fn group_by_name(&self, name: &str) -> Option<u32>;
    /// Whether a gid exists in the group database.
    fn group_exists(&self, gid: u32) -> bool;
    /// `os.path.isdir`.
    fn is_dir(&self, path: &str) -> bool;
    /// `os.path.exists`.
    fn exists(&self, path: &str) -> bool;
    /// `platform.node()`.
    fn node_name(&self) -> String;
    /// The environment supervisord was started with.
    fn environ(&self) -> &BTreeMap<String, String>;
    /// The current working directory, for making paths absolute.
    fn cwd(&self) -> String;
    /// `tempfile.gettempdir()`.
    fn tempdir(&self) -> String;
    /// The real uid supervisord runs as.
    fn uid(&self) -> u32;
}

/// `os.path.expanduser`: `~` and `~/x` use `$HOME` (else the passwd entry of the current uid is not consulted:
/// Python falls back to it, we fall back to leaving the text alone); `~user/x` uses that user's home.
pub fn expand_user(path: &str, host: &dyn Host) -> String {
    if !path.starts_with('~') {
        return path.to_string();
    }
    let end = path.find('/').unwrap_or(path.len());
    let user = &path[1..end];
    let home = if user.is_empty() {
        host.environ().get("HOME").cloned()
    } else {
        host.user_by_name(user).map(|entry| entry.home)
    };
    match home {
        Some(home) => {
            let home = if home.len() > 1 {
                home.trim_end_matches('/').to_string()
            } else {
                home
            };
            let rest = &path[end..];
            if home == "/" && rest.starts_with('/') {
                rest.to_string()
            } else {
                format!("{home}{rest}")
            }
        }
        None => path.to_string(),
    }
}

/// Python's `os.path.normpath` for absolute or relative POSIX paths.
pub fn normpath(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let leading = if path.starts_with("//") && !path.starts_with("///") {
        "//"
    } else if path.starts_with('/') {
        "/"
    } else {
        ""
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if leading.is_empty() {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    let result = format!("{leading}{joined}");
    if result.is_empty() {
        ".".into()
    } else {
        result
    }
}

/// `os.path.abspath` against a given working directory.
pub fn abspath(path: &str, cwd: &str) -> String {
    if path.starts_with('/') {
        normpath(path)
    } else {
        normpath(&format!("{cwd}/{path}"))
    }
}

/// `os.path.dirname`.
pub fn dirname(path: &str) -> String {
    match path.rfind('/') {
        Some(index) => {
            let head = &path[..=index];
            let trimmed = head.trim_end_matches('/');
            if trimmed.is_empty() {
                head.to_string()
            } else {
                trimmed.to_string()
            }
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normpath_like_python() {
        let cases = [
            ("/a/b/../c", "/a/c"),
            ("a/./b/", "a/b"),
            ("../x", "../x"),
            ("/..", "/"),
            ("", "."),
            ("//a", "//a"),
            ("///a", "/a"),
        ];
        for (input, expected) in cases {
            assert_eq!(normpath(input), expected, "normpath({input:?})");
        }
    }

    #[test]
    fn dirname_like_python() {
        let cases = [
            ("/a/b", "/a"),
            ("a", ""),
            ("/a", "/"),
            ("a//b", "a"),
            ("/", "/"),
        ];
        for (input, expected) in cases {
            assert_eq!(dirname(input), expected, "dirname({input:?})");
        }
    }
}
