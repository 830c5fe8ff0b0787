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
        assert_eq!(
            stream.read(&mut byte).await.unwrap(),
            1,
            "closed early: {}",
            String::from_utf8_lossy(&buf)
        );
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
    String::from_utf8(bytes)
        .unwrap()
        .replace("Connection: close\r\n", "")
        .into_bytes()
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
    two.extend_from_slice(&keep_alive(
        Raw::post("DescribeImageAuthorizedInfo", "{}").to_bytes(&server),
    ));
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
    let signed =
        String::from_utf8(Raw::post("DescribeImageAutoAuthorizedTaskList", body).to_bytes(&server))
            .unwrap();
    let head = signed.split("\r\n\r\n").next().unwrap();
    let head = head.replace(
        &format!("Content-Length: {}", body.len()),
        "Transfer-Encoding: chunked",
    );
    let (a, b) = body.split_at(10);
    let chunked = format!(
        "{head}\r\n\r\n{:x}\r\n{a}\r\n{:x};ext=1\r\n{b}\r\n0\r\n\r\n",
        a.len(),
        b.len()
    );
    support::send_bytes(&server, chunked.as_bytes())
        .await
        .assert_success();

    // Expect: 100-continue: the interim response comes before the body is sent.
    let signed =
        String::from_utf8(Raw::post("DescribeImageAutoAuthorizedTaskList", body).to_bytes(&server))
            .unwrap();
    let (head, rest) = signed.split_once("\r\n\r\n").unwrap();
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream
        .write_all(format!("{head}\r\nExpect: 100-continue\r\n\r\n").as_bytes())
        .await
        .unwrap();
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
    let huge = format!(
        "POST / HTTP/1.1\r\nX-Pad: {}\r\n\r\n",
        "x".repeat(70 * 1024)
    );
    assert_eq!(
        support::send_bytes(&server, huge.as_bytes()).await.status,
        400
    );
    // The server still serves.
    Raw::post("DescribeProVersionInfo", "{}")
        .send(&server)
        .await
        .assert_success();
}

#[tokio::test]
async fn dropping_the_server_stops_listening() {
    let server = MockServer::start().await.unwrap();
    let addr = server.addr();
    let mut idle = TcpStream::connect(addr).await.unwrap();
    drop(server);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "the listener is closed"
    );
    // Open connections are closed too.
    let mut buf = [0u8; 1];
    let n = tokio::time::timeout(Duration::from_secs(2), idle.read(&mut buf))
        .await
        .expect("closed promptly");
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
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "the thread stopped"
    );
}

/// Kills the child it started (by handle) when dropped, even if the test fails.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary with `args`; returns it and the variables of the `export` lines it
/// printed (read until the endpoint, SecretId and SecretKey are known).
async fn spawn_binary(args: &[&str]) -> (Child, std::collections::BTreeMap<String, String>) {
    let mut child = Child(
        std::process::Command::new(env!("CARGO_BIN_EXE_tc-mock"))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("spawn tc-mock"),
    );
    let stdout = child.0.stdout.take().unwrap();
    // Read the banner, then keep draining stdout on that thread until the child exits.
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut vars = std::collections::BTreeMap::new();
        let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
        for line in lines.by_ref() {
            assert!(
                line.starts_with("export ") || line.starts_with('#'),
                "not a shell line: {line}"
            );
            if let Some((k, v)) = line.strip_prefix("export ").and_then(|l| l.split_once('=')) {
                vars.insert(k.to_owned(), v.to_owned());
            }
            if [
                "TENCENTCLOUD_ENDPOINT",
                "TENCENTCLOUD_SECRET_ID",
                "TENCENTCLOUD_SECRET_KEY",
            ]
            .iter()
            .all(|k| vars.contains_key(*k))
            {
                break;
            }
        }
        let _ = tx.send(vars);
        lines.for_each(drop);
    });
    let vars = tokio::time::timeout(Duration::from_secs(20), rx)
        .await
        .expect("prints promptly")
        .unwrap();
    (child, vars)
}

