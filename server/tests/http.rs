//! The HTTP layer and the server's life cycle, on raw sockets: keep-alive, chunked bodies,
//! `Expect: 100-continue`, malformed requests, stopping on drop, a server on its own thread
//! used from synchronous code, and the command-line binary.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::time::Duration;

use support::{Raw, parse_reply};
use tc_mock::MockServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads exactly one response (head + Content-Length body) from a kept-alive connection.
async fn read_one(stream: &mut TcpStream) -> support::Reply {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        assert_eq!(stream.read(&mut byte).await.unwrap(), 1, "closed early: {}", String::from_utf8_lossy(&buf));
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .and_then(|v| v.trim().parse().ok())
        .expect("Content-Length");
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).await.unwrap();
    buf.extend_from_slice(&body);
    parse_reply(&buf)
}

fn keep_alive(bytes: Vec<u8>) -> Vec<u8> {
    String::from_utf8(bytes).unwrap().replace("Connection: close\r\n", "").into_bytes()
}

#[tokio::test]
async fn keep_alive_serves_several_requests_on_one_connection_even_pipelined() {
    let server = MockServer::start().await.unwrap();
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    let one = keep_alive(Raw::post("DescribeProVersionInfo", "{}").to_bytes(&server));
    for _ in 0..3 {
        stream.write_all(&one).await.unwrap();
        read_one(&mut stream).await.assert_success();
    }
    // Two requests in one write.
    let mut two = one.clone();
    two.extend_from_slice(&keep_alive(Raw::post("DescribeImageAuthorizedInfo", "{}").to_bytes(&server)));
    stream.write_all(&two).await.unwrap();
    let a = read_one(&mut stream).await.assert_success();
    let b = read_one(&mut stream).await.assert_success();
    assert_eq!(a["BuyStatus"], "Normal");
    assert_eq!(b["ScannedImageCnt"], 1);
    assert_eq!(server.requests().len(), 5);
}

#[tokio::test]
async fn chunked_bodies_and_expect_continue() {
    let server = MockServer::start().await.unwrap();
    let body = r#"{"StartTime":"2022-01-01","EndTime":"2022-01-07"}"#;
    let signed = String::from_utf8(Raw::post("DescribeImageAutoAuthorizedTaskList", body).to_bytes(&server)).unwrap();
    let head = signed.split("\r\n\r\n").next().unwrap();
    let head = head.replace(&format!("Content-Length: {}", body.len()), "Transfer-Encoding: chunked");
    let (a, b) = body.split_at(10);
    let chunked = format!("{head}\r\n\r\n{:x}\r\n{a}\r\n{:x};ext=1\r\n{b}\r\n0\r\n\r\n", a.len(), b.len());
    support::send_bytes(&server, chunked.as_bytes()).await.assert_success();

    // Expect: 100-continue: the interim response comes before the body is sent.
    let signed = String::from_utf8(Raw::post("DescribeImageAutoAuthorizedTaskList", body).to_bytes(&server)).unwrap();
    let (head, rest) = signed.split_once("\r\n\r\n").unwrap();
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream.write_all(format!("{head}\r\nExpect: 100-continue\r\n\r\n").as_bytes()).await.unwrap();
    let mut interim = [0u8; 25];
    stream.read_exact(&mut interim).await.unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    stream.write_all(rest.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await.unwrap();
    parse_reply(&buf).assert_success();
}

#[tokio::test]
async fn malformed_http_gets_400_and_a_closed_connection() {
    let server = MockServer::start().await.unwrap();
    for bad in [
        &b"NONSENSE\r\n\r\n"[..],
        b"POST / HTTP/2.0\r\nHost: x\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
    ] {
        let r = support::send_bytes(&server, bad).await;
        assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(bad));
    }
    // A head larger than 64 KiB.
    let huge = format!("POST / HTTP/1.1\r\nX-Pad: {}\r\n\r\n", "x".repeat(70 * 1024));
    assert_eq!(support::send_bytes(&server, huge.as_bytes()).await.status, 400);
    // The server still serves.
    Raw::post("DescribeProVersionInfo", "{}").send(&server).await.assert_success();
}

#[tokio::test]
async fn dropping_the_server_stops_listening() {
    let server = MockServer::start().await.unwrap();
    let addr = server.addr();
    let mut idle = TcpStream::connect(addr).await.unwrap();
    drop(server);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(TcpStream::connect(addr).await.is_err(), "the listener is closed");
    // Open connections are closed too.
    let mut buf = [0u8; 1];
    let n = tokio::time::timeout(Duration::from_secs(2), idle.read(&mut buf)).await.expect("closed promptly");
    assert!(matches!(n, Ok(0) | Err(_)), "{n:?}");

    let server = MockServer::start().await.unwrap();
    let addr = server.addr();
    server.shutdown().await;
    assert!(TcpStream::connect(addr).await.is_err());
}

/// A synchronous test: no runtime of its own, plain blocking sockets.
#[test]
fn a_server_on_its_own_thread_serves_synchronous_callers() {
    let server = MockServer::builder().start_in_thread().unwrap();
    // `Raw::to_bytes` is synchronous; send it with std's blocking socket.
    let bytes = Raw::post("DescribeProVersionInfo", "{}").to_bytes(&server);
    let mut stream = std::net::TcpStream::connect(server.addr()).unwrap();
    stream.write_all(&bytes).unwrap();
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).unwrap();
    parse_reply(&buf).assert_success();
    let addr = server.addr();
    drop(server);
    std::thread::sleep(Duration::from_millis(100));
    assert!(std::net::TcpStream::connect(addr).is_err(), "the thread stopped");
}

/// Kills the child it started (by handle) when dropped, even if the test fails.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_binary_prints_its_endpoint_and_serves() {
    let mut child = Child(
        std::process::Command::new(env!("CARGO_BIN_EXE_tc-mock"))
            .args(["--port", "0", "--secret-id", "AKIDcli", "--secret-key", "cli-key", "--no-rate-limit"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("spawn tc-mock"),
    );
    let stdout = child.0.stdout.take().unwrap();
    // Read the first line, then keep draining stdout on that thread until the child exits.
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let _ = tx.send(lines.next());
        lines.for_each(drop);
    });
    let line =
        tokio::time::timeout(Duration::from_secs(20), rx).await.expect("prints promptly").unwrap().unwrap().unwrap();
    let endpoint = line.trim().strip_prefix("tc-mock listening on ").expect("the endpoint line").to_owned();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");

    let rt = tc_runtime::Client::builder()
        .endpoint(tc_runtime::Endpoint::custom(&endpoint).unwrap())
        .credentials(tc_runtime::Credentials::new("AKIDcli", "cli-key"))
        .build()
        .unwrap();
    use tc_sdk::cwp::Cwp;
    let cwp = tc_sdk::cwp::CwpClient::new(rt);
    let r = cwp.describe_license_general(&tc_sdk::cwp::models::DescribeLicenseGeneralRequest::new()).await.unwrap();
    assert_eq!(r.license_cnt, 3);
}
