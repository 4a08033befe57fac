//! The terminal side of supervisorctl when stdin is not a terminal (or no line editor is wanted): the console
//! over plain stdin/stdout, Python's `input()` and `getpass()` as they behave there, the stdin line buffer shared
//! with `fg`, and the Ctrl-C flag that `tail -f` and `fg` watch.
//!
//! Owns: reading lines from fd 0 through one buffer (so that `fg` and the shell never lose each other's input),
//! the SIGINT handler installed only while a stream runs (elsewhere Ctrl-C keeps its default meaning), and the
//! password prompt on `/dev/tty` with echo off (or on stderr when there is no terminal, as `getpass` falls back).
//!
//! Does not own: line editing, completion and history (`shell.rs`).

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};

use super::controller::{Console, Input};

static SIGINT_SEEN: AtomicBool = AtomicBool::new(false);
static PASSWORD_WARNING_SHOWN: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_signal: nix::libc::c_int) {
    SIGINT_SEEN.store(true, Ordering::SeqCst);
}

/// Whether Ctrl-C was pressed since the current [`SigintGuard`] was installed.
pub fn interrupted() -> bool {
    SIGINT_SEEN.load(Ordering::SeqCst)
}

/// How many [`SigintGuard`]s are alive: while any is, blocking calls watch for Ctrl-C.
static GUARDS: AtomicUsize = AtomicUsize::new(0);

/// Whether Ctrl-C is being caught (a [`SigintGuard`] is alive) rather than ending the process.
pub fn watching_interrupts() -> bool {
    GUARDS.load(Ordering::SeqCst) > 0
}

/// While alive, SIGINT sets a flag instead of ending the process: Python's `KeyboardInterrupt`, which the shell,
/// `tail -f` and `fg` catch. System calls are not restarted, so a blocking read of stdin returns and sees the flag.
/// Dropping the guard restores what was there before and forgets the Ctrl-C (the code that installed the guard has
/// handled it).
pub struct SigintGuard {
    previous: Option<SigAction>,
}

impl SigintGuard {
    pub fn install() -> SigintGuard {
        SIGINT_SEEN.store(false, Ordering::SeqCst);
        let action = SigAction::new(
            SigHandler::Handler(on_sigint),
            SaFlags::empty(),
            SigSet::empty(),
        );
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        let previous = unsafe { sigaction(Signal::SIGINT, &action) }.ok();
        GUARDS.fetch_add(1, Ordering::SeqCst);
        SigintGuard { previous }
    }
}

impl Drop for SigintGuard {
    fn drop(&mut self) {
        GUARDS.fetch_sub(1, Ordering::SeqCst);
        SIGINT_SEEN.store(false, Ordering::SeqCst);
        if let Some(previous) = &self.previous {
            // SAFETY: restores the disposition sigaction returned, which was valid when it was replaced.
            let _ = unsafe { sigaction(Signal::SIGINT, previous) };
        }
    }
}

/// Lines of fd 0, read through one buffer.
struct StdinLines {
    buffer: Vec<u8>,
    eof: bool,
}

static STDIN: Mutex<StdinLines> = Mutex::new(StdinLines {
    buffer: Vec::new(),
    eof: false,
});

impl StdinLines {
    /// A complete line (without its `\n`), or at end of input the rest, or EOF once nothing is left.
    fn take_line(&mut self) -> Option<Input> {
        if let Some(newline) = self.buffer.iter().position(|byte| *byte == b'\n') {
            let line: Vec<u8> = self.buffer.drain(..=newline).collect();
            return Some(Input::Line(
                String::from_utf8_lossy(&line[..newline]).into_owned(),
            ));
        }
        if self.eof {
            if self.buffer.is_empty() {
                return Some(Input::Eof);
            }
            let rest = std::mem::take(&mut self.buffer);
            return Some(Input::Line(String::from_utf8_lossy(&rest).into_owned()));
        }
        None
    }

    /// One `read(2)` of fd 0 into the buffer; `false` when Ctrl-C interrupted it.
    fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 4096];
        loop {
            // SAFETY: reads into a buffer of the length given.
            let n_read = unsafe { nix::libc::read(0, chunk.as_mut_ptr().cast(), chunk.len()) };
            if n_read > 0 {
                self.buffer.extend_from_slice(&chunk[..n_read as usize]);
                return true;
            }
            let error = std::io::Error::last_os_error();
            if n_read < 0 && error.kind() == std::io::ErrorKind::Interrupted {
                if interrupted() {
                    return false;
                }
                continue;
            }
            self.eof = true;
            return true;
        }
    }
}

/// Python's `sys.stdin.readline()` as `input()` uses it: blocks for a line.
pub fn read_stdin_line() -> Input {
    let mut stdin = STDIN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    loop {
        if let Some(input) = stdin.take_line() {
            return input;
        }
        if !stdin.fill() {
            return Input::Interrupted;
        }
    }
}