/// A runtime client from the printed variables, without retries.
fn client_from(vars: &std::collections::BTreeMap<String, String>) -> tc_runtime::Client {
    tc_runtime::Client::builder()
        .endpoint(tc_runtime::Endpoint::custom(&vars["TENCENTCLOUD_ENDPOINT"]).unwrap())
        .credentials(tc_runtime::Credentials::new(
            vars["TENCENTCLOUD_SECRET_ID"].clone(),
            vars["TENCENTCLOUD_SECRET_KEY"].clone(),
        ))
        .retry(tc_runtime::RetryConfig::disabled())
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_binary_prints_its_endpoint_and_credentials_as_shell_lines_and_serves() {
    let (_child, vars) = spawn_binary(&[
        "--port",
        "0",
        "--secret-id",
        "AKIDcli",
        "--secret-key",
        "cli-key",
        "--no-rate-limit",
    ])
    .await;
    assert!(
        vars["TENCENTCLOUD_ENDPOINT"].starts_with("http://127.0.0.1:"),
        "{vars:?}"
    );
    assert_eq!(vars["TENCENTCLOUD_SECRET_ID"], "AKIDcli");
    assert_eq!(vars["TENCENTCLOUD_SECRET_KEY"], "cli-key");
    use tc_sdk::cwp::Cwp;
    let cwp = tc_sdk::cwp::CwpClient::new(client_from(&vars));
    let r = cwp
        .describe_license_general(&tc_sdk::cwp::models::DescribeLicenseGeneralRequest::new())
        .await
        .unwrap();
    assert_eq!(r.license_cnt, 3);
}

#[tokio::test]
async fn the_binary_serves_a_scenario_file() {
    use tc_sdk::cwp::Cwp;
    use tc_sdk::tcss::{Tcss, models};
    let path = std::env::temp_dir().join(format!("tc-mock-scenario-{}.json", std::process::id()));
    let items: Vec<serde_json::Value> = (1..=5)
        .map(|i| {
            serde_json::json!({"TaskId": i, "Type": "AUTO", "Source": "LOCAL", "AuthorizedDate": "2022-01-01",
                "LastAuthorizedTime": "2022-01-01 00:00:00", "LatestFailCode": "", "SuccessCount": 1, "FailCount": 0})
        })
        .collect();
    let scenario = serde_json::json!({
        "credentials": [{"secret_id": "AKIDscenario", "secret_key": "scenario-key"}],
        "rate_limit": "off",
        "actions": {
            "DescribeImageAuthorizedInfo": {"response": {"TotalAuthorizedCnt": 77, "UsedAuthorizedCnt": 1,
                "ScannedImageCnt": 2, "NotScannedImageCnt": 3, "NotScannedLocalImageCnt": 4}},
            "DescribeLicenseGeneral": {"error": {"code": "InternalError", "message": "db down"}},
            "DescribeImageAutoAuthorizedTaskList": {"items": items}
        },
        "faults": [{"fault": "throttle", "times": 1, "action": "DescribeProVersionInfo"}]
    });
    std::fs::write(&path, scenario.to_string()).unwrap();
    let (_child, vars) = spawn_binary(&[
        "--port",
        "0",
        "--scenario",
        path.to_str().unwrap(),
        "--fault",
        "http:502,times=1,action=DescribePurchaseStateInfo",
    ])
    .await;
    let _ = std::fs::remove_file(&path);
    assert_eq!(vars["TENCENTCLOUD_SECRET_ID"], "AKIDscenario");
    let rt = client_from(&vars);
    let tcss = tc_sdk::tcss::TcssClient::new(rt.clone());
    let cwp = tc_sdk::cwp::CwpClient::new(rt);

    // A configured response and a configured error.
    let info = tcss
        .describe_image_authorized_info(&models::DescribeImageAuthorizedInfoRequest::new())
        .await
        .unwrap();
    assert_eq!(info.total_authorized_cnt, 77);
    let e = cwp
        .describe_license_general(&tc_sdk::cwp::models::DescribeLicenseGeneralRequest::new())
        .await
        .unwrap_err();
    assert!(format!("{e}").contains("InternalError"), "{e}");
    // Items in pages of 2.
    let mut seen = Vec::new();
    let mut pages = tcss.describe_image_auto_authorized_task_list_pages(
        models::DescribeImageAutoAuthorizedTaskListRequest::new("2022-01-01", "2022-01-07")
            .with_limit(2),
    );
    let mut count = 0;
    while let Some(page) = pages.next_page().await {
        let page = page.unwrap();
        assert_eq!(page.total_count, 5);
        seen.extend(page.list.iter().map(|t| t.task_id));
        count += 1;
    }
    assert_eq!((count, seen), (3, vec![1, 2, 3, 4, 5]));
    // The scenario's throttle fires once, then the action answers.
    let req = models::DescribeProVersionInfoRequest::new();
    let e = tcss.describe_pro_version_info(&req).await.unwrap_err();
    assert!(format!("{e}").contains("RequestLimitExceeded"), "{e}");
    tcss.describe_pro_version_info(&req).await.unwrap();
    // The flag's 502 fires once too.
    let req = models::DescribePurchaseStateInfoRequest::new();
    let e = tcss.describe_purchase_state_info(&req).await.unwrap_err();
    assert!(format!("{e}").contains("502"), "{e}");
    tcss.describe_purchase_state_info(&req).await.unwrap();
}

#[tokio::test]
async fn the_binary_takes_fault_phases_and_idempotency_options() {
    use serde_json::{Value, json};
    use tc_runtime::{ActionInfo, RawCode, ServiceInfo};
    static DEMO: ServiceInfo = ServiceInfo {
        name: "demo",
        version: "2099-01-01",
        default_host: "demo.tencentcloudapi.com",
        intl_host: None,
    };
    static MODIFY: ActionInfo = ActionInfo {
        service: &DEMO,
        name: "ModifyMachine",
        rate_limit: None,
        idempotent: false,
        idempotency_token: Some("ClientToken"),
        unsigned: false,
    };
    let spec = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../codegen/tests/emit_fixtures/constructs"
    );
    let path = std::env::temp_dir().join(format!("tc-mock-phases-{}.json", std::process::id()));
    let scenario = json!({
        "rate_limit": "off",
        "idempotency_capacity": 100,
        "idempotency_bytes": 1_000_000,
        "faults": [{"fault": "error", "code": "InternalError", "times": 1, "action": "ModifyMachine", "phase": "after"}]
    });
    std::fs::write(&path, scenario.to_string()).unwrap();
    let (_child, vars) = spawn_binary(&[
        "--spec",
        spec,
        "--scenario",
        path.to_str().unwrap(),
        "--fault",
        "drop,times=1,action=DescribeMachines,phase=before",
        "--idempotency-capacity",
        "10",
        "--idempotency-bytes",
        "100000",
    ])
    .await;
    let _ = std::fs::remove_file(&path);
    let rt = client_from(&vars);
    let req = |token: &str| {
        json!({"MachineId": "m-1", "Count": 2, "Quota": 3, "Weight": 0.25, "Disk": {"DiskId": "d-1"},
            "ExtraDisks": [], "ClientToken": token})
    };
    // The scenario's after-execution error replaces the first reply, then the action answers.
    let e = rt
        .call::<_, Value, RawCode>(&MODIFY, &req("tok-1"))
        .await
        .unwrap_err();
    assert!(format!("{e}").contains("InternalError"), "{e}");
    let ok = rt
        .call::<_, Value, RawCode>(&MODIFY, &req("tok-1"))
        .await
        .unwrap();
    assert_eq!(ok["Accepted"], json!(true));
    // Tokens are capped at 64 bytes.
    let e = rt
        .call::<_, Value, RawCode>(&MODIFY, &req(&"t".repeat(65)))
        .await
        .unwrap_err();
    assert!(format!("{e}").contains("InvalidParameterValue"), "{e}");
    // The flag's before-execution drop closes the connection once.
    static DESCRIBE: ActionInfo = ActionInfo {
        service: &DEMO,
        name: "DescribeMachines",
        rate_limit: None,
        idempotent: true,
        idempotency_token: None,
        unsigned: false,
    };
    let describe = json!({"Type": "CVM"});
    assert!(
        rt.call::<_, Value, RawCode>(&DESCRIBE, &describe)
            .await
            .is_err()
    );
    rt.call::<_, Value, RawCode>(&DESCRIBE, &describe)
        .await
        .unwrap();
}

