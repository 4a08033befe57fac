//! Opening the listening sockets as Supervisor opens them (`supervisor_af_unix_http_server`,
//! `supervisor_af_inet_http_server`, `Options.openhttpservers`), with its error messages.
//!
//! A unix socket is bound as `FILE.<pid>`, chmod-ed, then hard-linked to `FILE`; when the link fails because
//! `FILE` exists, the file is probed: if something answers there the address is in use, otherwise the stale file
//! is unlinked and the dance retried. The owner is changed last. A TCP socket is bound with `SO_REUSEADDR` and a
//! backlog of 1024. Serving connections is not this module's concern.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use nix::errno::Errno;
use tokio::net::{TcpListener, TcpSocket, UnixListener, UnixStream};

use crate::config::{InetHttpServerSpec, UnixHttpServerSpec};

/// What `supervisord` says (after `Error: `) when a listener's address is taken.
pub const ADDRESS_IN_USE: &str = "Another program is already listening on a port that one of our HTTP servers is \
                                  configured to use.  Shut this program down first before starting supervisord.";

/// The backlog medusa listens with.
const BACKLOG: u32 = 1024;

/// How long the probe of an existing socket file waits for an answer. The reference waits forever; something
/// that accepted the connection but stays silent is treated as a live server.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long to wait before binding again after unlinking a stale socket file (the reference's pause).
const STALE_RETRY_PAUSE: Duration = Duration::from_millis(300);

/// `openhttpservers`' message for a socket error other than "address in use".
fn socket_error_message(error: &std::io::Error) -> String {
    match error.raw_os_error() {
        Some(code) if code == Errno::EADDRINUSE as i32 => ADDRESS_IN_USE.to_string(),
        Some(code) => format!(
            "Cannot open an HTTP server: socket.error reported errno.{:?} ({code})",
            Errno::from_raw(code)
        ),
        None => format!("Cannot open an HTTP server: socket.error reported {error}"),
    }
}

/// Binds `[inet_http_server]`: an empty host means every interface; a name is resolved and its first IPv4
/// address used (the reference binds an `AF_INET` socket), else its first address.
pub async fn bind_inet(spec: &InetHttpServerSpec) -> Result<TcpListener, String> {
    let address = resolve(&spec.host, spec.port).await?;
    let socket = match address {
        SocketAddr::V4(_) => TcpSocket::new_v4(),
        SocketAddr::V6(_) => TcpSocket::new_v6(),
    }
    .map_err(|error| socket_error_message(&error))?;
    socket
        .set_reuseaddr(true)
        .map_err(|error| socket_error_message(&error))?;
    socket
        .bind(address)
        .map_err(|error| socket_error_message(&error))?;
    socket
        .listen(BACKLOG)
        .map_err(|error| socket_error_message(&error))
}

async fn resolve(host: &str, port: u16) -> Result<SocketAddr, String> {
    if host.is_empty() {
        return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port));
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        // Python's gaierror has no errno name: `socket.error reported -2` (EAI_NONAME).
        .map_err(|error| format!("Cannot open an HTTP server: socket.error reported {error}"))?
        .collect();
    addresses
        .iter()
        .find(|address| address.is_ipv4())
        .or(addresses.first())
        .copied()
        .ok_or_else(|| {
            format!("Cannot open an HTTP server: socket.error reported no address for {host}")
        })
}

/// Binds `[unix_http_server]` (see the module header). The returned path is the socket file to remove at close.
pub async fn bind_unix(spec: &UnixHttpServerSpec) -> Result<(UnixListener, PathBuf), String> {
    let socket_path = PathBuf::from(&spec.file);
    let temporary_path = PathBuf::from(format!("{}.{}", spec.file, std::process::id()));
    let _ = std::fs::remove_file(&temporary_path);
    loop {
        let attempt = bind_and_link(&temporary_path, &socket_path, spec.chmod).await;
        // Whatever happened, the temporary name goes (the reference's `finally`).
        let _ = std::fs::remove_file(&temporary_path);
        match attempt? {
            Some(listener) => {
                change_owner(&socket_path, spec.chown)?;
                return Ok((listener, socket_path));
            }
            None => {
                // Written to stderr, as the reference does, before the main log exists.
                eprintln!("Unlinking stale socket {}", socket_path.display());
                // The reference ignores a failed unlink and loops forever; we report it instead.
                match std::fs::remove_file(&socket_path) {
                    Ok(()) => {}
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                    Err(error) => return Err(socket_error_message(&error)),
                }
                tokio::time::sleep(STALE_RETRY_PAUSE).await;
            }
        }
    }
}

