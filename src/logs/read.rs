//! Reading child and main logs for `readProcessLog`, `readLog` and `tailProcessLog` with Supervisor's arithmetic.
//!
//! Ports of `supervisor.options.readFile` and `tailFile` (4.3.0). An OS adapter: it opens and reads files. It does
//! not decide which file to read or map errors to RPC faults (the RPC layer checks `NO_FILE` first, then maps
//! [`ReadLogError`] to `BAD_ARGUMENTS` / `FAILED`), and it returns bytes: Supervisor's `tailFile` decodes them as
//! UTF-8 before answering, which is the RPC layer's business too.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Why `read_file` gave no data. The names are Supervisor's fault names.
#[derive(Debug, thiserror::Error)]
pub enum ReadLogError {
    /// A negative length, or a negative offset with a non-zero length.
    #[error("BAD_ARGUMENTS")]
    BadArguments,
    /// The file could not be opened, sought or read.
    #[error("FAILED: {path}: {source}")]
    Failed { path: PathBuf, source: io::Error },
}

/// `readFile(filename, offset, length)`.
///
/// | offset | length | result |
/// |---|---|---|
/// | >= 0 | 0 | bytes from offset to the end |
/// | >= 0 | > 0 | up to `length` bytes from offset |
/// | < 0 | 0 | the last `-offset` bytes (the whole file if it is smaller) |
/// | >= 0 | < 0, or < 0 | != 0 | `BadArguments` |
///
/// The file is opened before the arguments are checked, so a missing file with bad arguments is `Failed`, as in
/// Supervisor.
pub fn read_file(path: &Path, offset: i64, length: i64) -> Result<Vec<u8>, ReadLogError> {
    let failed = |source| ReadLogError::Failed {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(failed)?;
    let mut data = Vec::new();
    if offset < 0 {
        if length != 0 {
            return Err(ReadLogError::BadArguments);
        }
        let wanted = offset.unsigned_abs();
        let size = file.seek(SeekFrom::End(0)).map_err(failed)?;
        file.seek(SeekFrom::Start(size.saturating_sub(wanted)))
            .map_err(failed)?;
        file.take(wanted).read_to_end(&mut data).map_err(failed)?;
    } else {
        if length < 0 {
            return Err(ReadLogError::BadArguments);
        }
        file.seek(SeekFrom::Start(offset.unsigned_abs()))
            .map_err(failed)?;
        if length == 0 {
            file.read_to_end(&mut data).map_err(failed)?;
        } else {
            file.take(length.unsigned_abs())
                .read_to_end(&mut data)
                .map_err(failed)?;
        }
    }
    Ok(data)
}

/// The answer of `tailFile`: `[bytes, offset, overflow]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tail {
    pub bytes: Vec<u8>,
    /// The file size, for the client's next request; on an error, the offset as it was when reading stopped.
    pub offset: i64,
    /// The file grew past `offset + length`, so bytes between them were skipped.
    pub overflow: bool,
}

/// `tailFile(filename, offset, length)`: up to `length` bytes ending at the end of the file, moved forward when the
/// file has grown past `offset + length`. Errors are not reported: they give `Tail { bytes: [], offset, overflow:
/// false }`, which is why `tailProcessLog` on a missing file answers `['', 0, false]` with offset 0.
pub fn tail_file(path: &Path, offset: i64, length: i64) -> Tail {
    let unreadable = |offset| Tail {
        bytes: Vec::new(),
        offset,
        overflow: false,
    };
    let Ok(mut file) = File::open(path) else {
        return unreadable(offset);
    };
    let Ok(size) = file.seek(SeekFrom::End(0)) else {
        return unreadable(offset);
    };
    let size = i64::try_from(size).unwrap_or(i64::MAX);
    let range = tail_range(size, offset, length);
    let mut bytes = Vec::new();
    if range.length > 0 {
        let read = file
            .seek(SeekFrom::Start(range.start.unsigned_abs()))
            .and_then(|_| {
                file.take(range.length.unsigned_abs())
                    .read_to_end(&mut bytes)
            });
        if read.is_err() {
            return unreadable(range.start);
        }
    }
    Tail {
        bytes,
        offset: size,
        overflow: range.overflow,
    }
}

/// Where `tailFile` reads, as plain arithmetic on the file size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TailRange {
    start: i64,
    length: i64,
    overflow: bool,
}