#[test]
fn the_binary_refuses_a_bad_scenario_with_its_path() {
    let path =
        std::env::temp_dir().join(format!("tc-mock-bad-scenario-{}.json", std::process::id()));
    std::fs::write(
        &path,
        r#"{"actions": {"DescribeNothing": {"error": {"code": "X"}}}}"#,
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tc-mock"))
        .args(["--port", "0", "--scenario", path.to_str().unwrap()])
        .output()
        .expect("run tc-mock");
    let _ = std::fs::remove_file(&path);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("actions.DescribeNothing"), "{stderr}");
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_tc-mock"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--scenario",
        "--respond",
        "--fail",
        "--items",
        "--fault",
        "--clock-offset",
        "--rate",
        "--burst",
        "--token",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
}

/// The signed head (without the blank line) and body of a valid request, for framing tests
/// that rewrite the head.
fn signed_parts(server: &MockServer) -> (String, &'static str) {
    let body = r#"{"StartTime":"2022-01-01","EndTime":"2022-01-07"}"#;
    let signed =
        String::from_utf8(Raw::post("DescribeImageAutoAuthorizedTaskList", body).to_bytes(server))
            .unwrap();
    let head = signed.split("\r\n\r\n").next().unwrap().to_owned();
    (head, body)
}

#[tokio::test]
async fn framing_outside_rfc_9112_is_rejected_with_400() {
    let server = MockServer::start().await.unwrap();
    let (head, body) = signed_parts(&server);
    let cl = format!("Content-Length: {}", body.len());
    let chunked_head = head.replace(&cl, "Transfer-Encoding: chunked");
    let chunked = |chunks: String| format!("{chunked_head}\r\n\r\n{chunks}").into_bytes();
    let n = body.len();
    let with_head = |h: String, b: &str| format!("{h}\r\n\r\n{b}").into_bytes();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        // chunk-size = 1*HEXDIG, then only chunk-ext.
        (
            "chunk size with a sign",
            chunked(format!("+{n:x}\r\n{body}\r\n0\r\n\r\n")),
        ),
        (
            "chunk size with a leading space",
            chunked(format!(" {n:x}\r\n{body}\r\n0\r\n\r\n")),
        ),
        (
            "chunk size with a trailing space",
            chunked(format!("{n:x} \r\n{body}\r\n0\r\n\r\n")),
        ),
        (
            "chunk size with 0x",
            chunked(format!("0x{n:x}\r\n{body}\r\n0\r\n\r\n")),
        ),
        (
            "empty chunk size",
            chunked(format!("\r\n{body}\r\n0\r\n\r\n")),
        ),
        (
            "chunk size of 17 digits",
            chunked(format!("{n:017x}\r\n{body}\r\n0\r\n\r\n")),
        ),
        (
            "chunk size overflowing",
            chunked("1ffffffffffffffff\r\nx\r\n0\r\n\r\n".to_owned()),
        ),
        (
            "chunk ext without a name",
            chunked(format!("{n:x};\r\n{body}\r\n0\r\n\r\n")),
        ),
        (
            "chunk ext with a bad name",
            chunked(format!("{n:x};a b\r\n{body}\r\n0\r\n\r\n")),
        ),
        (
            "chunk ext unterminated quote",
            chunked(format!("{n:x};a=\"x\r\n{body}\r\n0\r\n\r\n")),
        ),
        (
            "chunk ext with trailing space",
            chunked(format!("{n:x};a=b \r\n{body}\r\n0\r\n\r\n")),
        ),
        (
            "chunk line over 1 KiB",
            chunked(format!(
                "{n:x};a={}\r\n{body}\r\n0\r\n\r\n",
                "b".repeat(1100)
            )),
        ),
        (
            "chunk data without CRLF",
            chunked(format!("{:x}\r\n{body}\r\n0\r\n\r\n", n - 2)),
        ),
        (
            "last chunk with a sign",
            chunked(format!("{n:x}\r\n{body}\r\n+0\r\n\r\n")),
        ),
        (
            "trailer without a colon",
            chunked(format!("{n:x}\r\n{body}\r\n0\r\nbad trailer\r\n\r\n")),
        ),
        (
            "trailer with obs-fold",
            chunked(format!("{n:x}\r\n{body}\r\n0\r\nA: b\r\n c\r\n\r\n")),
        ),
        // Content-Length = 1*DIGIT, one value.
        (
            "Content-Length with a sign",
            with_head(head.replace(&cl, &format!("Content-Length: +{n}")), body),
        ),
        (
            "negative Content-Length",
            with_head(head.replace(&cl, "Content-Length: -1"), body),
        ),
        (
            "Content-Length list",
            with_head(
                head.replace(&cl, &format!("Content-Length: {n}, {n}")),
                body,
            ),
        ),
        (
            "empty Content-Length",
            with_head(head.replace(&cl, "Content-Length: "), body),
        ),
        (
            "Content-Length in hex",
            with_head(head.replace(&cl, &format!("Content-Length: 0x{n:x}")), body),
        ),
        (
            "duplicate Content-Lengths that disagree",
            with_head(format!("{head}\r\nContent-Length: {}", n + 1), body),
        ),
        (
            "Content-Length and Transfer-Encoding",
            with_head(format!("{head}\r\nTransfer-Encoding: chunked"), body),
        ),
        // Transfer-Encoding: chunked only, once, on HTTP/1.1.
        (
            "chunked then gzip in two headers",
            format!(
                "{chunked_head}\r\nTransfer-Encoding: gzip\r\n\r\n{n:x}\r\n{body}\r\n0\r\n\r\n"
            )
            .into_bytes(),
        ),
        (
            "chunked twice",
            format!(
                "{}\r\n\r\n{n:x}\r\n{body}\r\n0\r\n\r\n",
                chunked_head.replace("chunked", "chunked, chunked")
            )
            .into_bytes(),
        ),
        (
            "Transfer-Encoding on HTTP/1.0",
            format!(
                "{}\r\n\r\n{n:x}\r\n{body}\r\n0\r\n\r\n",
                chunked_head.replacen("HTTP/1.1", "HTTP/1.0", 1)
            )
            .into_bytes(),
        ),
        // Header lines.
        (
            "obs-fold",
            with_head(format!("{head}\r\nX-Pad: a\r\n b"), body),
        ),
        (
            "space before the colon",
            with_head(format!("{head}\r\nX-Pad : a"), body),
        ),
        (
            "bare LF in a value",
            with_head(format!("{head}\r\nX-Pad: a\nX-TC-Region: b"), body),
        ),
        (
            "bare CR in a value",
            with_head(format!("{head}\r\nX-Pad: a\rb"), body),
        ),
        (
            "NUL in a value",
            with_head(format!("{head}\r\nX-Pad: a\0b"), body),
        ),
        (
            "no Host on HTTP/1.1",
            with_head(
                head.lines()
                    .filter(|l| !l.starts_with("Host:"))
                    .collect::<Vec<_>>()
                    .join("\r\n"),
                body,
            ),
        ),
        (
            "two Hosts",
            with_head(format!("{head}\r\nHost: 127.0.0.2"), body),
        ),
        (
            "a control character in the target",
            with_head(head.replacen("POST / ", "POST /\x01 ", 1), body),
        ),
        (
            "non-ASCII in the target",
            with_head(head.replacen("POST / ", "POST /é ", 1), body),
        ),
    ];
    for (what, bytes) in cases {
        let r = support::send_bytes(&server, &bytes).await;
        assert_eq!(
            r.status,
            400,
            "{what}: {}",
            String::from_utf8_lossy(&r.body)
        );
    }
    // The server still serves.
    Raw::post("DescribeProVersionInfo", "{}")
        .send(&server)
        .await
        .assert_success();
}

