//! The call path at the floor (issue 17): client CPU per call of a full generated-style
//! `Client::call` next to a bare request carrying the same signed bytes over the same HTTP
//! stack, in the same run, against the same loopback server.
//!
//! Run: `cargo bench -p tc-runtime --bench call_floor` (or `bench/call-floor.sh`). A plain
//! `main` (harness = false) that prints a table; it asserts nothing about time.
//!
//! The server is this binary re-executed with `--serve`: another process, so its CPU is not
//! in the client's. The client's CPU is the whole process's (`CLOCK_PROCESS_CPUTIME_ID`: every
//! runtime thread, the kernel time of its syscalls included) over a loop of calls, divided by
//! the number of calls. Rows, for a current-thread and a multi-thread tokio runtime:
//!
//! - `raw tcp`: the request bytes written and the response read on a tokio `TcpStream`: the
//!   runtime and the kernel, no HTTP library (the floor under every floor);
//! - `hyper`: `hyper::client::conn::http1` on one connection;
//! - `reqwest floor` (a): `reqwest::Client::execute` of a pre-built, pre-signed request (one
//!   reused keep-alive connection), reading the body: what `Client::call` sends, with nothing
//!   else;
//! - `Client::call` (b): a full call (serialize, sign, send, read, parse the envelope, decode)
//!   of an action described as the generated crate describes it, limiter off.
//!
//! Back to back: `CALLS` calls (default 2,000) per round, `ROUNDS` rounds (default 9) with
//! the kinds interleaved, the median and the fastest round per kind (other processes on the
//! machine only ever add CPU time, through caches and preemption). Spaced: `SPACED` iterations
//! (default 200) of {wait `GAP_MS` (default 50 ms), then a floor request; wait, then a call;
//! a `tokio::time::sleep` alone; a `std::thread::sleep` alone}, each segment's CPU accounted
//! to its kind, so floor and call see the same conditions, and the waits alone say what
//! waiting costs by itself, with the runtime and without. `FLAVORS=current_thread` (or
//! `multi_thread`) runs one runtime; `PROFILE=call` (or `floor`, `hyper`, `raw`) runs only
//! that path, `CALLS` × `ROUNDS` times, for `perf record`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde::{Deserialize, Serialize};
use tc_runtime::sign::{self, SignInput};
use tc_runtime::{ActionInfo, Client, Credentials, Endpoint, RateLimitConfig, RawCode, RetryConfig, ServiceInfo};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// As the generated crate describes tcss (`generated/src/tcss/mod.rs`).
static TCSS: ServiceInfo =
    ServiceInfo { name: "tcss", version: "2020-11-01", default_host: "tcss.tencentcloudapi.com", intl_host: None };
/// As `generated/src/tcss/actions/describe_image_auto_authorized_task_list.rs` does.
static LIST: ActionInfo = ActionInfo {
    service: &TCSS,
    name: "DescribeImageAutoAuthorizedTaskList",
    rate_limit: Some(20),
    idempotent: true,
    idempotency_token: None,
    unsigned: false,
};

const SECRET_ID: &str = "AKIDbench0000000000000000";
const SECRET_KEY: &str = "bench-secret-key";
const RESPONSE_BODY: &str = r#"{"Response":{"TotalCount":1,"List":[{"TaskId":7,"TaskName":"nightly","Status":"COMPLETED"}],"RequestId":"6a1f2c3e-bench-4d5e-9f00-0123456789ab"}}"#;

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Filter {
    name: String,
    values: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Req {
    start_time: String,
    end_time: String,
    filters: Vec<Filter>,
    limit: u64,
    offset: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
#[allow(dead_code)]
struct Task {
    task_id: u64,
    task_name: String,
    status: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
#[allow(dead_code)]
struct Resp {
    total_count: u64,
    list: Vec<Task>,
    request_id: String,
}

fn req() -> Req {
    Req {
        start_time: "2022-01-01".into(),
        end_time: "2022-01-07".into(),
        filters: vec![Filter { name: "Source".into(), values: vec!["LOCAL".into()] }],
        limit: 10,
        offset: 0,
    }
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// CPU time of the whole process (all threads, user and system), in nanoseconds.
fn process_cpu_ns() -> u64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
}

// ---------------------------------------------------------------------------------------
// The server (child process): blocking, one thread per connection, TCP_NODELAY, each
// response in one write.

fn serve() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    println!("{}", listener.local_addr().unwrap());
    std::io::stdout().flush().unwrap();
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{RESPONSE_BODY}",
        RESPONSE_BODY.len()
    );
    let response: &'static [u8] = Box::leak(response.into_bytes().into_boxed_slice());
    // The parent closes our stdin when it is done (or dies): exit then (a server started
    // apart runs until its stdin closes too).
    std::thread::spawn(|| {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(0);
    });
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        std::thread::spawn(move || connection(stream, response));
    }
}

