//! Watching the config files (an OS adapter): the directories of the main file and of every `[include]` pattern
//! are watched (never the files themselves: an editor's rename-save would end a watch on the file), and only
//! paths that are the main file or match an include pattern count. Debouncing is left to the consumer (the
//! binary waits for [`DEBOUNCE`] of quiet): notify-debouncer-full's loop thread wakes every timeout/4 even when
//! nothing happens, and an idle supervisord must not wake at all.

use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

/// How long the files must be quiet before a change is acted on.
pub const DEBOUNCE: Duration = Duration::from_millis(250);

/// A running watch; dropping it stops watching.
pub struct ConfigWatcher {
    _watcher: notify::RecommendedWatcher,
    watched_paths: Vec<String>,
}

impl ConfigWatcher {
    /// The main file and include patterns this watcher was made for.
    pub fn watched_paths(&self) -> &[String] {
        &self.watched_paths
    }
}

/// The directory to watch for a path or glob pattern: its deepest directory without glob characters.
pub fn directory_to_watch(pattern: &str) -> PathBuf {
    let mut directory = PathBuf::from("/");
    let components: Vec<&str> = pattern.split('/').filter(|part| !part.is_empty()).collect();
    let Some((_, parents)) = components.split_last() else {
        return directory;
    };
    for part in parents {
        if part.contains(['*', '?', '[']) {
            break;
        }
        directory.push(part);
    }
    directory
}

/// Whether `path` is one of the watched files: the main file itself or a match of an include pattern.
pub fn is_watched(path: &Path, watched_paths: &[String]) -> bool {
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    watched_paths
        .iter()
        .any(|pattern| match glob::Pattern::new(pattern) {
            Ok(compiled) => compiled.matches_path_with(path, options),
            Err(_) => Path::new(pattern) == path,
        })
}

/// Starts watching; `on_change` runs (on the watcher's thread) for every event that touches a watched file.
pub fn watch_config(
    watched_paths: &[String],
    on_change: impl Fn() + Send + 'static,
) -> Result<ConfigWatcher, String> {
    let patterns = watched_paths.to_vec();
    let handler = move |result: notify::Result<notify::Event>| {
        if let Ok(event) = result {
            // Reading the files (as every reread does) makes access events; only changes count, or each reread
            // would trigger the next.
            let is_change = !matches!(event.kind, notify::EventKind::Access(_));
            if is_change && event.paths.iter().any(|path| is_watched(path, &patterns)) {
                on_change();
            }
        }
    };
    let mut watcher = notify::recommended_watcher(handler).map_err(|error| error.to_string())?;
    let mut directories: Vec<PathBuf> = watched_paths
        .iter()
        .map(|path| directory_to_watch(path))
        .collect();
    directories.sort();
    directories.dedup();
    for directory in directories {
        // A pattern whose directory does not exist yet cannot be watched; the others still are.
        let _ = watcher.watch(&directory, RecursiveMode::NonRecursive);
    }
    Ok(ConfigWatcher {
        _watcher: watcher,
        watched_paths: watched_paths.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_of_patterns() {
        let cases = [
            ("/etc/supervisord.conf", "/etc"),
            ("/etc/supervisor/conf.d/*.conf", "/etc/supervisor/conf.d"),
            ("/etc/sup*/x/*.conf", "/etc"),
            ("/a.conf", "/"),
        ];
        for (pattern, expected) in cases {
            assert_eq!(
                directory_to_watch(pattern),
                PathBuf::from(expected),
                "{pattern}"
            );
        }
    }

    #[test]
    fn watched_files_match_like_python_glob() {
        let watched = [
            "/etc/supervisord.conf".to_string(),
            "/etc/conf.d/*.conf".to_string(),
        ];
        let cases = [
            ("/etc/supervisord.conf", true),
            ("/etc/conf.d/web.conf", true),
            ("/etc/conf.d/.web.conf.swp", false),
            ("/etc/conf.d/web.conf~", false),
            ("/etc/conf.d/sub/web.conf", false),
            ("/etc/other.conf", false),
        ];
        for (path, expected) in cases {
            assert_eq!(is_watched(Path::new(path), &watched), expected, "{path}");
        }
    }
}
