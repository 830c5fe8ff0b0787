//! Memory under hostile floods. The measured RSS figures of LOADTEST.md come from the two
//! `#[ignore]`d tests here, which flood the `tc-mock` binary (a child process, so its RSS is
//! the server's alone) and print `/proc/<pid>/status` VmRSS before and after:
//!
//! ```text
//! cargo test -p tc-mock --test memory -- --ignored --nocapture --test-threads 1
//! ```
//!
//! The ordinary tests assert bounds by construction: after a flood of N distinct action
//! names, the bytes the request log and the counters retain stay under the bound derived
//! from the configured caps, whatever N is.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Kills the child it started (by handle) when dropped, even if the test fails.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary on an ephemeral port with `args`; returns it and its `127.0.0.1:PORT`.
fn spawn(args: &[&str]) -> (Child, String) {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_tc-mock"))
            .args(["--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn tc-mock"),
    );
    let stdout = child.0.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if !sent {
                if let Some(i) = line.find("http://127.0.0.1:") {
                    let addr: String = line[i + 7..]
                        .chars()
                        .take_while(|c| !c.is_whitespace())
                        .collect();
                    let _ = tx.send(addr);
                    sent = true;
                }
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the binary prints its endpoint");
    (child, addr)
}

/// VmRSS of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// One request without credentials, whose `X-TC-Action` is `name`, on a kept-alive stream;
/// reads the one response.
fn unauthenticated(stream: &mut TcpStream, name: &str) {
    let req = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-TC-Action: {name}\r\nContent-Length: 2\r\n\r\n{{}}"
    );
    stream.write_all(req.as_bytes()).expect("write");
    let mut buf = Vec::new();
    let mut byte = [0u8; 1024];
    loop {
        let n = stream.read(&mut byte).expect("read");
        assert!(n > 0, "closed early");
        buf.extend_from_slice(&byte[..n]);
        if let Some(split) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..split]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .and_then(|v| v.trim().parse().ok())
                .expect("Content-Length");
            if buf.len() >= split + 4 + len {
                return;
            }
        }
    }
}

/// A distinct action name of `len` bytes for request `i`.
fn name(i: usize, len: usize) -> String {
    let mut s = format!("Describe{i:08}");
    s.extend(std::iter::repeat_n('X', len.saturating_sub(s.len())));
    s
}

#[test]
#[ignore = "measures RSS of a child process; run by hand for LOADTEST.md"]
fn rss_after_a_flood_of_distinct_action_names() {
    const N: usize = 10_000;
    const NAME: usize = 30 * 1024;
    let (child, addr) = spawn(&["--no-rate-limit"]);
    let pid = child.0.id();
    let mut stream = TcpStream::connect(&addr).expect("connect");
    unauthenticated(&mut stream, "DescribeProVersionInfo");
    let before = rss_kib(pid);
    for i in 0..N {
        unauthenticated(&mut stream, &name(i, NAME));
    }
    let after = rss_kib(pid);
    // Again: does it keep growing?
    for i in N..2 * N {
        unauthenticated(&mut stream, &name(i, NAME));
    }
    let again = rss_kib(pid);
    println!(
        "tc-mock RSS, {N} unauthenticated requests with distinct {NAME}-byte action names: \
         before {before} KiB, after {after} KiB (+{} KiB), after {} more: {again} KiB (+{} KiB)",
        after.saturating_sub(before),
        N,
        again.saturating_sub(after),
    );
}

/// Two rounds of `N` half-open connections to a server started with `args`, RSS printed.
fn half_open_rounds(args: &[&str], label: &str) {
    const N: usize = 9_000; // the client's and the server's descriptors both fit under 20,000
    let (child, addr) = spawn(args);
    let pid = child.0.id();
    let mut stream = TcpStream::connect(&addr).expect("connect");
    unauthenticated(&mut stream, "DescribeProVersionInfo");
    drop(stream);
    std::thread::sleep(Duration::from_millis(300));
    let before = rss_kib(pid);
    let mut rounds = Vec::new();
    for _ in 0..2 {
        let mut open = Vec::with_capacity(N);
        for _ in 0..N {
            let mut s = TcpStream::connect(&addr).expect("connect");
            // A request head that never ends (past the cap the server has closed it: ignored).
            let _ = s.write_all(
                b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-TC-Action: DescribeProVersionInfo\r\n",
            );
            open.push(s);
        }
        // Let the server read what each connection sent.
        std::thread::sleep(Duration::from_secs(2));
        let held = rss_kib(pid);
        drop(open);
        std::thread::sleep(Duration::from_secs(2));
        rounds.push((held, rss_kib(pid)));
    }
    let [(held, closed), (held2, closed2)] = rounds[..] else {
        unreachable!()
    };
    println!(
        "tc-mock RSS, {N} half-open connections, {label}: before {before} KiB, held {held} KiB (+{} KiB, {} B per \
         connection), after they closed {closed} KiB (+{} KiB over before); a second round: held {held2} KiB, \
         closed {closed2} KiB",
        held.saturating_sub(before),
        held.saturating_sub(before) * 1024 / N as u64,
        closed.saturating_sub(before),
    );
}

