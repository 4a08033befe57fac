//! The web UI through our daemon: the status page lists every process, a POST from the same origin stops a
//! program, and neither a cross-site GET to an action URL nor a cross-site POST changes anything.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;

use crate::harness::{alive, spawned_pid, Daemon, Flavor};

/// One HTTP/1.0 request over the daemon's unix socket; the whole response.
fn request(daemon: &Daemon, raw: &str) -> String {
    let mut stream = UnixStream::connect(daemon.path("supervisor.sock")).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .expect("timeout");
    stream.write_all(raw.as_bytes()).expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read");
    String::from_utf8_lossy(&response).into_owned()
}

const CONFIG: &str = "[unix_http_server]\nfile={dir}/supervisor.sock\n\
                      [program:web]\ncommand=/bin/sleep 600\nstartsecs=0\n\
                      [program:db]\ncommand=/bin/sleep 601\nstartsecs=0\n";

#[test]
fn the_status_page_lists_processes_and_post_actions_need_the_same_origin() {
    let mut daemon = Daemon::start(Flavor::Ours, CONFIG);
    let messages = daemon.wait_for_line("entered RUNNING state", 2);
    let web = spawned_pid(&messages, "web").expect("web");

    let page = request(&daemon, "GET / HTTP/1.0\r\n\r\n");
    assert!(page.starts_with("HTTP/1.0 200 OK"), "{page}");
    assert!(
        page.contains("<a href=\"tail.html?processname=web\"") || page.contains("processname=web"),
        "{page}"
    );
    assert!(
        page.to_lowercase().contains("running") && page.contains(">db<"),
        "{page}"
    );

    // A cross-site page can make the browser send a GET to an action URL: nothing happens.
    let page = request(
        &daemon,
        "GET /index.html?processname=web&action=stop HTTP/1.0\r\n\r\n",
    );
    assert!(page.contains("Nothing was done"), "{page}");
    // A cross-site POST is refused.
    let refused = request(
        &daemon,
        "POST /index.html?processname=web&action=stop HTTP/1.0\r\nHost: localhost\r\nOrigin: http://evil.example\r\n\
         Content-Length: 0\r\n\r\n",
    );
    assert!(refused.starts_with("HTTP/1.0 403"), "{refused}");
    assert!(alive(web), "web was stopped by a cross-site request");

    // The page's own button: a POST from the same origin.
    let done = request(
        &daemon,
        "POST /index.html?processname=web&action=stop HTTP/1.0\r\nHost: localhost\r\nOrigin: http://localhost\r\n\
         Content-Length: 0\r\n\r\n",
    );
    assert!(done.starts_with("HTTP/1.0 301"), "{done}");
    assert!(
        done.contains("Location: http://localhost/?message=Process%20web%20stopped"),
        "{done}"
    );
    daemon.wait_for_line("stopped: web (terminated by SIGTERM)", 1);
    assert!(!alive(web));
    let page = request(
        &daemon,
        "GET /?message=Process%20web%20stopped HTTP/1.0\r\n\r\n",
    );
    assert!(
        page.contains("Process web stopped") && page.to_lowercase().contains("stopped"),
        "{page}"
    );
    assert_eq!(daemon.terminate(), Some(0));
}

#[test]
fn metrics_are_served_behind_the_same_listener() {
    let mut daemon = Daemon::start(Flavor::Ours, CONFIG);
    daemon.wait_for_line("entered RUNNING state", 2);
    let metrics = request(&daemon, "GET /metrics HTTP/1.0\r\n\r\n");
    assert!(metrics.starts_with("HTTP/1.0 200 OK"), "{metrics}");
    assert!(
        metrics.contains("node_supervisord_up{name=\"web\",group=\"web\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("node_supervisord_state{name=\"db\",group=\"db\"} 20"),
        "{metrics}"
    );
    assert!(metrics.trim_end().ends_with("# EOF"), "{metrics}");
    assert_eq!(daemon.terminate(), Some(0));
}
