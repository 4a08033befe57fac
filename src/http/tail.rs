//! `tail -f` over HTTP: Supervisor's `tail_f_producer` (spec A.9). The stream starts with the last 1024 bytes
//! of the file, then sends whatever the file grows by, checked every 0.1 s as the reference polls. A file
//! replaced under the same name (rotation, `clear`) is reopened and followed from its start; a file truncated
//! in place yields `==> File truncated <==\n` and is followed from offset 0 (the reference means to do that, but
//! on Python 3 closes the connection instead).
//!
//! It owns the open file, the polling, and noticing that the client left; which file to follow, and the response
//! headers, are the handler's.

use std::fs::File;
use std::future::Future;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use hyper::body::{Body, Frame};
use tokio::time::{Instant, Sleep};

/// How much of the file's end the stream starts with.
pub const TAIL_HEAD_BYTES: u64 = 1024;

/// How often the file is checked for growth (the reference's producer delay).
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// The most one chunk carries; a larger growth goes out as several chunks, one after the other without waiting,
/// so that one burst never sits whole in memory.
const MAX_CHUNK_BYTES: u64 = 64 * 1024;

/// The text sent when the file shrank in place.
pub const TRUNCATED_MESSAGE: &str = "==> File truncated <==\n";

/// An open log file and how far into it the stream has got.
pub struct Follower {
    path: PathBuf,
    file: File,
    inode: u64,
    /// Everything before this offset has been sent (or skipped, at the start).
    offset: u64,
}

impl Follower {
    /// Opens `path`; the stream will start `head` bytes before its current end.
    pub fn open(path: PathBuf, head: u64) -> io::Result<Follower> {
        let (file, inode) = open_log(&path)?;
        let size = file.metadata()?.len();
        Ok(Follower {
            path,
            file,
            inode,
            offset: size.saturating_sub(head),
        })
    }

    /// What to send now: `Some(bytes)` when there is news, `None` when the file has not grown. An error means
    /// the open file can no longer be examined, which ends the stream as the reference ends it.
    pub fn read_new(&mut self) -> io::Result<Option<Vec<u8>>> {
        self.follow_replacement();
        let size = self.file.metadata()?.len();
        if size < self.offset {
            self.offset = 0;
            return Ok(Some(TRUNCATED_MESSAGE.as_bytes().to_vec()));
        }
        if size == self.offset {
            return Ok(None);
        }
        let wanted = (size - self.offset).min(MAX_CHUNK_BYTES);
        let mut buffer = vec![0; wanted as usize];
        let n_read = self.file.read_at(&mut buffer, self.offset)?;
        buffer.truncate(n_read);
        self.offset += n_read as u64;
        Ok((n_read > 0).then_some(buffer))
    }

    /// `tail_f_producer._follow`: when the name now points at another file, reopen it and start from 0. While
    /// the name points at nothing (unlinked, not yet recreated) the old file is kept.
    fn follow_replacement(&mut self) {
        let Ok(metadata) = std::fs::metadata(&self.path) else {
            return;
        };
        if metadata.ino() == self.inode {
            return;
        }
        if let Ok((file, inode)) = open_log(&self.path) {
            self.file = file;
            self.inode = inode;
            self.offset = 0;
        }
    }
}

/// Opens a log for reading without blocking: a FIFO configured as a log file must not stall the open.
fn open_log(path: &PathBuf) -> io::Result<(File, u64)> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits())
        .open(path)?;
    let inode = file.metadata()?.ino();
    Ok((file, inode))
}

/// A second handle on a connection's socket, to notice that the client has gone while a tail has nothing to
/// send. hyper notices it by itself only when its read buffer is empty, and the reference's tail client leaves
/// an extra CRLF there after its request, so without this every `supervisorctl tail -f` that exits would leave a
/// task and two descriptors behind until the log next grew.
pub struct PeerProbe(OwnedFd);

/// The descriptor of the connection a request came on; `super` puts it on every request.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionSocket(pub RawFd);

impl PeerProbe {
    /// Duplicates the connection's descriptor. Only tails take one, so other requests cost no descriptor.
    pub fn new(connection: ConnectionSocket) -> io::Result<PeerProbe> {
        // SAFETY: the descriptor is open for as long as a request on its connection is being answered: the
        // connection's task owns the socket and drops it only after the in-flight request's future.
        let borrowed = unsafe { BorrowedFd::borrow_raw(connection.0) };
        Ok(PeerProbe(borrowed.try_clone_to_owned()?))
    }

    /// Whether the client closed (or reset) its side: a non-blocking peek that consumes nothing hyper would
    /// read. (std's `UnixStream::peek` is not stable, hence recv(2) itself.)
    fn peer_closed(&self) -> bool {
        let mut byte = [0u8; 1];
        // SAFETY: recv(2) writes at most one byte into `byte`, which outlives the call, and the descriptor is
        // owned by this probe for as long as it lives.
        let n_peeked = unsafe {
            nix::libc::recv(
                self.0.as_raw_fd(),
                byte.as_mut_ptr().cast(),
                byte.len(),
                nix::libc::MSG_PEEK | nix::libc::MSG_DONTWAIT,
            )
        };
        match n_peeked {
            0 => true,
            n if n > 0 => false,
            _ => io::Error::last_os_error().kind() != io::ErrorKind::WouldBlock,
        }
    }
}

