//! The man pages and the sample config cover every option the config reader and the command line know.
//!
//! The option tables (`config::options::SECTIONS`, `config::cmdline::OPTIONS`) are the source of truth; these tests
//! fail when an option is added there and not documented, or documented under the wrong section or with another
//! type or default.

use std::process::Command;

use supervisor::config::cmdline::OPTIONS as COMMAND_LINE_OPTIONS;
use supervisor::config::options::{SectionInfo, PROGRAM_OPTIONS, SECTIONS};
use supervisor::config::sample::SAMPLE_CONF;

fn read_man_page(name: &str) -> String {
    let path = format!("{}/man/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("cannot read {path}: {error}"))
}

/// Roff text as a reader sees it: font changes and `\&` removed, `\-` as `-`, surrounding quotes dropped.
fn plain(roff: &str) -> String {
    let mut text = roff.to_string();
    for font in ["\\fB", "\\fI", "\\fR", "\\fP", "\\&"] {
        text = text.replace(font, "");
    }
    text.replace("\\-", "-")
        .trim()
        .trim_matches('"')
        .to_string()
}

/// One `.TP` entry of a man page, with the `.SH` and `.SS` headings it sits under.
#[derive(Debug)]
struct ManEntry {
    heading: String,
    subheading: String,
    tag: String,
    body: Vec<String>,
}

fn man_entries(page: &str) -> Vec<ManEntry> {
    let mut entries: Vec<ManEntry> = Vec::new();
    let mut heading = String::new();
    let mut subheading = String::new();
    // Some(true) right after `.TP` (the next line is the tag); Some(false) while reading that entry's body.
    let mut in_entry: Option<bool> = None;
    for line in page.lines() {
        if let Some(title) = line.strip_prefix(".SH ") {
            heading = plain(title);
            subheading.clear();
            in_entry = None;
        } else if let Some(title) = line.strip_prefix(".SS ") {
            subheading = plain(title);
            in_entry = None;
        } else if line == ".TP" {
            in_entry = Some(true);
        } else if in_entry == Some(true) {
            let tag = line.strip_prefix(".B ").unwrap_or(line);
            entries.push(ManEntry {
                heading: heading.clone(),
                subheading: subheading.clone(),
                tag: plain(tag),
                body: Vec::new(),
            });
            in_entry = Some(false);
        } else if line.starts_with('.') {
            // Any other request (.PP, .IP, .TS, ...) ends the entry's body.
            in_entry = None;
        } else if in_entry == Some(false) {
            let entry = entries.last_mut().expect("an entry is open");
            entry.body.push(plain(line));
        }
    }
    entries
}

/// The text of one `.SH` section of a man page, up to the next `.SH`.
fn man_section<'page>(page: &'page str, title: &str) -> &'page str {
    let start_marker = format!(".SH \"{title}\"\n");
    let start = page
        .find(&start_marker)
        .unwrap_or_else(|| panic!("no section {title}"));
    let rest = &page[start + start_marker.len()..];
    let end = rest.find("\n.SH ").map_or(rest.len(), |offset| offset + 1);
    &rest[..end]
}

/// Options that a section may document beyond its own: the program-type sections take every `[program:x]` option.
fn also_allowed(section: &SectionInfo) -> &'static [supervisor::config::options::OptionInfo] {
    match section.header {
        "[eventlistener:x]" | "[fcgi-program:x]" => PROGRAM_OPTIONS,
        _ => &[],
    }
}

#[test]
fn conf_man_page_documents_every_option_under_its_section_with_type_and_default() {
    let page = read_man_page("supervisord.conf.5");
    let entries = man_entries(&page);
    for section in SECTIONS {
        let subsection_count = page
            .lines()
            .filter(|line| line.strip_prefix(".SS ").map(plain).as_deref() == Some(section.header))
            .count();
        assert_eq!(
            subsection_count, 1,
            "{} needs exactly one .SS heading",
            section.header
        );
        let section_entries: Vec<&ManEntry> = entries
            .iter()
            .filter(|entry| entry.heading == "SECTIONS" && entry.subheading == section.header)
            .collect();
        for option in section.options {
            let documented = section_entries
                .iter()
                .find(|entry| entry.tag == option.key)
                .unwrap_or_else(|| panic!("{} {} is not documented", section.header, option.key));
            let type_line = format!("Type: {}.", option.datatype);
            let default_line = format!("Default: {}.", option.default);
            assert!(
                documented.body.contains(&type_line),
                "{} {}: expected the line {type_line:?} in {:?}",
                section.header,
                option.key,
                documented.body
            );
            assert!(
                documented.body.contains(&default_line),
                "{} {}: expected the line {default_line:?} in {:?}",
                section.header,
                option.key,
                documented.body
            );
        }
        for entry in &section_entries {
            let known = section
                .options
                .iter()
                .chain(also_allowed(section))
                .any(|option| option.key == entry.tag);
            assert!(
                known,
                "{} documents an unknown option {:?}",
                section.header, entry.tag
            );
        }
    }
}

