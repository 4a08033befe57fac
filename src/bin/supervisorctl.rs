//! `supervisorctl`: control a supervisord (ours or Python's) over XML-RPC, as Supervisor 4.3.0's supervisorctl.

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    std::process::exit(supervisor::ctl::app::run(&argv));
}