/// A line if one is ready within `timeout`, else `None`.
pub fn poll_stdin_line(timeout: Duration) -> Option<Input> {
    let mut stdin = STDIN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(input) = stdin.take_line() {
        return Some(input);
    }
    let mut poll_fd = nix::libc::pollfd {
        fd: 0,
        events: nix::libc::POLLIN,
        revents: 0,
    };
    let timeout_ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
    // SAFETY: one valid pollfd.
    let n_ready = unsafe { nix::libc::poll(&mut poll_fd, 1, timeout_ms) };
    if n_ready > 0 {
        if !stdin.fill() {
            return Some(Input::Interrupted);
        }
        return stdin.take_line();
    }
    None
}

/// Whether fd 0 and fd 1 are both terminals: Python's `input()` uses readline only then.
pub fn stdin_and_stdout_are_terminals() -> bool {
    // SAFETY: isatty has no memory-safety preconditions.
    unsafe { nix::libc::isatty(0) == 1 && nix::libc::isatty(1) == 1 }
}

/// Python's `getpass.getpass(prompt)`: on the controlling terminal with echo off, else (no terminal) the prompt
/// on stderr and the line from stdin, after the warning Python gives.
pub fn read_password(prompt: &str) -> Input {
    if let Ok(tty) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
    {
        if let Some(input) = read_password_on(&tty, prompt) {
            return input;
        }
    }
    let mut stderr = std::io::stderr();
    // Python warns twice: once through `warnings.warn` (shown only the first time, as warnings are by default),
    // then `fallback_getpass` itself every time.
    if !PASSWORD_WARNING_SHOWN.swap(true, Ordering::SeqCst) {
        let _ = stderr.write_all(
            b"getpass.py:91: GetPassWarning: Can not control echo on the terminal.\n  passwd = fallback_getpass(prompt, stream)\n",
        );
    }
    let _ = write!(stderr, "Warning: Password input may be echoed.\n{prompt}");
    let _ = stderr.flush();
    let input = read_stdin_line();
    // An EOF raises before the newline is written.
    if matches!(input, Input::Line(_)) {
        let _ = stderr.write_all(b"\n");
    }
    input
}

/// Reads a password on an open terminal with echo turned off; `None` when the terminal cannot be controlled.
fn read_password_on(tty: &std::fs::File, prompt: &str) -> Option<Input> {
    use std::io::BufRead;
    use std::os::fd::AsRawFd;
    let fd = tty.as_raw_fd();
    // SAFETY: termios is plain data, filled by tcgetattr before use.
    let mut original: nix::libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: fd is open for the life of `tty`.
    if unsafe { nix::libc::tcgetattr(fd, &mut original) } != 0 {
        return None;
    }
    let mut silent = original;
    silent.c_lflag &= !nix::libc::ECHO;
    // SAFETY: as above; TCSAFLUSH as Python's getpass.
    unsafe { nix::libc::tcsetattr(fd, nix::libc::TCSAFLUSH, &silent) };
    let mut writer = tty;
    let _ = writer.write_all(prompt.as_bytes());
    let _ = writer.flush();
    let mut line = String::new();
    let read = std::io::BufReader::new(tty).read_line(&mut line);
    // SAFETY: restores the settings read above.
    unsafe { nix::libc::tcsetattr(fd, nix::libc::TCSAFLUSH, &original) };
    Some(match read {
        // An EOF raises before the newline is written.
        Ok(0) | Err(_) => Input::Eof,
        Ok(_) => {
            let _ = writer.write_all(b"\n");
            Input::Line(line.strip_suffix('\n').unwrap_or(&line).to_string())
        }
    })
}

/// The console over plain stdin and stdout, as Python's `input()` behaves when stdin is not a terminal: the
/// prompt is written (and flushed) to stdout, then a line is read.
#[derive(Default)]
pub struct PlainConsole;

impl Console for PlainConsole {
    fn write_out(&mut self, text: &str) {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(text.as_bytes());
        let _ = stdout.flush();
    }

    fn write_err(&mut self, text: &str) {
        let _ = std::io::stderr().write_all(text.as_bytes());
    }

    fn read_line(&mut self, prompt: &str) -> Input {
        self.write_out(prompt);
        read_stdin_line()
    }

    fn read_password(&mut self, prompt: &str) -> Input {
        read_password(prompt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(chunks: &[&[u8]]) -> Vec<Input> {
        let mut stdin = StdinLines {
            buffer: Vec::new(),
            eof: false,
        };
        let mut seen = Vec::new();
        for chunk in chunks {
            stdin.buffer.extend_from_slice(chunk);
            while let Some(input) = stdin.take_line() {
                seen.push(input);
            }
        }
        stdin.eof = true;
        while let Some(input) = stdin.take_line() {
            let done = input == Input::Eof;
            seen.push(input);
            if done {
                break;
            }
        }
        seen
    }

    #[test]
    fn stdin_lines_like_readline() {
        let line = |text: &str| Input::Line(text.to_string());
        assert_eq!(
            lines(&[b"a\nb", b"c\n\n"]),
            vec![line("a"), line("bc"), line(""), Input::Eof]
        );
        assert_eq!(lines(&[b"last"]), vec![line("last"), Input::Eof]);
        assert_eq!(
            lines(&[b"caf\xc3\xa9\r\n"]),
            vec![line("café\r"), Input::Eof]
        );
        assert_eq!(lines(&[]), vec![Input::Eof]);
    }
}
