//! Test doubles for the config layer: a fixed [`Host`] and an in-memory [`FileSource`].

use std::collections::BTreeMap;

use super::host::{Host, PasswdEntry};
use super::parse::{parse_config, FileSource, Loaded};
use super::Diagnostic;

/// A machine with root (0), nobody (65534) and app (1000); `/`, `/tmp` and `/etc` exist; the host is `testhost`.
pub struct FakeHost {
    pub environ: BTreeMap<String, String>,
}

impl Default for FakeHost {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeHost {
    pub fn new() -> Self {
        let environ = [("HOME", "/root"), ("PATH", "/usr/bin:/bin")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        FakeHost { environ }
    }

    fn users() -> [PasswdEntry; 3] {
        let entry = |name: &str, uid, home: &str| PasswdEntry {
            name: name.into(),
            uid,
            gid: uid,
            home: home.into(),
        };
        [
            entry("root", 0, "/root"),
            entry("nobody", 65534, "/nonexistent"),
            entry("app", 1000, "/home/app"),
        ]
    }
}

impl Host for FakeHost {
    fn user_by_name(&self, name: &str) -> Option<PasswdEntry> {
        Self::users().into_iter().find(|user| user.name == name)
    }
    fn user_by_uid(&self, uid: u32) -> Option<PasswdEntry> {
        Self::users().into_iter().find(|user| user.uid == uid)
    }
    fn group_by_name(&self, name: &str) -> Option<u32> {
        Self::users()
            .into_iter()
            .find(|user| user.name == name)
            .map(|user| user.gid)
    }
    fn group_exists(&self, gid: u32) -> bool {
        Self::users().iter().any(|user| user.gid == gid)
    }
    fn is_dir(&self, path: &str) -> bool {
        matches!(
            path.trim_end_matches('/'),
            "" | "/tmp" | "/etc" | "/conf" | "/conf/conf.d"
        )
    }
    fn exists(&self, path: &str) -> bool {
        self.is_dir(path)
    }
    fn node_name(&self) -> String {
        "testhost".into()
    }
    fn environ(&self) -> &BTreeMap<String, String> {
        &self.environ
    }
    fn cwd(&self) -> String {
        "/tmp".into()
    }
    fn tempdir(&self) -> String {
        "/tmp".into()
    }
    fn uid(&self) -> u32 {
        0
    }
}

/// Config files held in memory; globs match by a `*` suffix only (enough for tests).
pub struct MemorySource {
    pub files: BTreeMap<String, String>,
}

impl MemorySource {
    pub fn new(files: &[(&str, &str)]) -> Self {
        MemorySource {
            files: files
                .iter()
                .map(|(path, text)| (path.to_string(), text.to_string()))
                .collect(),
        }
    }
}

impl FileSource for MemorySource {
    fn read_main(&self, path: &str) -> Result<String, String> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| format!("could not find config file {path}"))
    }
    fn read_included(&self, path: &str) -> Option<Result<String, String>> {
        self.files.get(path).cloned().map(Ok)
    }
    fn glob(&self, pattern: &str) -> Vec<String> {
        match pattern.strip_suffix('*') {
            Some(prefix) => self
                .files
                .keys()
                .filter(|path| path.starts_with(prefix))
                .cloned()
                .collect(),
            None => self
                .files
                .keys()
                .filter(|path| *path == pattern)
                .cloned()
                .collect(),
        }
    }
}

/// Parses the in-memory files, the first being the main config.
pub fn parse_files(files: &[(&str, &str)]) -> Result<Loaded, Vec<Diagnostic>> {
    parse_config(files[0].0, &FakeHost::new(), &MemorySource::new(files))
}
