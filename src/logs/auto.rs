//! AUTO child log files: their names (`<process>-<channel>---<identifier>-XXXXXXXX.log` in `childlogdir`,
//! created empty with mode 0600 like `mkstemp`) and the start-up cleanup of earlier runs' files (Supervisor's
//! regex `.+?---<identifier>-\S+\.log\.{0,1}\d{0,4}`, matched at the start of each name).

use std::io::ErrorKind;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Whether `file_name` is an AUTO log of a supervisord with this identifier (or a rotation of one).
pub fn is_auto_log_name(file_name: &str, identifier: &str) -> bool {
    let marker = format!("---{identifier}-");
    // `.+?` needs at least one character before the marker; try every occurrence, as the regex backtracks.
    let mut search_from = 1;
    while let Some(offset) = file_name
        .get(search_from..)
        .and_then(|rest| rest.find(&marker))
    {
        let after = &file_name[search_from + offset + marker.len()..];
        // `\S+\.log`: one or more non-space characters, then `.log`.
        let mut position = 1;
        while let Some(found) = after.get(position..).and_then(|rest| rest.find(".log")) {
            let stem = &after[..position + found];
            if !stem.is_empty() && !stem.chars().any(char::is_whitespace) {
                return true;
            }
            position += found + 1;
        }
        search_from += offset + 1;
    }
    false
}

/// Deletes the AUTO logs of earlier runs from `childlogdir`. Returns the warnings Supervisor would log.
pub fn clear_auto_logs(childlogdir: &Path, identifier: &str) -> Vec<String> {
    let entries = match std::fs::read_dir(childlogdir) {
        Ok(entries) => entries,
        Err(_) => return vec!["Could not clear childlog dir".to_string()],
    };
    let mut warnings = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if is_auto_log_name(&name, identifier) {
            let path = entry.path();
            if std::fs::remove_file(&path).is_err() {
                warnings.push(format!(
                    "Failed to clean up {}",
                    crate::config::pyrepr::py_repr(&path.to_string_lossy())
                ));
            }
        }
    }
    warnings
}

/// Creates a new empty AUTO log file and returns its path.
pub fn create_auto_log(
    childlogdir: &Path,
    process_name: &str,
    channel: &str,
    identifier: &str,
) -> std::io::Result<PathBuf> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789_";
    let mut seed = random_seed();
    for _ in 0..100 {
        let mut suffix = String::with_capacity(8);
        for _ in 0..8 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            suffix.push(ALPHABET[(seed % ALPHABET.len() as u64) as usize] as char);
        }
        let path = childlogdir.join(format!(
            "{process_name}-{channel}---{identifier}-{suffix}.log"
        ));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(_) => return Ok(path),
            Err(error) if error.kind() == ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(error),
        }
    }
    Err(std::io::Error::new(
        ErrorKind::AlreadyExists,
        "no free AUTO log name",
    ))
}

fn random_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mixed = (nanos as u64) ^ (u64::from(std::process::id()) << 32) ^ 0x9e37_79b9_7f4a_7c15;
    mixed | 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_log_names_match_supervisors_regex() {
        let cases = [
            ("web-stdout---supervisor-abc12345.log", true),
            ("web-stdout---supervisor-abc12345.log.1", true),
            ("web-stdout---supervisor-abc12345.log.10", true),
            ("web-stderr---supervisor-x.logs", true),
            ("---supervisor-abc.log", false),
            ("web-stdout---other-abc.log", false),
            ("web-stdout---supervisor-.log", false),
            ("web-stdout---supervisor-a b.log", false),
            ("web.log", false),
            ("a---supervisor-b---supervisor-c.log", true),
        ];
        for (name, expected) in cases {
            assert_eq!(is_auto_log_name(name, "supervisor"), expected, "{name}");
        }
    }

    #[test]
    fn created_files_are_private_and_cleared_later() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let first = create_auto_log(dir.path(), "web", "stdout", "supervisor").expect("create");
        let second = create_auto_log(dir.path(), "web", "stdout", "supervisor").expect("create");
        assert_ne!(first, second);
        let mode = std::fs::metadata(&first)
            .expect("stat")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
        let name = first
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_string();
        assert!(
            name.starts_with("web-stdout---supervisor-")
                && name.ends_with(".log")
                && name.len() == 36,
            "{name}"
        );
        std::fs::write(dir.path().join("keep.log"), b"x").expect("write");
        std::fs::write(dir.path().join(format!("{name}.1")), b"x").expect("write");
        assert!(clear_auto_logs(dir.path(), "supervisor").is_empty());
        let left: Vec<String> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().into_string().expect("utf8"))
            .collect();
        assert_eq!(left, ["keep.log"]);
    }
}
