//! The child log file writer with Supervisor's rotation rule (`*_logfile_maxbytes`, `*_logfile_backups`).
//!
//! A port of `loggers.FileHandler` and `loggers.RotatingFileHandler` (Supervisor 4.3.0) for raw child output: every
//! write goes to the file at once, with no buffering, timestamps or added newlines. After each write, when the file
//! has reached `maxbytes` (and `maxbytes > 0`), it rotates: `f.(N-1)` .. `f.1` shift up one, `f` becomes `f.1`, and a
//! new empty `f` is opened. So a file can exceed `maxbytes` by one write, and rotation never splits a write.
//!
//! An OS adapter (std::fs). It does not own the pipes, choose file names (AUTO logs are named elsewhere) or decide
//! when to reopen or clear; the output path and the engine call [`RotatingFile::reopen`] on SIGUSR2 and
//! [`RotatingFile::clear`] for `clearProcessLogs`.
//!
//! Deliberate difference: a target that is not a regular file (`/dev/stdout`, a FIFO, `/dev/null`) never rotates.
//! Supervisor calls `tell()` there, which fails with "Illegal seek" on pipes and terminals and closes the channel,
//! and stays 0 on `/dev/null`; renaming a device or FIFO away would be wrong in any case.

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, Write};
use std::path::{Path, PathBuf};

/// A failed operation on a log file, with the path it concerned.
#[derive(Debug, thiserror::Error)]
pub enum LogFileError {
    #[error("cannot open log file {path}: {source}")]
    Open { path: PathBuf, source: io::Error },
    #[error("cannot write log file {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
    /// A rename during rotation failed. The file was reopened in append mode, so nothing written is lost.
    #[error("cannot rotate log file {path}: {source}")]
    Rotate { path: PathBuf, source: io::Error },
    #[error("cannot remove log file {path}: {source}")]
    Remove { path: PathBuf, source: io::Error },
}

/// How the file is (re)opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpenMode {
    /// `'ab'`: the normal mode, at spawn and on reopen.
    Append,
    /// `'wb'`: a fresh file after rotation, and Supervisor's fallback when append mode fails with ESPIPE.
    Truncate,
}

/// One open child log file (one channel of one process).
#[derive(Debug)]
pub struct RotatingFile {
    path: PathBuf,
    /// `*_logfile_maxbytes`, default 50MB. `<= 0` never rotates. Supervisor 4.3.0 writes nothing at all for a
    /// negative value (its handler opens the file in text mode, then every bytes write fails); we append as for 0.
    maxbytes: i64,
    /// `*_logfile_backups`, default 10. `<= 0` keeps no backups: rotation only truncates.
    backups: i64,
    /// `None` after a failed reopen; the next write tries to open the file again.
    file: Option<File>,
    /// The mode `reopen` uses: append, unless opening in append mode failed with ESPIPE (as in Supervisor).
    reopen_mode: OpenMode,
    /// Whether the file is a regular file, the only kind that rotates.
    rotatable: bool,
    /// The file's size as far as we know: its length when opened plus what we wrote since. It only says when to
    /// ask the OS for the real position, which is what decides a rotation (another writer may have appended, or
    /// someone may have truncated the file).
    size: u64,
}

impl RotatingFile {
    /// Opens `path` in append mode, creating it with mode 0666 & ~umask.
    pub fn open(
        path: impl Into<PathBuf>,
        maxbytes: i64,
        backups: i64,
    ) -> Result<Self, LogFileError> {
        let mut rotating_file = RotatingFile {
            path: path.into(),
            maxbytes,
            backups,
            file: None,
            reopen_mode: OpenMode::Append,
            rotatable: false,
            size: 0,
        };
        rotating_file.open_file(OpenMode::Append)?;
        Ok(rotating_file)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Changes `maxbytes` and `backups` in place (they are live options). Takes effect at the next write.
    pub fn set_limits(&mut self, maxbytes: i64, backups: i64) {
        self.maxbytes = maxbytes;
        self.backups = backups;
    }

    /// Writes all of `bytes`, then rotates if the file has reached `maxbytes`. An empty write still checks, as
    /// Supervisor's handler does when `strip_ansi` leaves nothing of a chunk.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), LogFileError> {
        if self.file.is_none() {
            self.open_file(self.reopen_mode)?;
        }
        let file = self.file.as_mut().expect("opened just above");
        file.write_all(bytes)
            .map_err(|source| LogFileError::Write {
                path: self.path.clone(),
                source,
            })?;
        self.size += bytes.len() as u64;
        self.rotate_if_due()
    }