#[test]
#[ignore = "measures RSS of a child process; run by hand for LOADTEST.md"]
fn rss_with_half_open_connections_and_after_they_close() {
    half_open_rounds(
        &["--no-rate-limit", "--max-connections", "10000"],
        "all served (--max-connections 10000)",
    );
    half_open_rounds(
        &["--no-rate-limit"],
        "default cap (1024 served, the rest closed)",
    );
}

/// A hostile request: a distinct 30 KB action name, many long `X-TC-*` headers of distinct
/// names, a long method-like junk in a header value, no credentials.
fn hostile(i: usize) -> String {
    let mut head = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-TC-Action: {}\r\n",
        name(i, 30 * 1024)
    );
    for h in 0..24 {
        head.push_str(&format!(
            "X-TC-Junk-{i}-{h}-{}: {}\r\n",
            "n".repeat(200),
            "v".repeat(1000)
        ));
    }
    head.push_str(&format!(
        "Authorization: TC3-HMAC-SHA256 {}\r\n",
        "a".repeat(4000)
    ));
    head.push_str("Content-Length: 2\r\n\r\n{}");
    head
}

fn send_all(server: &tc_mock::MockServer, range: std::ops::Range<usize>) {
    let mut stream = TcpStream::connect(server.addr()).expect("connect");
    for i in range {
        stream.write_all(hostile(i).as_bytes()).expect("write");
        read_response(&mut stream);
    }
}

/// Reads one response with a Content-Length body from a kept-alive stream.
fn read_response(stream: &mut TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).expect("read");
        assert!(n > 0, "closed early");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(split) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..split]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .and_then(|v| v.trim().parse().ok())
                .expect("Content-Length");
            if buf.len() >= split + 4 + len {
                return;
            }
        }
    }
}

#[test]
fn the_log_and_the_counters_stay_within_their_caps_whatever_unauthenticated_clients_send() {
    const N: usize = 300;
    let server = tc_mock::MockServer::builder()
        .log_bytes(256 * 1024)
        .start_in_thread()
        .unwrap();
    let actions: usize = server.api().services.iter().map(|s| s.actions.len()).sum();
    let counters_bound = (actions + 1) * tc_mock::MAX_COUNTER_ENTRY_BYTES;
    send_all(&server, 0..N);
    // Counters: the known actions and one bucket for every other name.
    let counters = server.all_counters();
    assert_eq!(
        counters.keys().collect::<Vec<_>>(),
        vec![tc_mock::UNKNOWN_ACTION]
    );
    assert_eq!(server.counters(tc_mock::UNKNOWN_ACTION).requests, N as u64);
    assert_eq!(
        server.counters(&name(3, 30 * 1024)).requests,
        N as u64,
        "an unknown name reads the shared bucket"
    );
    // Each entry is within the per-entry cap, and the log within its byte budget.
    let log = server.requests();
    assert!(!log.is_empty());
    for entry in &log {
        assert!(
            entry.retained_bytes() <= tc_mock::MAX_LOG_ENTRY_BYTES,
            "{} bytes",
            entry.retained_bytes()
        );
        assert!(
            entry.action.as_ref().is_some_and(|a| a.len() <= 128),
            "{:?}",
            entry.action.as_ref().map(String::len)
        );
    }
    let retained = server.retained_bytes();
    assert!(
        retained <= 256 * 1024 + 128 + counters_bound,
        "{retained} bytes retained"
    );
    // More of the same does not grow it.
    send_all(&server, N..2 * N);
    let again = server.retained_bytes();
    assert!(
        again <= 256 * 1024 + 128 + counters_bound,
        "{again} bytes retained"
    );
    println!(
        "log + counters after {N} and {} hostile requests (30 KB names, 24 x 1.2 KB headers): {retained} and {again} \
         bytes (budget {} + {counters_bound}); {} entries kept",
        2 * N,
        256 * 1024,
        log.len()
    );

    // With the default caps, the figure per request is the per-entry cap at most.
    let server = tc_mock::MockServer::builder().start_in_thread().unwrap();
    send_all(&server, 0..N);
    let retained = server.retained_bytes();
    assert!(
        retained <= N * tc_mock::MAX_LOG_ENTRY_BYTES + counters_bound,
        "{retained} bytes retained"
    );
    assert!(
        retained <= tc_mock::DEFAULT_LOG_BYTES + counters_bound,
        "{retained} bytes retained"
    );
    assert_eq!(server.requests().len(), N);
    println!(
        "default caps: {N} hostile requests retain {retained} bytes ({} per request)",
        retained / N
    );
}