#[tokio::test]
async fn framing_that_rfc_9112_allows_is_accepted() {
    let server = MockServer::start().await.unwrap();
    let (head, body) = signed_parts(&server);
    let n = body.len();
    let cl = format!("Content-Length: {n}");
    let chunked_head = head.replace(&cl, "Transfer-Encoding: Chunked");
    let (a, b) = body.split_at(10);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "chunk ext with BWS, a token and a quoted value; upper-case hex; leading zeros; trailers",
            format!(
                "{chunked_head}\r\n\r\n{:X} ;a=1\t; b = \"q\\\"x\"\r\n{a}\r\n{:04x}\r\n{b}\r\n000\r\nX-Trailer: t\r\n\r\n",
                a.len(),
                b.len()
            )
            .into_bytes(),
        ),
        ("duplicate Content-Lengths that agree", format!("{head}\r\n{cl}\r\n\r\n{body}").into_bytes()),
        ("Content-Length with leading zeros", format!("{}\r\n\r\n{body}", head.replace(&cl, &format!("Content-Length: 00{n}"))).into_bytes()),
    ];
    for (what, bytes) in cases {
        let r = support::send_bytes(&server, &bytes).await;
        assert_eq!(
            r.status,
            200,
            "{what}: {}",
            String::from_utf8_lossy(&r.body)
        );
        r.assert_success();
    }
}