    /// SIGUSR2: close and reopen in append mode, without rotating. A file moved away is recreated.
    pub fn reopen(&mut self) -> Result<(), LogFileError> {
        self.file = None;
        self.open_file(self.reopen_mode)
    }

    /// `clearProcessLogs`: remove the file and open a new empty one. Rotated backups are kept, as in Supervisor
    /// (`FileHandler.remove` unlinks only the base file).
    ///
    /// Deliberate difference: only a regular file (or a symlink to one) is unlinked. Supervisor also unlinks a
    /// device or FIFO path such as `/dev/null` or `/dev/stdout`, which as root deletes the device node or link.
    pub fn clear(&mut self) -> Result<(), LogFileError> {
        self.file = None;
        let is_regular_or_missing = match std::fs::metadata(&self.path) {
            Ok(metadata) => metadata.is_file(),
            Err(_) => true,
        };
        if is_regular_or_missing {
            remove_if_exists(&self.path).map_err(|source| LogFileError::Remove {
                path: self.path.clone(),
                source,
            })?;
        }
        self.open_file(self.reopen_mode)
    }

    fn open_file(&mut self, mode: OpenMode) -> Result<(), LogFileError> {
        let opened = match open_with_mode(&self.path, mode) {
            // Python cannot open special files in append mode because of an implicit seek; Supervisor retries in
            // write mode and keeps that mode for later reopens. Opening does not seek here, so this is only a
            // safeguard that keeps the same rule.
            Err(error)
                if mode == OpenMode::Append
                    && error.raw_os_error() == Some(nix::errno::Errno::ESPIPE as i32) =>
            {
                self.reopen_mode = OpenMode::Truncate;
                open_with_mode(&self.path, OpenMode::Truncate)
            }
            other => other,
        };
        let open_error = |source| LogFileError::Open {
            path: self.path.clone(),
            source,
        };
        let file = opened.map_err(open_error)?;
        let metadata = file.metadata().map_err(open_error)?;
        self.rotatable = metadata.is_file();
        self.size = if self.rotatable { metadata.len() } else { 0 };
        self.file = Some(file);
        Ok(())
    }

    fn rotate_if_due(&mut self) -> Result<(), LogFileError> {
        if self.maxbytes <= 0 || !self.rotatable {
            return Ok(());
        }
        let maxbytes = self.maxbytes.unsigned_abs();
        if self.size < maxbytes {
            return Ok(());
        }
        // Supervisor's test is `tell() >= maxBytes`. In append mode the position after a write is the end of the
        // file, whoever else wrote to it, so ask for it now that the counted size says a rotation may be due.
        let file = self.file.as_mut().expect("a write just succeeded");
        let Ok(position) = file.stream_position() else {
            return Ok(());
        };
        self.size = position;
        if position < maxbytes {
            return Ok(());
        }
        self.rotate()
    }

    /// `doRollover` after the size check: close, shift the backups, move the file to `.1`, open a new empty file.
    fn rotate(&mut self) -> Result<(), LogFileError> {
        self.file = None;
        match self.shift_backups() {
            Ok(()) => self.open_file(OpenMode::Truncate),
            Err(source) => {
                // Supervisor leaves the channel without a file here. Appending to the file as it is loses nothing.
                self.open_file(OpenMode::Append)?;
                Err(LogFileError::Rotate {
                    path: self.path.clone(),
                    source,
                })
            }
        }
    }

