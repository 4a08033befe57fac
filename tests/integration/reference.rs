//! The reference implementation: Python Supervisor 4.3.0 in a virtualenv that the tests create on first use.
//!
//! The venv lives at `target/ref-venv` (beside the tests' scratch directory), is made with `python3 -m venv` and
//! `pip install supervisor==4.3.0`, and is reused once a marker file says the install finished. Creation is
//! serialized across the threads of one test binary (a `OnceLock`) and across test processes (an exclusive lock on
//! `target/ref-venv.lock`, taken with `flock(2)` through nix because `File::lock` is newer than the crate's
//! rust-version), so parallel runs never see a half-made venv. The differential tests need the
//! reference, so any failure here panics with what went wrong rather than skipping.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use nix::fcntl::{Flock, FlockArg};

/// The Supervisor release the reference venv pins, and so the release supervisor-rs is compared with.
pub const REFERENCE_VERSION: &str = "4.3.0";

/// The venv directory: `<target>/ref-venv`.
pub fn reference_venv() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is target/tmp, so it has a parent")
        .join("ref-venv")
}

/// The reference venv's python, with Supervisor 4.3.0 importable. Creates the venv on first use.
pub fn reference_python() -> PathBuf {
    static READY: OnceLock<PathBuf> = OnceLock::new();
    READY
        .get_or_init(|| {
            let venv = reference_venv();
            ensure_venv(&venv);
            venv.join("bin").join("python")
        })
        .clone()
}

/// A script of the reference venv, e.g. `supervisord` or `supervisorctl`. Creates the venv on first use.
pub fn reference_bin(name: &str) -> PathBuf {
    let python = reference_python();
    python
        .parent()
        .expect("the venv's python is in its bin directory")
        .join(name)
}

fn marker_path(venv: &Path) -> PathBuf {
    venv.join(format!(".supervisor-{REFERENCE_VERSION}-installed"))
}

fn is_ready(venv: &Path) -> bool {
    marker_path(venv).is_file() && venv.join("bin").join("supervisord").is_file()
}

fn ensure_venv(venv: &Path) {
    if is_ready(venv) {
        return;
    }
    let parent = venv
        .parent()
        .expect("the venv path is target/ref-venv, so it has a parent");
    fs::create_dir_all(parent)
        .unwrap_or_else(|error| panic!("cannot create {}: {error}", parent.display()));
    let lock_path = parent.join("ref-venv.lock");
    let lock_file = File::create(&lock_path)
        .unwrap_or_else(|error| panic!("cannot create {}: {error}", lock_path.display()));
    let lock = Flock::lock(lock_file, FlockArg::LockExclusive)
        .unwrap_or_else(|(_, error)| panic!("cannot lock {}: {error}", lock_path.display()));
    // Another process may have finished the install while this one waited for the lock.
    if !is_ready(venv) {
        install(venv);
    }
    // Dropping the guard releases the lock.
    drop(lock);
}

fn install(venv: &Path) {
    let python = venv.join("bin").join("python");
    if !python.is_file() {
        run(
            Command::new("python3").arg("-m").arg("venv").arg(venv),
            "create the reference venv with `python3 -m venv` (is python3 with the venv module installed?)",
        );
    }
    run(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .arg(format!("supervisor=={REFERENCE_VERSION}")),
        "install the reference Supervisor with pip (the differential tests need PyPI access once)",
    );
    let marker = marker_path(venv);
    fs::write(&marker, format!("supervisor=={REFERENCE_VERSION}\n"))
        .unwrap_or_else(|error| panic!("cannot write {}: {error}", marker.display()));
}

fn run(command: &mut Command, what: &str) {
    let shown = format!("{command:?}");
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("cannot {what}: running {shown} failed: {error}"));
    if !output.status.success() {
        panic!(
            "cannot {what}: {shown} exited with {}\nstdout:\n{}\nstderr:\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn reference_venv_runs_supervisor_4_3_0() {
    let output = Command::new(reference_python())
        .args([
            "-c",
            "import supervisor.options, importlib.metadata as m; print(m.version('supervisor'))",
        ])
        .output()
        .expect("run the reference python");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        REFERENCE_VERSION
    );
    assert!(reference_bin("supervisord").is_file());
    assert!(reference_bin("supervisorctl").is_file());
}