fn connection(mut stream: TcpStream, response: &[u8]) {
    stream.set_nodelay(true).unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let mut have = 0;
    loop {
        // One request: the head, then Content-Length bytes of body.
        let (head_end, body_len) = loop {
            if let Some(end) = buf[..have].windows(4).position(|w| w == b"\r\n\r\n") {
                break (end + 4, content_length(&buf[..end]));
            }
            match stream.read(&mut buf[have..]) {
                Ok(0) | Err(_) => return,
                Ok(n) => have += n,
            }
        };
        while have < head_end + body_len {
            match stream.read(&mut buf[have..]) {
                Ok(0) | Err(_) => return,
                Ok(n) => have += n,
            }
        }
        if stream.write_all(response).is_err() {
            return;
        }
        buf.copy_within(head_end + body_len..have, 0);
        have -= head_end + body_len;
    }
}

fn content_length(head: &[u8]) -> usize {
    let head = std::str::from_utf8(head).unwrap_or("");
    head.split("\r\n")
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------
// The client side.

/// The request `Client::call` sends, signed once: headers in the client's order, and body.
struct Signed {
    headers: Vec<(&'static str, String)>,
    body: Bytes,
}

fn signed(host: &str) -> Signed {
    let body = Bytes::from(serde_json::to_vec(&req()).unwrap());
    let timestamp = tc_runtime::time::now_unix();
    let authorization = sign::sign(&SignInput {
        method: "POST",
        host,
        canonical_query: "",
        content_type: "application/json",
        payload: &body,
        service: TCSS.name,
        timestamp,
        secret_id: SECRET_ID,
        secret_key: SECRET_KEY,
        extra_signed_headers: &[],
    })
    .authorization;
    let headers = vec![
        ("host", host.to_owned()),
        ("content-type", "application/json".to_owned()),
        ("x-tc-action", LIST.name.to_owned()),
        ("x-tc-version", TCSS.version.to_owned()),
        ("x-tc-timestamp", timestamp.to_string()),
        ("x-tc-language", "zh-CN".to_owned()),
        ("x-tc-requestclient", tc_runtime::DEFAULT_REQUEST_CLIENT.to_owned()),
        ("user-agent", tc_runtime::DEFAULT_REQUEST_CLIENT.to_owned()),
        ("authorization", authorization),
    ];
    Signed { headers, body }
}

/// (a) The floor: the pre-signed request through reqwest, configured as the client's.
struct ReqwestFloor {
    http: reqwest::Client,
    request: reqwest::Request,
}

impl ReqwestFloor {
    fn new(addr: SocketAddr, s: &Signed) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let mut b = http.post(format!("http://{addr}/"));
        for (k, v) in &s.headers {
            b = b.header(*k, v);
        }
        let request = b.body(s.body.clone()).build().unwrap();
        Self { http, request }
    }

    async fn once(&self) -> usize {
        let request = self.request.try_clone().unwrap();
        let response = self.http.execute(request).await.unwrap();
        assert_eq!(response.status(), 200);
        response.bytes().await.unwrap().len()
    }
}

/// hyper's own HTTP/1 client connection, no pool.
struct HyperFloor {
    send: tokio::sync::Mutex<hyper::client::conn::http1::SendRequest<Full<Bytes>>>,
    parts: hyper::Request<()>,
    body: Bytes,
}

impl HyperFloor {
    async fn new(addr: SocketAddr, s: &Signed) -> Self {
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        let (send, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.unwrap();
        tokio::spawn(conn);
        let mut b = hyper::Request::post("/");
        for (k, v) in &s.headers {
            b = b.header(*k, v);
        }
        b = b.header("content-length", s.body.len());
        Self { send: tokio::sync::Mutex::new(send), parts: b.body(()).unwrap(), body: s.body.clone() }
    }

    async fn once(&self) -> usize {
        let mut r = hyper::Request::new(Full::new(self.body.clone()));
        *r.method_mut() = self.parts.method().clone();
        *r.uri_mut() = self.parts.uri().clone();
        *r.headers_mut() = self.parts.headers().clone();
        let mut send = self.send.lock().await;
        send.ready().await.unwrap();
        let response = send.send_request(r).await.unwrap();
        assert_eq!(response.status(), 200);
        response.into_body().collect().await.unwrap().to_bytes().len()
    }
}

/// The same bytes written and read on a bare `TcpStream` (no HTTP parsing: the response's
/// length is known).
struct RawFloor {
    stream: tokio::sync::Mutex<tokio::net::TcpStream>,
    request: Vec<u8>,
    response_len: usize,
}

impl RawFloor {
    async fn new(addr: SocketAddr, s: &Signed) -> Self {
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        let mut request = b"POST / HTTP/1.1\r\n".to_vec();
        for (k, v) in &s.headers {
            request.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
        }
        request.extend_from_slice(format!("content-length: {}\r\n\r\n", s.body.len()).as_bytes());
        request.extend_from_slice(&s.body);
        let response_len = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{RESPONSE_BODY}",
            RESPONSE_BODY.len()
        )
        .len();
        Self { stream: tokio::sync::Mutex::new(stream), request, response_len }
    }

    async fn once(&self) -> usize {
        let mut stream = self.stream.lock().await;
        stream.write_all(&self.request).await.unwrap();
        let mut buf = [0u8; 1024];
        stream.read_exact(&mut buf[..self.response_len]).await.unwrap();
        self.response_len
    }
}

/// (b) The full call.
fn client(addr: SocketAddr) -> Client {
    Client::builder()
        .credentials(Credentials::new(SECRET_ID, SECRET_KEY))
        .endpoint(Endpoint::custom(&format!("http://{addr}")).unwrap())
        .rate_limit(RateLimitConfig::disabled())
        .retry(RetryConfig::default())
        .build()
        .unwrap()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Raw,
    Hyper,
    Floor,
    Call,
}

const KINDS: [Kind; 4] = [Kind::Raw, Kind::Hyper, Kind::Floor, Kind::Call];

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Raw => "raw",
            Kind::Hyper => "hyper",
            Kind::Floor => "floor",
            Kind::Call => "call",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Raw => "raw tcp (no HTTP)",
            Kind::Hyper => "hyper http1 conn",
            Kind::Floor => "(a) reqwest floor",
            Kind::Call => "(b) Client::call",
        }
    }
}