    fn shift_backups(&self) -> io::Result<()> {
        if self.backups <= 0 {
            return Ok(());
        }
        for index in (1..self.backups).rev() {
            let source = backup_path(&self.path, index);
            if source.exists() {
                remove_and_rename(&source, &backup_path(&self.path, index + 1))?;
            }
        }
        remove_and_rename(&self.path, &backup_path(&self.path, 1))
    }
}

fn open_with_mode(path: &Path, mode: OpenMode) -> io::Result<File> {
    let mut options = OpenOptions::new();
    // std creates files with mode 0666, which the kernel reduces by the umask.
    match mode {
        OpenMode::Append => options.append(true).create(true),
        OpenMode::Truncate => options.write(true).create(true).truncate(true),
    };
    options.open(path)
}

/// `f.N`.
fn backup_path(path: &Path, index: i64) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{index}"));
    PathBuf::from(name)
}

/// `removeAndRename`: replace `target` with `source`. A target or source that vanished meanwhile is not an error
/// (a cleanup script may have removed them).
fn remove_and_rename(source: &Path, target: &Path) -> io::Result<()> {
    if target.exists() {
        remove_if_exists(target)?;
    }
    match std::fs::rename(source, target) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

fn remove_if_exists(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;
    use std::os::unix::fs::PermissionsExt;

    /// The files a rotating log leaves: `None` where a file does not exist.
    #[derive(Debug, PartialEq, Eq)]
    struct Files {
        current: Option<Vec<u8>>,
        /// `.1`, `.2`, ... up to the highest index asked for.
        backups: Vec<Option<Vec<u8>>>,
    }

    fn read_files(path: &Path, n_backups: i64) -> Files {
        Files {
            current: std::fs::read(path).ok(),
            backups: (1..=n_backups)
                .map(|index| std::fs::read(backup_path(path, index)).ok())
                .collect(),
        }
    }

    /// Writes each chunk to a new log `maxbytes`/`backups` in a fresh directory, then compares every file.
    fn check(
        maxbytes: i64,
        backups: i64,
        chunks: &[&[u8]],
        expected_current: &[u8],
        expected_backups: &[Option<&[u8]>],
    ) {
        let directory = tempfile::tempdir().expect("tempdir");
        let path = directory.path().join("rot.log");
        let mut log = RotatingFile::open(&path, maxbytes, backups).expect("open");
        for chunk in chunks {
            log.write(chunk).expect("write");
        }
        let expected = Files {
            current: Some(expected_current.to_vec()),
            backups: expected_backups
                .iter()
                .map(|backup| backup.map(<[u8]>::to_vec))
                .collect(),
        };
        assert_eq!(
            read_files(&path, expected_backups.len() as i64),
            expected,
            "maxbytes {maxbytes}, backups {backups}, {} chunks",
            chunks.len()
        );
    }

    #[test]
    fn rotation_rule() {
        let chunk_710 = vec![b'x'; 710];
        // Supervisor's observed example: maxbytes=100 and one 710-byte read.
        check(100, 10, &[&chunk_710], b"", &[Some(&chunk_710), None]);
        // Below the limit nothing happens; reaching it exactly rotates.
        check(10, 3, &[b"123456789"], b"123456789", &[None]);
        check(
            10,
            3,
            &[b"123456789", b"0"],
            b"",
            &[Some(b"1234567890"), None],
        );
        check(
            10,
            3,
            &[b"12345", b"67890", b"ab"],
            b"ab",
            &[Some(b"1234567890"), None],
        );
        // Backups shift up and the oldest falls off: only .1 .. .3 exist.
        check(
            5,
            3,
            &[
                b"chunk-0", b"chunk-1", b"chunk-2", b"chunk-3", b"chunk-4", b"tail",
            ],
            b"tail",
            &[Some(b"chunk-4"), Some(b"chunk-3"), Some(b"chunk-2"), None],
        );
        check(
            5,
            1,
            &[b"chunk-0", b"chunk-1", b"tail"],
            b"tail",
            &[Some(b"chunk-1"), None],
        );
        // backups = 0 (or negative) only truncates.
        check(5, 0, &[b"chunk-0", b"chunk-1", b"tail"], b"tail", &[None]);
        check(5, -1, &[b"chunk-0", b"tail"], b"tail", &[None]);
        // maxbytes <= 0 never rotates. (Supervisor 4.3.0 with a negative value opens the file in text mode and every
        // write then fails with a TypeError, leaving it empty: a bug not worth keeping; we append as for 0.)
        check(
            0,
            10,
            &[b"chunk-0", b"chunk-1", b"chunk-2"],
            b"chunk-0chunk-1chunk-2",
            &[None],
        );
        check(
            -1,
            10,
            &[b"chunk-0", b"chunk-1"],
            b"chunk-0chunk-1",
            &[None],
        );
        // An empty write checks too.
        check(5, 2, &[b"", b"12345", b""], b"", &[Some(b"12345"), None]);
    }

    #[test]
    fn maxbytes_zero_appends_forever() {
        let directory = tempfile::tempdir().expect("tempdir");
        let path = directory.path().join("forever.log");
        std::fs::write(&path, b"before\n").expect("seed");
        let mut log = RotatingFile::open(&path, 0, 10).expect("open");
        let line = [b'y'; 99];
        for _ in 0..1000 {
            log.write(&line).expect("write");
            log.write(b"\n").expect("write");
        }
        let data = std::fs::read(&path).expect("read");
        assert_eq!(data.len(), 7 + 100 * 1000);
        assert!(data.starts_with(b"before\ny"));
        assert!(!backup_path(&path, 1).exists());
    }

    /// Supervisor's loop: only an existing `.i` moves, a gap stays a gap, and backups above `backups` are never
    /// deleted.
    #[test]
    fn shifting_existing_backups() {
        let directory = tempfile::tempdir().expect("tempdir");
        let path = directory.path().join("gaps.log");
        std::fs::write(backup_path(&path, 1), b"old-1").expect("seed");
        std::fs::write(backup_path(&path, 3), b"old-3").expect("seed");
        std::fs::write(backup_path(&path, 4), b"old-4").expect("seed");
        std::fs::write(backup_path(&path, 6), b"old-6").expect("seed");
        let mut log = RotatingFile::open(&path, 3, 4).expect("open");
        log.write(b"new").expect("write");
        let files = read_files(&path, 6);
        let expected = Files {
            current: Some(Vec::new()),
            backups: vec![
                Some(b"new".to_vec()),
                Some(b"old-1".to_vec()),
                None,
                Some(b"old-3".to_vec()),
                None,
                Some(b"old-6".to_vec()),
            ],
        };
        assert_eq!(files, expected);
    }

    /// An existing file over the limit is not rotated when opened, only after the next write.
    #[test]
    fn existing_file_rotates_after_the_next_write() {
        let directory = tempfile::tempdir().expect("tempdir");
        let path = directory.path().join("big.log");
        std::fs::write(&path, [b'b'; 50]).expect("seed");
        let mut log = RotatingFile::open(&path, 10, 2).expect("open");
        assert_eq!(std::fs::read(&path).expect("read").len(), 50);
        assert!(!backup_path(&path, 1).exists());
        log.write(b"!").expect("write");
        assert_eq!(
            std::fs::read(backup_path(&path, 1)).expect("read .1").len(),
            51
        );
        assert_eq!(std::fs::read(&path).expect("read"), b"");
    }

    /// The real position decides: after an outside truncation (logrotate's copytruncate) the counted size is too
    /// high, and the file must not rotate early.
    #[test]
    fn outside_truncation_does_not_rotate_early() {
        let directory = tempfile::tempdir().expect("tempdir");
        let path = directory.path().join("truncated.log");
        let mut log = RotatingFile::open(&path, 100, 2).expect("open");
        log.write(&[b'a'; 60]).expect("write");
        File::options()
            .write(true)
            .open(&path)
            .and_then(|file| file.set_len(0))
            .expect("truncate");
        log.write(&[b'b'; 50]).expect("write");
        assert_eq!(std::fs::read(&path).expect("read"), vec![b'b'; 50]);
        assert!(!backup_path(&path, 1).exists());
        log.write(&[b'c'; 50]).expect("write");
        assert_eq!(
            std::fs::read(backup_path(&path, 1)).expect("read .1").len(),
            100
        );
    }

    /// Another writer appending to the same file counts once the counted size says to look.
    #[test]
    fn another_writer_counts_at_the_check() {
        let directory = tempfile::tempdir().expect("tempdir");
        let path = directory.path().join("shared.log");
        let mut ours = RotatingFile::open(&path, 100, 2).expect("open");
        let mut theirs = OpenOptions::new().append(true).open(&path).expect("open");
        ours.write(&[b'a'; 60]).expect("write");
        theirs.write_all(&[b'z'; 60]).expect("write");
        ours.write(&[b'a'; 40]).expect("write");
        assert_eq!(
            std::fs::read(backup_path(&path, 1)).expect("read .1").len(),
            160
        );
        assert_eq!(std::fs::read(&path).expect("read"), b"");
    }

    #[test]
    fn created_with_mode_0666_less_umask() {
        let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
        let umask_field = status
            .lines()
            .find_map(|line| line.strip_prefix("Umask:"))
            .expect("Umask line");
        let umask = u32::from_str_radix(umask_field.trim(), 8).expect("octal umask");
        let directory = tempfile::tempdir().expect("tempdir");
        let path = directory.path().join("mode.log");
        let mut log = RotatingFile::open(&path, 5, 1).expect("open");
        let mode =
            |path: &Path| std::fs::metadata(path).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o666 & !umask);
        log.write(b"rotate me").expect("write");
        assert_eq!(
            mode(&path),
            0o666 & !umask,
            "the file opened after rotation"
        );
    }

    #[test]
    fn reopen_after_the_file_was_moved_away() {
        let directory = tempfile::tempdir().expect("tempdir");
        let path = directory.path().join("moved.log");
        let moved = directory.path().join("moved.log.old");
        let mut log = RotatingFile::open(&path, 0, 0).expect("open");
        log.write(b"first ").expect("write");
        std::fs::rename(&path, &moved).expect("move away");
        // Until the reopen, output follows the open file.
        log.write(b"second ").expect("write");
        log.reopen().expect("reopen");
        log.write(b"third").expect("write");
        assert_eq!(std::fs::read(&moved).expect("read moved"), b"first second ");
        assert_eq!(std::fs::read(&path).expect("read"), b"third");
    }

    #[test]
    fn reopen_appends_without_rotating() {
        let directory = tempfile::tempdir().expect("tempdir");
        let path = directory.path().join("reopen.log");
        let mut log = RotatingFile::open(&path, 10, 2).expect("open");
        log.write(b"12345").expect("write");
        log.reopen().expect("reopen");
        log.write(b"6789").expect("write");
        assert_eq!(std::fs::read(&path).expect("read"), b"123456789");
        // The size is relearned at reopen, so the limit still holds across it.
        log.write(b"0").expect("write");
        assert_eq!(
            std::fs::read(backup_path(&path, 1)).expect("read .1"),
            b"1234567890"
        );
    }

    #[test]
    fn clear_removes_the_file_and_keeps_backups() {
        let directory = tempfile::tempdir().expect("tempdir");
        let path = directory.path().join("clear.log");
        let mut log = RotatingFile::open(&path, 10, 2).expect("open");
        log.write(b"0123456789").expect("write");
        log.write(b"partial").expect("write");
        // A handle on the old file shows it was unlinked, not truncated.
        let mut old_file = File::open(&path).expect("open old file");
        log.clear().expect("clear");
        let mut old_contents = Vec::new();
        std::io::Read::read_to_end(&mut old_file, &mut old_contents).expect("read old file");
        assert_eq!(old_contents, b"partial");
        assert_eq!(std::fs::read(&path).expect("read"), b"");
        assert_eq!(
            std::fs::read(backup_path(&path, 1)).expect("read .1"),
            b"0123456789"
        );
        log.write(b"after").expect("write");
        assert_eq!(std::fs::read(&path).expect("read"), b"after");
        // Clearing a file someone already deleted is fine.
        std::fs::remove_file(&path).expect("remove");
        log.clear().expect("clear");
        assert_eq!(std::fs::read(&path).expect("read"), b"");
    }

    #[test]
    fn fifo_target_never_rotates() {
        let directory = tempfile::tempdir().expect("tempdir");
        let fifo = directory.path().join("out.fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600))
            .expect("mkfifo");
        // A read-write descriptor held for the whole test: with it the FIFO always has a writer and a reader, so
        // the reader thread cannot see end-of-file while reopen() has the log closed (and the reopen cannot block
        // for want of a reader). Dropped last, it lets the reader finish.
        let keeper = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&fifo)
            .expect("open keeper");
        // The reader's end is opened here, not in its thread: a thread slow to start could otherwise open it after
        // every writer is gone and wait for one forever.
        let mut reader_end = std::fs::File::open(&fifo).expect("open reader end");
        let reader = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut reader_end, &mut bytes).expect("read fifo");
            bytes
        });
        let mut log = RotatingFile::open(&fifo, 1, 3).expect("open fifo");
        let mut expected = Vec::new();
        for index in 0..100 {
            let chunk = format!("line {index}\n");
            log.write(chunk.as_bytes()).expect("write fifo");
            expected.extend_from_slice(chunk.as_bytes());
        }
        log.reopen().expect("reopen fifo");
        log.write(b"after reopen\n").expect("write fifo");
        expected.extend_from_slice(b"after reopen\n");
        log.clear().expect("clear fifo");
        log.write(b"after clear\n").expect("write fifo");
        expected.extend_from_slice(b"after clear\n");
        drop(log);
        drop(keeper);
        assert_eq!(reader.join().expect("reader thread"), expected);
        assert!(fifo.exists(), "the FIFO is never renamed or removed");
        assert!(!backup_path(&fifo, 1).exists());
    }

    /// `/dev/null` reached through a symlink (as `/dev/stdout` is one): writes succeed and nothing is renamed.
    /// The link lives in the temp dir, so a wrong rotation would only move the link.
    #[test]
    fn dev_null_target_never_rotates() {
        let directory = tempfile::tempdir().expect("tempdir");
        let link = directory.path().join("null.log");
        std::os::unix::fs::symlink("/dev/null", &link).expect("symlink");
        let mut log = RotatingFile::open(&link, 1, 3).expect("open /dev/null");
        for _ in 0..10 {
            log.write(b"discarded\n").expect("write /dev/null");
        }
        log.clear().expect("clear");
        log.write(b"discarded\n").expect("write /dev/null");
        assert!(std::fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink());
        assert!(!backup_path(&link, 1).exists());
    }

    #[test]
    fn write_errors_are_reported() {
        let directory = tempfile::tempdir().expect("tempdir");
        let link = directory.path().join("full.log");
        std::os::unix::fs::symlink("/dev/full", &link).expect("symlink");
        let mut log = RotatingFile::open(&link, 0, 0).expect("open /dev/full");
        assert!(matches!(
            log.write(b"no space"),
            Err(LogFileError::Write { .. })
        ));
        let missing_directory = directory.path().join("no-such-dir").join("x.log");
        assert!(matches!(
            RotatingFile::open(&missing_directory, 0, 0),
            Err(LogFileError::Open { .. })
        ));
    }

    /// When a rename fails (here `.1` is a non-empty directory), the error is reported and the file is kept and
    /// appended to: nothing written is lost.
    #[test]
    fn failed_rotation_keeps_the_data() {
        let directory = tempfile::tempdir().expect("tempdir");
        let path = directory.path().join("stuck.log");
        let blocker = backup_path(&path, 1);
        std::fs::create_dir(&blocker).expect("mkdir");
        std::fs::write(blocker.join("inside"), b"x").expect("seed");
        let mut log = RotatingFile::open(&path, 5, 1).expect("open");
        let result = log.write(b"123456");
        assert!(
            matches!(result, Err(LogFileError::Rotate { .. })),
            "{result:?}"
        );
        assert!(matches!(log.write(b"78"), Err(LogFileError::Rotate { .. })));
        assert_eq!(std::fs::read(&path).expect("read"), b"12345678");
        std::fs::remove_dir_all(&blocker).expect("unblock");
        log.write(b"9").expect("write");
        assert_eq!(std::fs::read(&blocker).expect("read .1"), b"123456789");
        assert_eq!(std::fs::read(&path).expect("read"), b"");
    }

    #[test]
    fn set_limits_applies_at_the_next_write() {
        let directory = tempfile::tempdir().expect("tempdir");
        let path = directory.path().join("limits.log");
        let mut log = RotatingFile::open(&path, 0, 0).expect("open");
        log.write(b"0123456789").expect("write");
        log.set_limits(5, 1);
        assert!(!backup_path(&path, 1).exists());
        log.write(b"a").expect("write");
        assert_eq!(
            std::fs::read(backup_path(&path, 1)).expect("read .1"),
            b"0123456789a"
        );
    }

    /// 10,000 numbered chunks of varying sizes through many rotations, against a model of the rule: every file
    /// holds exactly the chunks the rule puts there, so no byte is lost, duplicated or reordered.
    #[test]
    fn many_rotations_lose_and_reorder_nothing() {
        let maxbytes = 1000;
        let backups = 5;
        let directory = tempfile::tempdir().expect("tempdir");
        let path = directory.path().join("many.log");
        let mut log = RotatingFile::open(&path, maxbytes, backups).expect("open");
        let mut all_written = Vec::new();
        let mut model_current = Vec::new();
        let mut model_backups: VecDeque<Vec<u8>> = VecDeque::new();
        for index in 0..10_000usize {
            let chunk = format!("{index}:{}\n", "x".repeat(index % 97));
            log.write(chunk.as_bytes()).expect("write");
            all_written.extend_from_slice(chunk.as_bytes());
            model_current.extend_from_slice(chunk.as_bytes());
            if model_current.len() >= maxbytes as usize {
                model_backups.push_front(std::mem::take(&mut model_current));
                model_backups.truncate(backups as usize);
            }
        }
        let files = read_files(&path, backups + 1);
        let mut expected_backups: Vec<Option<Vec<u8>>> =
            model_backups.iter().cloned().map(Some).collect();
        expected_backups.resize(backups as usize + 1, None);
        assert_eq!(files.backups, expected_backups);
        assert_eq!(files.current.as_deref(), Some(model_current.as_slice()));
        // Read back from disk: `.5` .. `.1` then the file are the tail of the input, starting at a chunk boundary.
        let mut concatenated = Vec::new();
        for backup in files.backups.iter().rev().flatten() {
            concatenated.extend_from_slice(backup);
        }
        concatenated.extend_from_slice(files.current.as_deref().unwrap_or_default());
        assert!(all_written.ends_with(&concatenated));
        assert_eq!(
            all_written[all_written.len() - concatenated.len() - 1],
            b'\n'
        );
        assert!(concatenated.len() >= maxbytes as usize * backups as usize);
    }
}
