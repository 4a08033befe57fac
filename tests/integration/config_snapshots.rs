//! The rendered desired state of every config in fixtures/config/diff/, against the `expected.txt` beside it.
//! These pin our own output without the reference (the differential test compares the same configs with it).
//! Run with `UPDATE_EXPECT=1` to rewrite the files after a deliberate change.

use std::path::Path;

use supervisor::config::load::load_file;
use supervisor::config::render::render_desired;

use crate::differential_config::{diff_cases_dir, set_extra_environment};

/// Machine-dependent text replaced by placeholders: the case directory and the host name.
fn normalise(text: &str, case_dir: &Path) -> String {
    let host = nix::unistd::gethostname()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text = text.replace(&case_dir.to_string_lossy().into_owned(), "$HERE");
    if host.is_empty() {
        text
    } else {
        text.replace(&host, "$HOST")
    }
}

#[test]
fn rendered_desired_states_match_their_snapshots() {
    set_extra_environment();
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut cases: Vec<_> = std::fs::read_dir(diff_cases_dir())
        .expect("diff cases")
        .filter_map(Result::ok)
        .collect();
    cases.sort_by_key(|entry| entry.file_name());
    let mut failures = Vec::new();
    for case in cases {
        let dir = case.path();
        let loaded = match load_file(&dir.join("supervisord.conf")) {
            Ok(loaded) => loaded,
            Err(errors) => {
                failures.push(format!("{}: rejected: {errors:?}", dir.display()));
                continue;
            }
        };
        let rendered = normalise(&render_desired(&loaded.desired), &dir);
        let expected_path = dir.join("expected.txt");
        if update {
            std::fs::write(&expected_path, &rendered).expect("write snapshot");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != rendered {
            let diff = similar::TextDiff::from_lines(&expected, &rendered)
                .unified_diff()
                .header("expected.txt", "ours")
                .to_string();
            failures.push(format!("{}:\n{diff}", dir.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
