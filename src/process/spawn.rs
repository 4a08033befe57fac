//! Starting a child the way Supervisor 4.3.0 does (spec 4.2, 8.5, 8.6): split the command, find the executable
//! and check it in the parent, then fork and, in the child, take a new process group, drop privileges, chdir,
//! set the umask, leave SIGPIPE and SIGXFSZ ignored, let no inherited descriptor past 2 through, and exec.
//!
//! Everything that can allocate or lock (user and group lookups, the environment, C strings, messages) is done
//! before the fork; the `pre_exec` closure only makes async-signal-safe system calls. A failure in the child
//! writes Supervisor's message to its stderr and exits 127, which the state machine sees as a quick exit.
//! It does not reap: the engine's `waitpid(-1)` loop does.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::os::fd::OwnedFd;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use nix::errno::Errno;
use nix::unistd::{AccessFlags, Gid, Uid};

use crate::config::shlex;
use crate::config::ProcessSpec;

/// What the engine needs to start one process.
pub struct SpawnRequest<'a> {
    pub spec: &'a ProcessSpec,
    /// supervisord's own environment, snapshotted at start-up.
    pub base_environment: &'a BTreeMap<String, String>,
    /// The URL children reach supervisord at (`SUPERVISOR_SERVER_URL`), when one is known.
    pub server_url: Option<&'a str>,
}

/// A started child: its pid and the parent's ends of its pipes (non-blocking, close-on-exec).
#[derive(Debug)]
pub struct Spawned {
    pub pid: i32,
    pub stdin: OwnedFd,
    pub stdout: OwnedFd,
    /// `None` with `redirect_stderr`, where the child's stderr is the stdout pipe.
    pub stderr: Option<OwnedFd>,
}

/// The argv and executable a command resolves to, or Supervisor's spawn error text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedCommand {
    /// The path handed to exec: `argv[0]` itself when it holds a `/`, else the first PATH hit.
    pub filename: String,
    /// The arguments, `argv[0]` exactly as written.
    pub argv: Vec<String>,
}

/// Splits the command and finds its executable (spec 4.2). `path` is the PATH to search.
pub fn resolve_command(command: &str, path: &str) -> Result<ResolvedCommand, String> {
    let argv = shlex::split(command)
        .map_err(|error| format!("can't parse command {}: {error}", py_quote(command)))?;
    let Some(program) = argv.first().cloned() else {
        return Err("command is empty".into());
    };
    let filename = if program.contains('/') {
        program.clone()
    } else {
        // The first PATH entry where stat() succeeds wins, executable or not; an empty entry is the cwd.
        path.split(':')
            .map(|dir| {
                if dir.is_empty() {
                    program.clone()
                } else {
                    format!("{dir}/{program}")
                }
            })
            .find(|candidate| std::fs::metadata(candidate).is_ok())
            .unwrap_or_else(|| program.clone())
    };
    let metadata = std::fs::metadata(&filename)
        .map_err(|_| format!("can't find command {}", py_quote(&filename)))?;
    if metadata.is_dir() {
        return Err(format!("command at {} is a directory", py_quote(&filename)));
    }
    if metadata.permissions().mode() & 0o111 == 0 {
        return Err(format!(
            "command at {} is not executable",
            py_quote(&filename)
        ));
    }
    if nix::unistd::access(filename.as_str(), AccessFlags::X_OK).is_err() {
        return Err(format!(
            "no permission to run command {}",
            py_quote(&filename)
        ));
    }
    Ok(ResolvedCommand { filename, argv })
}

/// Supervisor formats these with `%r`.
fn py_quote(text: &str) -> String {
    crate::config::pyrepr::py_repr(text)
}

/// The PATH Supervisor searches: the program's effective `PATH`, else supervisord's, else a fixed default.
pub fn search_path(spec: &ProcessSpec, base_environment: &BTreeMap<String, String>) -> String {
    spec.environment
        .get("PATH")
        .or_else(|| base_environment.get("PATH"))
        .filter(|path| !path.is_empty())
        .cloned()
        .unwrap_or_else(|| "/bin:/usr/bin:/usr/local/bin".into())
}

/// The child's environment (spec 8.6): supervisord's, the `SUPERVISOR_*` variables, then the effective
/// `environment=` (which may override them).
pub fn child_environment(request: &SpawnRequest<'_>) -> BTreeMap<String, String> {
    let spec = request.spec;
    let mut environment = request.base_environment.clone();
    environment.insert("SUPERVISOR_ENABLED".into(), "1".into());
    // A program's own `serverurl` wins over the one computed from the HTTP servers. With neither, Supervisor
    // leaves the variable alone, so a SUPERVISOR_SERVER_URL that supervisord inherited reaches the child.
    if let Some(url) = spec.serverurl.as_deref().or(request.server_url) {
        environment.insert("SUPERVISOR_SERVER_URL".into(), url.to_string());
    }
    environment.insert("SUPERVISOR_PROCESS_NAME".into(), spec.name.clone());
    environment.insert("SUPERVISOR_GROUP_NAME".into(), spec.group.clone());
    environment.extend(spec.environment.iter().map(|(k, v)| (k.clone(), v.clone())));
    environment
}