/// The response body of a log tail: never ends while the client stays.
pub struct TailBody {
    follower: Follower,
    peer: Option<PeerProbe>,
    sleep: Pin<Box<Sleep>>,
}

impl TailBody {
    pub fn new(follower: Follower, peer: Option<PeerProbe>) -> TailBody {
        TailBody {
            follower,
            peer,
            sleep: Box::pin(tokio::time::sleep(POLL_INTERVAL)),
        }
    }
}

impl Body for TailBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        loop {
            match self.follower.read_new() {
                Ok(Some(bytes)) => return Poll::Ready(Some(Ok(Frame::data(Bytes::from(bytes))))),
                Ok(None) => {}
                // The open file cannot be examined any more: the reference ends the stream.
                Err(_) => return Poll::Ready(None),
            }
            if self.peer.as_ref().is_some_and(PeerProbe::peer_closed) {
                // An error, not an end: hyper then drops the connection instead of finishing the response.
                return Poll::Ready(Some(Err(io::Error::from(io::ErrorKind::ConnectionAborted))));
            }
            if self.sleep.as_mut().poll(context).is_pending() {
                return Poll::Pending;
            }
            self.sleep.as_mut().reset(Instant::now() + POLL_INTERVAL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn append(path: &std::path::Path, text: &str) {
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .expect("open for append");
        file.write_all(text.as_bytes()).expect("append");
    }

    /// One step of a follower transcript: a change to the file, then what `read_new` must give.
    enum Step {
        Append(&'static str),
        TruncateTo(u64),
        Replace(&'static str),
        Unlink,
        Expect(Option<&'static str>),
    }

    fn check(initial: &str, head: u64, steps: &[Step]) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("log");
        std::fs::write(&path, initial).expect("write");
        let mut follower = Follower::open(path.clone(), head).expect("open");
        for (index, step) in steps.iter().enumerate() {
            match step {
                Step::Append(text) => append(&path, text),
                Step::TruncateTo(size) => std::fs::OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .and_then(|file| file.set_len(*size))
                    .expect("truncate"),
                Step::Replace(text) => {
                    std::fs::rename(&path, dir.path().join("log.1")).expect("rotate");
                    std::fs::write(&path, text).expect("recreate");
                }
                Step::Unlink => std::fs::remove_file(&path).expect("unlink"),
                Step::Expect(expected) => {
                    let got = follower.read_new().expect("read_new");
                    let got = got.map(|bytes| String::from_utf8(bytes).expect("utf-8"));
                    assert_eq!(got.as_deref(), *expected, "step {index} of {initial:?}");
                }
            }
        }
    }

    #[test]
    fn follows_like_tail_f_producer() {
        use Step::*;
        check(
            "",
            1024,
            &[
                Expect(None),
                Append("a\n"),
                Expect(Some("a\n")),
                Expect(None),
            ],
        );
        check("0123456789", 4, &[Expect(Some("6789")), Expect(None)]);
        check(
            "0123",
            1024,
            &[
                Expect(Some("0123")),
                Append("45"),
                Append("6"),
                Expect(Some("456")),
            ],
        );
        check(
            "0123456789",
            1024,
            &[
                Expect(Some("0123456789")),
                TruncateTo(0),
                Expect(Some(TRUNCATED_MESSAGE)),
                Expect(None),
                Append("new"),
                Expect(Some("new")),
            ],
        );
        check(
            "old\n",
            1024,
            &[
                Expect(Some("old\n")),
                Replace("fresh\n"),
                Expect(Some("fresh\n")),
                Expect(None),
            ],
        );
        // Unlinked and not yet recreated: the old file is kept (and still readable through its descriptor).
        check(
            "old\n",
            1024,
            &[
                Expect(Some("old\n")),
                Unlink,
                Expect(None),
                Append("again\n"),
                Expect(Some("again\n")),
            ],
        );
    }

    #[test]
    fn sends_large_growth_in_bounded_chunks() {
        let big = "x".repeat(MAX_CHUNK_BYTES as usize * 2 + 10);
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("log");
        std::fs::write(&path, "").expect("write");
        let mut follower = Follower::open(path.clone(), TAIL_HEAD_BYTES).expect("open");
        append(&path, &big);
        let sizes: Vec<usize> =
            std::iter::from_fn(|| follower.read_new().expect("read").map(|b| b.len())).collect();
        assert_eq!(
            sizes,
            [MAX_CHUNK_BYTES as usize, MAX_CHUNK_BYTES as usize, 10]
        );
    }
}