/// The arithmetic of `tailFile`, step by step. Python integers do not overflow; XML-RPC integers are 32-bit, so
/// i128 here is more than enough to keep every intermediate exact.
fn tail_range(size: i64, offset: i64, length: i64) -> TailRange {
    let size = i128::from(size);
    let mut offset = i128::from(offset);
    let mut length = i128::from(length);
    let mut overflow = false;
    if size > offset + length {
        overflow = true;
        offset = size - 1;
    }
    if offset + length > size {
        if offset > size - 1 {
            length = 0;
        }
        offset = size - length;
    }
    let clamp = |value: i128| i64::try_from(value.max(0)).unwrap_or(i64::MAX);
    TailRange {
        start: clamp(offset),
        length: clamp(length),
        overflow,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test file's bytes: printable and with a period (37) that no window of interest lines up with.
    fn content(size: usize) -> Vec<u8> {
        let alphabet = b"0123456789abcdefghijklmnopqrstuvwxyz\n";
        (0..size)
            .map(|index| alphabet[index % alphabet.len()])
            .collect()
    }

    #[derive(Debug)]
    enum ExpectedRead {
        /// `(start, length)`: the bytes Supervisor returned are `content[start..start + length]`.
        Bytes(usize, usize),
        BadArguments,
    }
    use ExpectedRead::{BadArguments, Bytes};

    /// `(start, length, offset, overflow)` of `tailFile`'s answer.
    #[derive(Debug)]
    struct Tailed(usize, usize, i64, bool);

    fn check(
        directory: &Path,
        size: usize,
        offset: i64,
        length: i64,
        read: ExpectedRead,
        tail: Tailed,
    ) {
        let path = directory.join(format!("log-{size}"));
        let bytes = content(size);
        if !path.exists() {
            std::fs::write(&path, &bytes).expect("write the test log");
        }
        let label = format!("size {size}, offset {offset}, length {length}");
        match (read_file(&path, offset, length), read) {
            (Ok(data), Bytes(start, len)) => {
                assert_eq!(data, bytes[start..start + len], "readFile {label}")
            }
            (Err(ReadLogError::BadArguments), BadArguments) => {}
            (actual, expected) => panic!("readFile {label}: got {actual:?}, expected {expected:?}"),
        }
        let Tailed(start, len, expected_offset, expected_overflow) = tail;
        assert_eq!(
            tail_file(&path, offset, length),
            Tail {
                bytes: bytes[start..start + len].to_vec(),
                offset: expected_offset,
                overflow: expected_overflow,
            },
            "tailFile {label}"
        );
    }

    /// `(size, offset, length, readFile, tailFile)`, each answer taken from Supervisor 4.3.0's `readFile` and
    /// `tailFile` on a file of the same bytes. Note `(546, 536, 100)`: the tail is the last 100 bytes, not 10.
    #[test]
    fn matches_supervisor_read_file_and_tail_file() {
        let directory = tempfile::tempdir().expect("tempdir");
        #[rustfmt::skip]
        let cases = [
            (546, 0, 0, Bytes(0, 546), Tailed(0, 0, 546, true)),
            (546, 0, 20, Bytes(0, 20), Tailed(526, 20, 546, true)),
            (546, 10, 0, Bytes(10, 536), Tailed(0, 0, 546, true)),
            (546, 10, 20, Bytes(10, 20), Tailed(526, 20, 546, true)),
            (546, 540, 20, Bytes(540, 6), Tailed(526, 20, 546, false)),
            (546, 546, 0, Bytes(0, 0), Tailed(0, 0, 546, false)),
            (546, 546, 10, Bytes(0, 0), Tailed(0, 0, 546, false)),
            (546, 600, 0, Bytes(0, 0), Tailed(0, 0, 546, false)),
            (546, 600, 5, Bytes(0, 0), Tailed(0, 0, 546, false)),
            (546, 5, -1, BadArguments, Tailed(0, 0, 546, true)),
            (546, 0, -10, BadArguments, Tailed(0, 0, 546, true)),
            (546, -5, 0, Bytes(541, 5), Tailed(0, 0, 546, true)),
            (546, -546, 0, Bytes(0, 546), Tailed(0, 0, 546, true)),
            (546, -1000, 0, Bytes(0, 546), Tailed(0, 0, 546, true)),
            (546, -5, 10, BadArguments, Tailed(536, 10, 546, true)),
            (546, -5, -1, BadArguments, Tailed(0, 0, 546, true)),
            (546, -1, 0, Bytes(545, 1), Tailed(0, 0, 546, true)),
            (546, 2147483647, 2147483647, Bytes(0, 0), Tailed(0, 0, 546, false)),
            (546, -2147483648, 0, Bytes(0, 546), Tailed(0, 0, 546, true)),
            (546, 0, 100000, Bytes(0, 546), Tailed(0, 546, 546, false)),
            (546, 536, 100, Bytes(536, 10), Tailed(446, 100, 546, false)),
            (546, 596, 100, Bytes(0, 0), Tailed(0, 0, 546, false)),
            (546, 5, -10, BadArguments, Tailed(0, 0, 546, true)),
            (546, 545, 1, Bytes(545, 1), Tailed(545, 1, 546, false)),
            (546, 545, 0, Bytes(545, 1), Tailed(0, 0, 546, true)),
            (546, 10, -100, BadArguments, Tailed(0, 0, 546, true)),
            (546, -100, -100, BadArguments, Tailed(0, 0, 546, true)),
            (546, 1000, -5, BadArguments, Tailed(0, 0, 546, false)),
            (546, 0, 546, Bytes(0, 546), Tailed(0, 546, 546, false)),
            (546, 0, 545, Bytes(0, 545), Tailed(1, 545, 546, true)),
            (546, 1, 545, Bytes(1, 545), Tailed(1, 545, 546, false)),
            (546, 0, 547, Bytes(0, 546), Tailed(0, 546, 546, false)),
            (546, -1, 1, BadArguments, Tailed(545, 1, 546, true)),
            (546, 300, 246, Bytes(300, 246), Tailed(300, 246, 546, false)),
            (546, 300, 247, Bytes(300, 246), Tailed(299, 247, 546, false)),
            (1, 0, 0, Bytes(0, 1), Tailed(0, 0, 1, true)),
            (1, 0, 20, Bytes(0, 1), Tailed(0, 1, 1, false)),
            (1, 10, 0, Bytes(0, 0), Tailed(0, 0, 1, false)),
            (1, 10, 20, Bytes(0, 0), Tailed(0, 0, 1, false)),
            (1, 540, 20, Bytes(0, 0), Tailed(0, 0, 1, false)),
            (1, 546, 0, Bytes(0, 0), Tailed(0, 0, 1, false)),
            (1, 546, 10, Bytes(0, 0), Tailed(0, 0, 1, false)),
            (1, 600, 0, Bytes(0, 0), Tailed(0, 0, 1, false)),
            (1, 600, 5, Bytes(0, 0), Tailed(0, 0, 1, false)),
            (1, 5, -1, BadArguments, Tailed(0, 0, 1, false)),
            (1, 0, -10, BadArguments, Tailed(0, 0, 1, true)),
            (1, -5, 0, Bytes(0, 1), Tailed(0, 0, 1, true)),
            (1, -546, 0, Bytes(0, 1), Tailed(0, 0, 1, true)),
            (1, -1000, 0, Bytes(0, 1), Tailed(0, 0, 1, true)),
            (1, -5, 10, BadArguments, Tailed(0, 1, 1, false)),
            (1, -5, -1, BadArguments, Tailed(0, 0, 1, true)),
            (1, -1, 0, Bytes(0, 1), Tailed(0, 0, 1, true)),
            (1, 2147483647, 2147483647, Bytes(0, 0), Tailed(0, 0, 1, false)),
            (1, -2147483648, 0, Bytes(0, 1), Tailed(0, 0, 1, true)),
            (1, 0, 100000, Bytes(0, 1), Tailed(0, 1, 1, false)),
            (1, 536, 100, Bytes(0, 0), Tailed(0, 0, 1, false)),
            (1, 596, 100, Bytes(0, 0), Tailed(0, 0, 1, false)),
            (1, 5, -10, BadArguments, Tailed(0, 0, 1, true)),
            (1, 545, 1, Bytes(0, 0), Tailed(0, 0, 1, false)),
            (1, 545, 0, Bytes(0, 0), Tailed(0, 0, 1, false)),
            (1, 10, -100, BadArguments, Tailed(0, 0, 1, true)),
            (1, -100, -100, BadArguments, Tailed(0, 0, 1, true)),
            (1, 1000, -5, BadArguments, Tailed(0, 0, 1, false)),
            (1, 0, 546, Bytes(0, 1), Tailed(0, 1, 1, false)),
            (1, 0, 545, Bytes(0, 1), Tailed(0, 1, 1, false)),
            (1, 1, 545, Bytes(0, 0), Tailed(0, 0, 1, false)),
            (1, 0, 547, Bytes(0, 1), Tailed(0, 1, 1, false)),
            (1, -1, 1, BadArguments, Tailed(0, 1, 1, true)),
            (1, 300, 246, Bytes(0, 0), Tailed(0, 0, 1, false)),
            (1, 300, 247, Bytes(0, 0), Tailed(0, 0, 1, false)),
            (0, 0, 0, Bytes(0, 0), Tailed(0, 0, 0, false)),
            (0, 0, 20, Bytes(0, 0), Tailed(0, 0, 0, false)),
            (0, 10, 0, Bytes(0, 0), Tailed(0, 0, 0, false)),
            (0, 10, 20, Bytes(0, 0), Tailed(0, 0, 0, false)),
            (0, 540, 20, Bytes(0, 0), Tailed(0, 0, 0, false)),
            (0, 546, 0, Bytes(0, 0), Tailed(0, 0, 0, false)),
            (0, 546, 10, Bytes(0, 0), Tailed(0, 0, 0, false)),
            (0, 600, 0, Bytes(0, 0), Tailed(0, 0, 0, false)),
            (0, 600, 5, Bytes(0, 0), Tailed(0, 0, 0, false)),
            (0, 5, -1, BadArguments, Tailed(0, 0, 0, false)),
            (0, 0, -10, BadArguments, Tailed(0, 0, 0, true)),
            (0, -5, 0, Bytes(0, 0), Tailed(0, 0, 0, true)),
            (0, -546, 0, Bytes(0, 0), Tailed(0, 0, 0, true)),
            (0, -1000, 0, Bytes(0, 0), Tailed(0, 0, 0, true)),
            (0, -5, 10, BadArguments, Tailed(0, 0, 0, false)),
            (0, -5, -1, BadArguments, Tailed(0, 0, 0, true)),
            (0, -1, 0, Bytes(0, 0), Tailed(0, 0, 0, true)),
            (0, 2147483647, 2147483647, Bytes(0, 0), Tailed(0, 0, 0, false)),
            (0, -2147483648, 0, Bytes(0, 0), Tailed(0, 0, 0, true)),
            (0, 0, 100000, Bytes(0, 0), Tailed(0, 0, 0, false)),
            (0, 536, 100, Bytes(0, 0), Tailed(0, 0, 0, false)),
            (0, 596, 100, Bytes(0, 0), Tailed(0, 0, 0, false)),
            (0, 5, -10, BadArguments, Tailed(0, 0, 0, true)),
            (0, 545, 1, Bytes(0, 0), Tailed(0, 0, 0, false)),
            (0, 545, 0, Bytes(0, 0), Tailed(0, 0, 0, false)),
            (0, 10, -100, BadArguments, Tailed(0, 0, 0, true)),
            (0, -100, -100, BadArguments, Tailed(0, 0, 0, true)),
            (0, 1000, -5, BadArguments, Tailed(0, 0, 0, false)),
            (0, 0, 546, Bytes(0, 0), Tailed(0, 0, 0, false)),
            (0, 0, 545, Bytes(0, 0), Tailed(0, 0, 0, false)),
            (0, 1, 545, Bytes(0, 0), Tailed(0, 0, 0, false)),
            (0, 0, 547, Bytes(0, 0), Tailed(0, 0, 0, false)),
            (0, -1, 1, BadArguments, Tailed(0, 0, 0, false)),
            (0, 300, 246, Bytes(0, 0), Tailed(0, 0, 0, false)),
            (0, 300, 247, Bytes(0, 0), Tailed(0, 0, 0, false)),
        ];
        for (size, offset, length, read, tail) in cases {
            check(directory.path(), size, offset, length, read, tail);
        }
    }

    #[test]
    fn a_missing_file() {
        let directory = tempfile::tempdir().expect("tempdir");
        let missing = directory.path().join("missing.log");
        // Supervisor: readFile raises FAILED (opening comes before the argument check), tailFile answers
        // ['', offset, False].
        assert!(matches!(
            read_file(&missing, 0, 0),
            Err(ReadLogError::Failed { .. })
        ));
        assert!(matches!(
            read_file(&missing, -5, 3),
            Err(ReadLogError::Failed { .. })
        ));
        assert_eq!(
            tail_file(&missing, 7, 3),
            Tail {
                bytes: Vec::new(),
                offset: 7,
                overflow: false
            }
        );
    }

    #[test]
    fn a_file_that_cannot_seek() {
        let directory = tempfile::tempdir().expect("tempdir");
        let fifo = directory.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600))
            .expect("mkfifo");
        // Keep a writer open so that opening for reading does not block, and nothing is ever written.
        let _writer = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&fifo)
            .expect("open fifo");
        assert_eq!(
            tail_file(&fifo, 0, 10),
            Tail {
                bytes: Vec::new(),
                offset: 0,
                overflow: false
            }
        );
        assert!(matches!(
            read_file(&fifo, -5, 0),
            Err(ReadLogError::Failed { .. })
        ));
    }
}