/// Privileges to drop in the child, resolved in the parent.
struct Privileges {
    uid: Uid,
    gid: Gid,
    groups: Vec<Gid>,
    message: Vec<u8>,
}

/// Supervisor's `drop_privileges` preparation: nothing when already that uid; refused when not root.
fn privileges_for(spec: &ProcessSpec) -> Result<Option<Privileges>, String> {
    let Some(user) = &spec.user else {
        return Ok(None);
    };
    let current = nix::unistd::getuid();
    if current.as_raw() == user.uid {
        return Ok(None);
    }
    if !current.is_root() {
        return Err("Can't drop privilege as nonroot user".into());
    }
    let gid = Gid::from_raw(user.gid);
    let name = CString::new(user.name.clone())
        .map_err(|_| format!("Can't find username {}", user.name))?;
    let groups = nix::unistd::getgrouplist(&name, gid).unwrap_or_else(|_| vec![gid]);
    let message = format!("supervisor: couldn't setuid to {}: ", user.uid).into_bytes();
    Ok(Some(Privileges {
        uid: Uid::from_raw(user.uid),
        gid,
        groups,
        message,
    }))
}

/// Forks and execs the process. `Err` is the `spawnerr` text Supervisor would set (the process goes to BACKOFF).
pub fn spawn(request: &SpawnRequest<'_>) -> Result<Spawned, String> {
    let spec = request.spec;
    let resolved = resolve_command(&spec.command, &search_path(spec, request.base_environment))?;
    let privileges = match privileges_for(spec) {
        Ok(privileges) => privileges,
        // Supervisor discovers this in the child, after the fork: it becomes a quick exit with this text on stderr.
        Err(message) => Some(Privileges {
            uid: Uid::from_raw(u32::MAX),
            gid: Gid::from_raw(u32::MAX),
            groups: Vec::new(),
            message: format!(
                "supervisor: couldn't setuid to {}: {message}\n",
                spec.user.as_ref().map_or(0, |u| u.uid)
            )
            .into_bytes(),
        }),
    };
    let directory = match &spec.directory {
        Some(directory) => Some(
            CString::new(directory.as_bytes())
                .map_err(|_| format!("couldn't chdir to {directory}: invalid path"))?,
        ),
        None => None,
    };
    let chdir_message = spec
        .directory
        .as_ref()
        .map(|dir| format!("supervisor: couldn't chdir to {dir}: ").into_bytes());
    let umask = spec.umask;
    let descriptor_limit = inherited_descriptor_limit();

    let pipe_error = |errno: Errno| match errno {
        Errno::EMFILE | Errno::ENFILE => format!("too many open files to spawn '{}'", spec.name),
        other => format!(
            "unknown error making dispatchers for '{}': {other:?}",
            spec.name
        ),
    };
    let (stdin_read, stdin_write) =
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(pipe_error)?;
    let (stdout_read, stdout_write) =
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(pipe_error)?;
    let (stderr_read, stderr_write) = if spec.redirect_stderr {
        (
            None,
            stdout_write
                .try_clone()
                .map_err(|e| pipe_error(Errno::from_raw(e.raw_os_error().unwrap_or(0))))?,
        )
    } else {
        let (read, write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(pipe_error)?;
        (Some(read), write)
    };
    for fd in [Some(&stdin_write), Some(&stdout_read), stderr_read.as_ref()]
        .into_iter()
        .flatten()
    {
        set_nonblocking(fd);
    }

    let exec = ExecArguments::new(&resolved, &child_environment(request))?;
    // std sets up the pipes and the process group, then runs the closure below, which execs itself: std's own
    // exec is execvp, which glibc retries through /bin/sh on ENOEXEC, where Supervisor's execve fails.
    let mut command = Command::new(&resolved.filename);
    command
        .env_clear()
        .stdin(Stdio::from(stdin_read))
        .stdout(Stdio::from(stdout_write))
        .stderr(Stdio::from(stderr_write))
        .process_group(0);
    // SAFETY: the closure only makes async-signal-safe system calls (setgroups, setgid, setuid, chdir, umask,
    // sigaction, close_range or fcntl, execve, write, _exit) on data prepared before the fork; it allocates nothing
    // and takes no lock.
    unsafe {
        command.pre_exec(move || {
            if let Some(privileges) = &privileges {
                if privileges.uid.as_raw() == u32::MAX {
                    child_fail(&privileges.message, None);
                }
                if nix::unistd::setgroups(&privileges.groups).is_err() {
                    child_fail(
                        &privileges.message,
                        Some(b"Could not set groups of effective user"),
                    );
                }
                if nix::unistd::setgid(privileges.gid).is_err() {
                    child_fail(
                        &privileges.message,
                        Some(b"Could not set group id of effective user"),
                    );
                }
                if let Err(errno) = nix::unistd::setuid(privileges.uid) {
                    child_fail(&privileges.message, Some(errno_name(errno).as_bytes()));
                }
            }
            if let (Some(directory), Some(message)) = (&directory, &chdir_message) {
                if let Err(errno) = nix::unistd::chdir(directory.as_c_str()) {
                    child_fail(message, Some(errno_name(errno).as_bytes()));
                }
            }
            if let Some(mask) = umask {
                nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(
                    mask as nix::libc::mode_t,
                ));
            }
            // Supervisor's children inherit CPython's ignored SIGPIPE and SIGXFSZ.
            let ignore = nix::sys::signal::SigAction::new(
                nix::sys::signal::SigHandler::SigIgn,
                nix::sys::signal::SaFlags::empty(),
                nix::sys::signal::SigSet::empty(),
            );
            let _ = nix::sys::signal::sigaction(nix::sys::signal::Signal::SIGPIPE, &ignore);
            let _ = nix::sys::signal::sigaction(nix::sys::signal::Signal::SIGXFSZ, &ignore);
            close_inherited_descriptors_at_exec(descriptor_limit);
            exec.execve()
        });
    }
    let child =
        command
            .spawn()
            .map_err(|error| match error.raw_os_error().map(Errno::from_raw) {
                Some(Errno::EAGAIN) => format!(
                    "Too many processes in process table to spawn '{}'",
                    spec.name
                ),
                Some(errno) => format!(
                    "unknown error during fork for '{}': {}",
                    spec.name,
                    errno_name(errno)
                ),
                None => format!("unknown error during fork for '{}': {error}", spec.name),
            })?;
    let pid = child.id() as i32;
    // Dropping `Child` neither waits nor kills; the engine reaps every child with waitpid(-1).
    drop(child);
    Ok(Spawned {
        pid,
        stdin: stdin_write,
        stdout: stdout_read,
        stderr: stderr_read,
    })
}