struct Bench {
    raw: RawFloor,
    hyper: HyperFloor,
    floor: ReqwestFloor,
    client: Client,
    req: Req,
}

impl Bench {
    async fn once(&self, kind: Kind) {
        match kind {
            Kind::Raw => {
                std::hint::black_box(self.raw.once().await);
            }
            Kind::Hyper => {
                std::hint::black_box(self.hyper.once().await);
            }
            Kind::Floor => {
                std::hint::black_box(self.floor.once().await);
            }
            Kind::Call => {
                let resp: Resp = self.client.call::<Req, Resp, RawCode>(&LIST, &self.req).await.unwrap();
                assert_eq!(resp.total_count, 1);
            }
        }
    }
}

/// µs of process CPU per call, per kind: back to back (median and fastest round) and spaced
/// (mean).
struct Row {
    back_to_back: f64,
    best: f64,
    spaced: Option<f64>,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn run(rt: tokio::runtime::Runtime, addr: SocketAddr) -> (Vec<(Kind, Row)>, [f64; 2]) {
    let (calls, rounds, spaced, gap) =
        (env_or("CALLS", 2000), env_or("ROUNDS", 9), env_or("SPACED", 200), env_or("GAP_MS", 50));
    rt.block_on(async move {
        let s = signed(&addr.to_string());
        let b = Bench {
            raw: RawFloor::new(addr, &s).await,
            hyper: HyperFloor::new(addr, &s).await,
            floor: ReqwestFloor::new(addr, &s),
            client: client(addr),
            req: req(),
        };
        for kind in KINDS {
            for _ in 0..200 {
                b.once(kind).await;
            }
        }
        // `PROFILE=call` (or raw, hyper, floor): only that path, for `perf record`; no table.
        // `PROFILE_GAP_MS`: a `tokio::time::sleep` before each (0: none; `wait`: only those).
        if let Ok(name) = std::env::var("PROFILE") {
            let kind = KINDS.into_iter().find(|k| k.name() == name);
            assert!(kind.is_some() || name == "wait", "PROFILE=raw|hyper|floor|call|wait");
            let gap = Duration::from_millis(env_or("PROFILE_GAP_MS", 0) as u64);
            for _ in 0..calls * rounds {
                if !gap.is_zero() {
                    tokio::time::sleep(gap).await;
                }
                if let Some(kind) = kind {
                    b.once(kind).await;
                }
            }
            std::process::exit(0);
        }
        let mut per_round: Vec<Vec<f64>> = vec![Vec::new(); KINDS.len()];
        for _ in 0..rounds {
            for (i, kind) in KINDS.into_iter().enumerate() {
                let t0 = process_cpu_ns();
                for _ in 0..calls {
                    b.once(kind).await;
                }
                per_round[i].push((process_cpu_ns() - t0) as f64 / calls as f64 / 1000.0);
            }
        }
        let gap = Duration::from_millis(gap as u64);
        let spaced_kinds = [Kind::Floor, Kind::Call];
        let (mut spent, mut idle, mut idle_std) = ([0u64; 2], 0u64, 0u64);
        for _ in 0..spaced {
            for (i, kind) in spaced_kinds.into_iter().enumerate() {
                let t0 = process_cpu_ns();
                tokio::time::sleep(gap).await;
                b.once(kind).await;
                spent[i] += process_cpu_ns() - t0;
            }
            let t0 = process_cpu_ns();
            tokio::time::sleep(gap).await;
            idle += process_cpu_ns() - t0;
            // The same wait with the runtime's thread blocked in the kernel (no timer wheel, no
            // driver): what waking a thread after 50 ms costs on this machine by itself.
            let t0 = process_cpu_ns();
            std::thread::sleep(gap);
            idle_std += process_cpu_ns() - t0;
        }
        let per = |ns: u64| ns as f64 / spaced.max(1) as f64 / 1000.0;
        let rows = KINDS
            .into_iter()
            .zip(per_round)
            .map(|(kind, mut rounds)| {
                let spaced = spaced_kinds.iter().position(|k| *k == kind).filter(|_| spaced > 0).map(|i| per(spent[i]));
                (kind, Row { back_to_back: median(&mut rounds), best: rounds[0], spaced })
            })
            .collect();
        (rows, [per(idle), per(idle_std)])
    })
}

fn main() {
    if std::env::args().any(|a| a == "--serve") {
        serve();
        return;
    }
    // `SERVER=127.0.0.1:port`: a server started apart (`call_floor --serve`), so that
    // `perf stat` of this process counts the client alone.
    let (mut child, addr) = match std::env::var("SERVER") {
        Ok(addr) => (None, addr.parse().expect("SERVER=127.0.0.1:port")),
        Err(_) => {
            let mut child = Command::new(std::env::current_exe().unwrap())
                .arg("--serve")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("start the server process");
            let mut line = String::new();
            BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
            let addr: SocketAddr = line.trim().parse().expect("server address");
            (Some(child), addr)
        }
    };

    let (calls, rounds, spaced, gap) =
        (env_or("CALLS", 2000), env_or("ROUNDS", 9), env_or("SPACED", 200), env_or("GAP_MS", 50));
    println!("client CPU per call, µs (CLOCK_PROCESS_CPUTIME_ID of the client process; the server is another process)");
    println!(
        "back to back: median (and fastest) of {rounds} rounds of {calls} calls; spaced: {spaced} calls, each after a {gap} ms wait (the wait's CPU included)"
    );
    println!();
    println!("| runtime | path | back to back | × floor | fastest round | spaced | × floor |");
    println!("|---|---|---|---|---|---|---|");
    type MakeRuntime = fn() -> tokio::runtime::Runtime;
    let flavors: [(&str, MakeRuntime); 2] = [
        ("current_thread", || tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()),
        ("multi_thread", || tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()),
    ];
    let only = std::env::var("FLAVORS").unwrap_or_default();
    for (flavor, make) in flavors {
        if !only.is_empty() && !only.split(',').any(|f| f == flavor) {
            continue;
        }
        let (rows, [idle, idle_std]) = run(make(), addr);
        let floor = rows.iter().find(|(k, _)| *k == Kind::Floor).map(|(_, r)| (r.back_to_back, r.spaced)).unwrap();
        for (kind, row) in &rows {
            let spaced = match (row.spaced, floor.1) {
                (Some(s), Some(f)) => format!("{s:.1} | {:.2}", s / f),
                _ => " | ".to_owned(),
            };
            println!(
                "| {flavor} | {} | {:.1} | {:.2} | {:.1} | {spaced} |",
                kind.label(),
                row.back_to_back,
                row.back_to_back / floor.0,
                row.best
            );
        }
        if spaced > 0 {
            println!("| {flavor} | the {gap} ms wait alone (tokio::time::sleep) | | | | {idle:.1} | |");
            println!("| {flavor} | the {gap} ms wait alone (std::thread::sleep) | | | | {idle_std:.1} | |");
        }
    }
    if let Some(mut child) = child.take() {
        drop(child.stdin.take());
        let _ = child.wait();
    }
}
