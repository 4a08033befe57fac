//! `supervisord --check-config` on the invalid configs of fixtures/config/bad/: exit 2, every expected
//! diagnostic with file, line and key, and Supervisor's own words, checked against the reference itself.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::reference::reference_bin;

fn bad_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/config/bad")
}

fn bad_configs() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(bad_dir())
        .expect("fixtures/config/bad exists")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".conf"))
        .collect();
    names.sort();
    names
}

fn our_check(dir: &Path, config: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_supervisord"))
        .args(["--check-config", "-c", config])
        .current_dir(dir)
        .output()
        .expect("run supervisord")
}

/// Lines of stderr with the `Error: ` prefix of each diagnostic's first line removed.
fn diagnostic_lines(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .map(|line| line.strip_prefix("Error: ").unwrap_or(line).to_string())
        .collect()
}

/// The `; expect: ...` lines of a fixture, with `$DIR` standing for the fixture directory; a line ending in `...`
/// is a prefix.
fn expectations(dir: &Path, config: &str) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join(config)).expect("read fixture");
    text.lines()
        .filter_map(|line| line.strip_prefix("; expect: "))
        .map(|line| line.replace("$DIR", &dir.to_string_lossy()))
        .collect()
}

#[test]
fn every_bad_config_is_rejected_with_file_line_and_key() {
    let dir = bad_dir();
    let configs = bad_configs();
    assert!(
        configs.len() >= 20,
        "expected at least 20 invalid configs, found {}",
        configs.len()
    );
    let mut failures = Vec::new();
    for config in &configs {
        let output = our_check(&dir, config);
        let lines = diagnostic_lines(&output.stderr);
        if output.status.code() != Some(2) {
            failures.push(format!("{config}: exit {:?}, want 2", output.status.code()));
        }
        let expected = expectations(&dir, config);
        if expected.is_empty() {
            failures.push(format!("{config}: has no `; expect:` line"));
        }
        for want in expected {
            // A trailing `...` makes the line a prefix (for messages that list the environment).
            let found = match want.strip_suffix("...") {
                Some(prefix) => lines.iter().any(|line| line.starts_with(prefix)),
                None => lines.contains(&want),
            };
            if !found {
                failures.push(format!(
                    "{config}: missing line\n    {want}\n  stderr was:\n    {}",
                    lines.join("\n    ")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Supervisor's message for a config: the text after `Error: ` up to its ` in section '...' (file: '...')`
/// suffix or the `For help` line.
fn reference_message(dir: &Path, config: &str) -> String {
    let output = Command::new(reference_bin("supervisord"))
        .args(["-n", "-c", config])
        .current_dir(dir)
        .output()
        .expect("run the reference supervisord");
    assert_eq!(
        output.status.code(),
        Some(2),
        "the reference accepted {config}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let body = stderr.split("\nFor help, use").next().unwrap_or("");
    let body = body.strip_prefix("Error: ").unwrap_or(body);
    match body.rfind(" in section '") {
        Some(index) if body[index..].contains("(file: ") => body[..index].to_string(),
        _ => body.trim_end_matches('\n').to_string(),
    }
}

#[test]
fn our_messages_carry_the_reference_words() {
    let dir = bad_dir();
    let mut failures = Vec::new();
    for config in bad_configs() {
        let theirs = reference_message(&dir, &config);
        let ours = String::from_utf8_lossy(&our_check(&dir, &config).stderr).into_owned();
        if !ours.contains(&theirs) {
            failures.push(format!(
                "{config}:\n  reference: {theirs}\n  ours:      {ours}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_valid_config_passes_with_a_summary() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/example");
    let output = our_check(&dir, "supervisord.conf");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.starts_with("supervisord.conf: OK: "),
        "summary: {stdout}"
    );
    assert!(
        stdout.contains(" programs, ")
            && stdout.contains(" groups, ")
            && stdout.contains(" files read")
    );
}

#[test]
fn a_missing_config_file_is_a_usage_error() {
    let dir = std::env::temp_dir();
    let output = Command::new(env!("CARGO_BIN_EXE_supervisord"))
        .args(["-c", "/nonexistent-srs/supervisord.conf"])
        .current_dir(dir)
        .output()
        .expect("run supervisord");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("Error: could not find config file /nonexistent-srs/supervisord.conf\n"),
        "{stderr}"
    );
    assert!(stderr.contains("For help, use "), "{stderr}");
}

#[test]
fn the_sample_config_passes_check_config() {
    let sample = Command::new(env!("CARGO_BIN_EXE_echo_supervisord_conf"))
        .output()
        .expect("run echo_supervisord_conf");
    assert_eq!(sample.status.code(), Some(0));
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("supervisord.conf"), &sample.stdout).expect("write sample");
    let output = our_check(dir.path(), "supervisord.conf");
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with("supervisord.conf: OK: 0 programs, 0 processes, 0 groups, 1 files read"),
        "{stdout}"
    );
}