#[tokio::test]
async fn connections_over_the_cap_are_closed_at_once() {
    let server = MockServer::builder()
        .max_connections(2)
        .start()
        .await
        .unwrap();
    let bytes = keep_alive(Raw::post("DescribeProVersionInfo", "{}").to_bytes(&server));
    // Two kept-alive connections, each answered once, so both are being served.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(server.addr()).await.unwrap();
        s.write_all(&bytes).await.unwrap();
        read_one(&mut s).await.assert_success();
        held.push(s);
    }
    let mut third = TcpStream::connect(server.addr()).await.unwrap();
    let mut buf = [0u8; 1];
    let n = tokio::time::timeout(Duration::from_secs(10), third.read(&mut buf))
        .await
        .expect("closed promptly");
    assert!(matches!(n, Ok(0) | Err(_)), "{n:?}");
    // Once one closes, a new connection is served again (the server reaps it first).
    drop(held.pop());
    let mut served = false;
    for _ in 0..100 {
        let r = tokio::time::timeout(Duration::from_secs(10), async {
            let mut s = TcpStream::connect(server.addr()).await.unwrap();
            s.write_all(&Raw::post("DescribeProVersionInfo", "{}").to_bytes(&server))
                .await
                .ok()?;
            let mut buf = Vec::new();
            s.read_to_end(&mut buf).await.ok()?;
            (!buf.is_empty()).then(|| parse_reply(&buf))
        })
        .await
        .expect("answers or closes promptly");
        if let Some(r) = r {
            r.assert_success();
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(served, "a connection under the cap is served");
}