/// What the child hands to execve, built before the fork because the child must not allocate.
struct ExecArguments {
    filename: CString,
    /// Owns the strings `argv_pointers` points into.
    _argv: Vec<CString>,
    /// Owns the strings `envp_pointers` points into.
    _envp: Vec<CString>,
    /// NULL-terminated.
    argv_pointers: Vec<*const nix::libc::c_char>,
    /// NULL-terminated.
    envp_pointers: Vec<*const nix::libc::c_char>,
    /// `supervisor: couldn't exec <argv0>: `, completed with the errno name.
    failure_message: Vec<u8>,
}

// SAFETY: the pointers point into the heap buffers of the CStrings owned by the same value, which are never
// mutated or dropped before it; nothing is shared with another thread but read-only bytes.
unsafe impl Send for ExecArguments {}
// SAFETY: as above; the value is only read.
unsafe impl Sync for ExecArguments {}

impl ExecArguments {
    fn new(
        resolved: &ResolvedCommand,
        environment: &BTreeMap<String, String>,
    ) -> Result<ExecArguments, String> {
        let nul_error = |what: &str| format!("{what} contains a NUL byte");
        let filename =
            CString::new(resolved.filename.as_bytes()).map_err(|_| nul_error("the command"))?;
        let argv = resolved
            .argv
            .iter()
            .map(|arg| CString::new(arg.as_bytes()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| nul_error("the command"))?;
        let envp = environment
            .iter()
            .map(|(key, value)| CString::new(format!("{key}={value}")))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| nul_error("the environment"))?;
        let pointers = |strings: &[CString]| {
            strings
                .iter()
                .map(|string| string.as_ptr())
                .chain(std::iter::once(std::ptr::null()))
                .collect::<Vec<_>>()
        };
        Ok(ExecArguments {
            filename,
            argv_pointers: pointers(&argv),
            envp_pointers: pointers(&envp),
            _argv: argv,
            _envp: envp,
            failure_message: format!("supervisor: couldn't exec {}: ", resolved.argv[0])
                .into_bytes(),
        })
    }