#[test]
fn supervisord_man_page_documents_every_command_line_option() {
    let page = read_man_page("supervisord.8");
    let entries = man_entries(&page);
    for option in COMMAND_LINE_OPTIONS {
        let spellings: Vec<String> = option
            .short
            .map(|short| format!("-{short}"))
            .into_iter()
            .chain(option.long.map(|long| format!("--{long}")))
            .collect();
        let documented = entries.iter().any(|entry| {
            let words: Vec<&str> = entry
                .tag
                .split(|c: char| c.is_whitespace() || c == ',' || c == '=')
                .collect();
            entry.heading == "OPTIONS"
                && spellings
                    .iter()
                    .all(|spelling| words.contains(&spelling.as_str()))
        });
        assert!(
            documented,
            "no OPTIONS entry in supervisord.8 names {spellings:?}"
        );
    }
}

#[test]
fn supervisord_man_page_covers_signals_and_exit_status() {
    let page = read_man_page("supervisord.8");
    let entries = man_entries(&page);
    let tags_under = |heading: &str| -> String {
        entries
            .iter()
            .filter(|entry| entry.heading == heading)
            .map(|entry| entry.tag.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let signals = tags_under("SIGNALS");
    for signal in ["SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR2"] {
        assert!(
            signals.contains(signal),
            "SIGNALS lacks {signal}: {signals}"
        );
    }
    assert_eq!(tags_under("EXIT STATUS"), "0 2");
}

#[test]
fn both_man_pages_carry_the_same_differences_from_supervisor() {
    let conf_page = read_man_page("supervisord.conf.5");
    let daemon_page = read_man_page("supervisord.8");
    let differences = man_section(&conf_page, "DIFFERENCES FROM SUPERVISOR");
    assert_eq!(
        differences,
        man_section(&daemon_page, "DIFFERENCES FROM SUPERVISOR")
    );
    let text = plain(differences);
    for topic in [
        "SIGHUP",
        "update",
        "invalid configuration",
        "--check-config",
        "/dev/stdout",
        "config_watch",
        "POST",
        "/metrics",
    ] {
        assert!(
            text.contains(topic),
            "DIFFERENCES FROM SUPERVISOR lacks {topic}"
        );
    }
}

#[test]
fn echo_supervisord_conf_prints_the_sample() {
    let output = Command::new(env!("CARGO_BIN_EXE_echo_supervisord_conf"))
        .output()
        .expect("run echo_supervisord_conf");
    assert!(output.status.success(), "exit status {:?}", output.status);
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
    assert!(
        output.stdout == SAMPLE_CONF.as_bytes(),
        "stdout is not SAMPLE_CONF"
    );
}

/// One option line of the sample, commented out or not, with the section header above it.
#[derive(Debug, PartialEq)]
struct SampleOption {
    section: String,
    key: String,
    commented: bool,
}

fn sample_options(sample: &str) -> Vec<SampleOption> {
    let mut options = Vec::new();
    let mut section = String::new();
    for line in sample.lines() {
        let commented = line.starts_with(';');
        let text = line.strip_prefix(';').unwrap_or(line);
        if let Some(header) = text.strip_prefix('[') {
            section = header.split(']').next().unwrap_or_default().to_string();
        } else if let Some((key, _value)) = text.split_once('=') {
            let key = key.trim();
            if !key.is_empty() && !key.contains(char::is_whitespace) && !section.is_empty() {
                options.push(SampleOption {
                    section: section.clone(),
                    key: key.to_string(),
                    commented,
                });
            }
        }
    }
    options
}

/// Whether a section name from the sample (`program:theprogramname`) is of the kind a header names (`[program:x]`).
fn is_of_kind(sample_section: &str, header: &str) -> bool {
    let kind = header.trim_start_matches('[').trim_end_matches(']');
    match kind.strip_suffix('x') {
        Some(prefix) if prefix.ends_with(':') => sample_section.starts_with(prefix),
        _ => sample_section == kind,
    }
}

#[test]
fn sample_shows_every_option_under_its_section() {
    let options = sample_options(SAMPLE_CONF);
    for section in SECTIONS {
        assert!(
            options
                .iter()
                .any(|option| is_of_kind(&option.section, section.header)),
            "the sample has no {} section",
            section.header
        );
        for option in section.options {
            let shown = options
                .iter()
                .any(|shown| is_of_kind(&shown.section, section.header) && shown.key == option.key);
            assert!(shown, "the sample lacks {} {}", section.header, option.key);
        }
    }
}

/// The additions to Supervisor's sample are all commented out: the settings in force are Supervisor's own.
#[test]
fn sample_sets_only_what_supervisors_sample_sets() {
    let in_force: Vec<String> = sample_options(SAMPLE_CONF)
        .into_iter()
        .filter(|option| !option.commented)
        .map(|option| format!("{}.{}", option.section, option.key))
        .collect();
    let expected = [
        "unix_http_server.file",
        "supervisord.logfile",
        "supervisord.logfile_maxbytes",
        "supervisord.logfile_backups",
        "supervisord.loglevel",
        "supervisord.pidfile",
        "supervisord.nodaemon",
        "supervisord.silent",
        "supervisord.minfds",
        "supervisord.minprocs",
        "rpcinterface:supervisor.supervisor.rpcinterface_factory",
        "supervisorctl.serverurl",
    ];
    assert_eq!(in_force, expected);
}
