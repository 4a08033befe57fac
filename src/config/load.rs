//! The config layer's only IO: reading config files, Python-style globbing for `[include]`, and the real
//! [`Host`] (password database, environment, hostname). Everything it reads is handed to the pure parser.

use std::collections::BTreeMap;
use std::path::Path;

use super::host::{abspath, Host, PasswdEntry};
use super::parse::{parse_config, Diagnostic, FileSource, Loaded};

/// Reads and parses the config at `path` with the real file system and machine.
pub fn load_file(path: &Path) -> Result<Loaded, Vec<Diagnostic>> {
    let host = SystemHost::new();
    load_with_host(&path.to_string_lossy(), &host)
}

/// Reads and parses the config at `path` (kept as given, for messages) against `host`.
pub fn load_with_host(path: &str, host: &dyn Host) -> Result<Loaded, Vec<Diagnostic>> {
    parse_config(path, host, &FsSource)
}

/// Supervisor's search order for a config file when `-c` is absent (spec 1.1), relative to `argv0`.
pub fn default_config_candidates(argv0: &str) -> Vec<String> {
    let here = super::host::dirname(&super::host::dirname(argv0));
    let join = |tail: &str| {
        if here.is_empty() {
            tail.to_string()
        } else {
            format!("{here}/{tail}")
        }
    };
    vec![
        join("etc/supervisord.conf"),
        join("supervisord.conf"),
        "supervisord.conf".into(),
        "etc/supervisord.conf".into(),
        "/etc/supervisord.conf".into(),
        "/etc/supervisor/supervisord.conf".into(),
    ]
}

/// The first candidate that exists (a directory counts, as with `os.path.exists`).
pub fn find_default_config(argv0: &str) -> Result<String, String> {
    let candidates = default_config_candidates(argv0);
    candidates.iter().find(|candidate| Path::new(candidate).exists()).cloned().ok_or_else(|| {
        format!(
            "No config file found at default paths ({}); use the -c option to specify a config file at a different path",
            candidates.join(", ")
        )
    })
}

/// Config files on the real file system.
pub struct FsSource;

impl FileSource for FsSource {
    fn read_main(&self, path: &str) -> Result<String, String> {
        if !Path::new(path).exists() {
            return Err(format!("could not find config file {path}"));
        }
        let bytes =
            std::fs::read(path).map_err(|_| format!("could not read config file {path}"))?;
        String::from_utf8(bytes).map_err(|error| {
            format!(
                "could not read config file {path}: not valid UTF-8 at byte {}",
                error.utf8_error().valid_up_to()
            )
        })
    }

    fn read_included(&self, path: &str) -> Option<Result<String, String>> {
        // configparser's read() skips files it cannot open, directories included.
        let bytes = std::fs::read(path).ok()?;
        Some(String::from_utf8(bytes).map_err(|error| {
            format!(
                "could not read config file {path}: not valid UTF-8 at byte {}",
                error.utf8_error().valid_up_to()
            )
        }))
    }

    fn glob(&self, pattern: &str) -> Vec<String> {
        python_glob(pattern)
    }
}

fn has_magic(text: &str) -> bool {
    text.contains(['*', '?', '['])
}

/// Python's `glob.glob(pattern)` (not recursive): `*` does not match a leading dot unless the pattern has one,
/// components without magic must exist, results come in directory order (callers sort).
pub fn python_glob(pattern: &str) -> Vec<String> {
    if !has_magic(pattern) {
        let exists = std::fs::symlink_metadata(pattern).is_ok()
            || (pattern.ends_with('/') && Path::new(pattern).is_dir());
        return if exists {
            vec![pattern.to_string()]
        } else {
            Vec::new()
        };
    }
    let (dirname, basename) = match pattern.rfind('/') {
        Some(index) => (&pattern[..index], &pattern[index + 1..]),
        None => ("", pattern),
    };
    // `dirname` of "/x" is "/" in Python.
    let dirname = if dirname.is_empty() && pattern.starts_with('/') {
        "/"
    } else {
        dirname
    };
    let directories: Vec<String> = if dirname.is_empty() {
        vec![String::new()]
    } else if has_magic(dirname) {
        python_glob(dirname)
    } else {
        vec![dirname.to_string()]
    };
    let mut results = Vec::new();
    for directory in directories {
        let names = if has_magic(basename) {
            glob_in_dir(&directory, basename)
        } else {
            let candidate = join(&directory, basename);
            let exists = if basename.is_empty() {
                Path::new(&directory).is_dir()
            } else {
                std::fs::symlink_metadata(&candidate).is_ok()
            };
            if exists {
                vec![basename.to_string()]
            } else {
                Vec::new()
            }
        };
        results.extend(names.into_iter().map(|name| join(&directory, &name)));
    }
    results
}

