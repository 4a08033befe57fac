//! `echo_supervisord_conf`: prints the sample configuration to stdout and exits 0.
//!
//! Like Supervisor's, it takes no options and ignores its arguments.

use std::io::Write;
use std::process::ExitCode;

use supervisor::config::sample::SAMPLE_CONF;

fn main() -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(SAMPLE_CONF.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that went away (`echo_supervisord_conf | head`) is not worth a message.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("echo_supervisord_conf: cannot write to stdout: {error}");
            ExitCode::FAILURE
        }
    }
}