/// One round: bind the temporary name, chmod it, link it to the real name. `Ok(None)` means the real name is
/// held by a stale file that should be removed before trying again.
async fn bind_and_link(
    temporary_path: &Path,
    socket_path: &Path,
    chmod: u32,
) -> Result<Option<UnixListener>, String> {
    let listener =
        UnixListener::bind(temporary_path).map_err(|error| socket_error_message(&error))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(temporary_path, std::fs::Permissions::from_mode(chmod))
        .map_err(|error| socket_error_message(&error))?;
    match std::fs::hard_link(temporary_path, socket_path) {
        Ok(()) => Ok(Some(listener)),
        Err(_) => {
            if socket_in_use(socket_path).await {
                Err(ADDRESS_IN_USE.to_string())
            } else {
                Ok(None)
            }
        }
    }
}

/// `checkused`: connect, send a request, and wait for one byte (or the end of the stream).
async fn socket_in_use(socket_path: &Path) -> bool {
    let probe = async {
        let stream = UnixStream::connect(socket_path).await?;
        let mut request: &[u8] = b"GET / HTTP/1.0\r\n\r\n";
        while !request.is_empty() {
            stream.writable().await?;
            match stream.try_write(request) {
                Ok(n_written) => request = &request[n_written..],
                Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(error) => return Err(error),
            }
        }
        let mut byte = [0u8; 1];
        loop {
            stream.readable().await?;
            match stream.try_read(&mut byte) {
                Ok(_n_read) => return Ok(()),
                Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(error) => return Err(error),
            }
        }
    };
    match tokio::time::timeout(PROBE_TIMEOUT, probe).await {
        Ok(result) => result.is_ok(),
        Err(_elapsed) => true,
    }
}

/// `os.chown(socketname, uid, gid)` when `chown` was configured, with the reference's message for EPERM.
fn change_owner(socket_path: &Path, chown: Option<(u32, i64)>) -> Result<(), String> {
    let Some((uid, gid)) = chown else {
        return Ok(());
    };
    let group = u32::try_from(gid).ok().map(nix::unistd::Gid::from_raw);
    match nix::unistd::chown(socket_path, Some(nix::unistd::Uid::from_raw(uid)), group) {
        Ok(()) => Ok(()),
        Err(Errno::EPERM) => {
            let current_user = nix::unistd::User::from_uid(nix::unistd::geteuid())
                .ok()
                .flatten()
                .map(|user| user.name)
                .unwrap_or_else(|| nix::unistd::geteuid().to_string());
            Err(format!(
                "Not permitted to chown {} to uid/gid ({uid}, {gid}); adjust \"sockchown\" value in config file or \
                 on command line to values that the current user ({current_user}) can successfully chown",
                socket_path.display()
            ))
        }
        Err(errno) => Err(socket_error_message(&std::io::Error::from_raw_os_error(
            errno as i32,
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_socket_errors_like_openhttpservers() {
        let cases = [
            (Errno::EADDRINUSE as i32, ADDRESS_IN_USE.to_string()),
            (
                Errno::EACCES as i32,
                "Cannot open an HTTP server: socket.error reported errno.EACCES (13)".to_string(),
            ),
            (
                Errno::ENOENT as i32,
                "Cannot open an HTTP server: socket.error reported errno.ENOENT (2)".to_string(),
            ),
        ];
        for (code, expected) in cases {
            assert_eq!(
                socket_error_message(&std::io::Error::from_raw_os_error(code)),
                expected
            );
        }
    }
}