fn join(directory: &str, name: &str) -> String {
    if directory.is_empty() {
        name.to_string()
    } else if directory.ends_with('/') {
        format!("{directory}{name}")
    } else {
        format!("{directory}/{name}")
    }
}

fn glob_in_dir(directory: &str, pattern: &str) -> Vec<String> {
    let Ok(compiled) = glob::Pattern::new(pattern) else {
        return Vec::new();
    };
    let listing = if directory.is_empty() { "." } else { directory };
    let Ok(entries) = std::fs::read_dir(listing) else {
        return Vec::new();
    };
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: false,
    };
    let pattern_hidden = pattern.starts_with('.');
    entries
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| pattern_hidden || !name.starts_with('.'))
        .filter(|name| compiled.matches_with(name, options))
        .collect()
}

/// The machine supervisord runs on.
pub struct SystemHost {
    environ: BTreeMap<String, String>,
    cwd: String,
}

impl SystemHost {
    /// Snapshots the environment and the working directory now.
    pub fn new() -> Self {
        let environ = std::env::vars_os()
            .filter_map(|(key, value)| Some((key.into_string().ok()?, value.into_string().ok()?)))
            .collect();
        let cwd = std::env::current_dir()
            .map(|dir| dir.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "/".into());
        SystemHost { environ, cwd }
    }
}

impl Default for SystemHost {
    fn default() -> Self {
        Self::new()
    }
}

fn passwd_entry(user: nix::unistd::User) -> PasswdEntry {
    PasswdEntry {
        name: user.name,
        uid: user.uid.as_raw(),
        gid: user.gid.as_raw(),
        home: user.dir.to_string_lossy().into_owned(),
    }
}

impl Host for SystemHost {
    fn user_by_name(&self, name: &str) -> Option<PasswdEntry> {
        nix::unistd::User::from_name(name)
            .ok()
            .flatten()
            .map(passwd_entry)
    }

    fn user_by_uid(&self, uid: u32) -> Option<PasswdEntry> {
        nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
            .ok()
            .flatten()
            .map(passwd_entry)
    }

    fn group_by_name(&self, name: &str) -> Option<u32> {
        nix::unistd::Group::from_name(name)
            .ok()
            .flatten()
            .map(|group| group.gid.as_raw())
    }

    fn group_exists(&self, gid: u32) -> bool {
        nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(gid))
            .ok()
            .flatten()
            .is_some()
    }

    fn is_dir(&self, path: &str) -> bool {
        Path::new(&abspath(path, &self.cwd)).is_dir()
    }

    fn exists(&self, path: &str) -> bool {
        Path::new(&abspath(path, &self.cwd)).exists()
    }

    fn node_name(&self) -> String {
        nix::unistd::gethostname()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    fn environ(&self) -> &BTreeMap<String, String> {
        &self.environ
    }

    fn cwd(&self) -> String {
        self.cwd.clone()
    }

    fn tempdir(&self) -> String {
        // tempfile.gettempdir(): TMPDIR, TEMP, TMP, then the usual places, the first that is a directory.
        let from_env = ["TMPDIR", "TEMP", "TMP"]
            .iter()
            .filter_map(|key| self.environ.get(*key).cloned());
        let fallbacks = ["/tmp", "/var/tmp", "/usr/tmp"]
            .iter()
            .map(|dir| dir.to_string());
        from_env
            .chain(fallbacks)
            .find(|dir| Path::new(dir).is_dir())
            .map(|dir| abspath(&dir, &self.cwd))
            .unwrap_or_else(|| self.cwd.clone())
    }

    fn uid(&self) -> u32 {
        nix::unistd::getuid().as_raw()
    }
}