    /// In the child: execve, or Supervisor's failure lines and `_exit(127)`. Never returns.
    fn execve(&self) -> ! {
        // SAFETY: NUL-terminated strings and NULL-terminated pointer arrays, alive for the call.
        unsafe {
            nix::libc::execve(
                self.filename.as_ptr(),
                self.argv_pointers.as_ptr(),
                self.envp_pointers.as_ptr(),
            )
        };
        child_fail(
            &self.failure_message,
            Some(errno_name(Errno::last()).as_bytes()),
        )
    }
}

/// How far the fallback of [`close_inherited_descriptors_at_exec`] goes: the soft RLIMIT_NOFILE (no descriptor can
/// be at or above it; supervisord raised it to at least `minfds`), capped so that a huge limit does not cost
/// millions of system calls per spawn.
fn inherited_descriptor_limit() -> i32 {
    const CAP: u64 = 65_536;
    nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
        .map_or(1024, |(soft, _)| soft.min(CAP) as i32)
}

/// In the child: Supervisor closes descriptors 3 to `minfds - 1` before exec, so that nothing supervisord
/// inherited (from its own parent, a shell or a service manager) leaks into its children. Our own descriptors are
/// all close-on-exec already; this covers inherited ones. They are marked close-on-exec rather than closed, so
/// that std's exec-error pipe keeps working. `close_range` (Linux 5.11) does it in one call; older kernels get a
/// loop of `fcntl`. Both are async-signal-safe.
fn close_inherited_descriptors_at_exec(limit: i32) {
    // SAFETY: a raw close_range system call with plain integer arguments.
    let result = unsafe {
        nix::libc::syscall(
            nix::libc::SYS_close_range,
            3 as nix::libc::c_uint,
            nix::libc::c_uint::MAX,
            nix::libc::CLOSE_RANGE_CLOEXEC,
        )
    };
    if result == 0 {
        return;
    }
    for fd in 3..limit {
        // SAFETY: fcntl on a descriptor number; EBADF for one that is not open is ignored.
        unsafe { nix::libc::fcntl(fd, nix::libc::F_SETFD, nix::libc::FD_CLOEXEC) };
    }
}

fn set_nonblocking(fd: &OwnedFd) {
    use nix::fcntl::{fcntl, FcntlArg, OFlag};
    if let Ok(flags) = fcntl(fd, FcntlArg::F_GETFL) {
        let _ = fcntl(
            fd,
            FcntlArg::F_SETFL(OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK),
        );
    }
}

/// In the child: write Supervisor's failure lines to stderr and `_exit(127)`.
fn child_fail(prefix: &[u8], reason: Option<&[u8]>) -> ! {
    let stderr = unsafe { std::os::fd::BorrowedFd::borrow_raw(2) };
    let _ = nix::unistd::write(stderr, prefix);
    if let Some(reason) = reason {
        let _ = nix::unistd::write(stderr, reason);
        let _ = nix::unistd::write(stderr, b"\n");
    }
    let _ = nix::unistd::write(stderr, b"supervisor: child process was not spawned\n");
    // SAFETY: _exit is async-signal-safe and skips atexit handlers, as a forked child must.
    unsafe { nix::libc::_exit(127) }
}

/// The symbolic name of an errno (`ENOENT`), without allocating.
pub fn errno_name(errno: Errno) -> &'static str {
    match errno {
        Errno::EPERM => "EPERM",
        Errno::ENOENT => "ENOENT",
        Errno::ESRCH => "ESRCH",
        Errno::EINTR => "EINTR",
        Errno::EIO => "EIO",
        Errno::ENXIO => "ENXIO",
        Errno::E2BIG => "E2BIG",
        Errno::ENOEXEC => "ENOEXEC",
        Errno::EBADF => "EBADF",
        Errno::ECHILD => "ECHILD",
        Errno::EAGAIN => "EAGAIN",
        Errno::ENOMEM => "ENOMEM",
        Errno::EACCES => "EACCES",
        Errno::EFAULT => "EFAULT",
        Errno::EBUSY => "EBUSY",
        Errno::EEXIST => "EEXIST",
        Errno::ENOTDIR => "ENOTDIR",
        Errno::EISDIR => "EISDIR",
        Errno::EINVAL => "EINVAL",
        Errno::ENFILE => "ENFILE",
        Errno::EMFILE => "EMFILE",
        Errno::ETXTBSY => "ETXTBSY",
        Errno::ENOSPC => "ENOSPC",
        Errno::EROFS => "EROFS",
        Errno::ENAMETOOLONG => "ENAMETOOLONG",
        Errno::ELOOP => "ELOOP",
        _ => "EUNKNOWN",
    }
}
