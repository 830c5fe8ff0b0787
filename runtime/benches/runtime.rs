//! Benchmarks: signing one request (POST and GET), and one full call over loopback against
//! the tests' tiny in-process server. Run: `cargo bench -p tc-runtime --bench runtime`.

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;

use serde::{Deserialize, Serialize};
use support::{Reply, Server};
use tc_runtime::sign::{self, SignInput};
use tc_runtime::{ActionInfo, Client, Credentials, Endpoint, Method, RateLimitConfig, RawCode, ServiceInfo};

static TCSS: ServiceInfo =
    ServiceInfo { name: "tcss", version: "2020-11-01", default_host: "tcss.tencentcloudapi.com", intl_host: None };
static LIST: ActionInfo =
    ActionInfo { service: &TCSS, name: "DescribeImageAutoAuthorizedTaskList", rate_limit: Some(20), idempotent: true, idempotency_token: None, unsigned: false };

/// A mutating action with an idempotency token: the runtime fills `ClientToken` in the body.
static MODIFY: ActionInfo = ActionInfo {
    service: &TCSS,
    name: "ModifyMachine",
    rate_limit: Some(5),
    idempotent: false,
    idempotency_token: Some("ClientToken"),
    unsigned: false,
};

const PAYLOAD: &[u8] = br#"{"StartTime":"2022-01-01","EndTime":"2022-01-07","Filters":[{"Name":"Source","Values":["LOCAL"]}],"Limit":10,"Offset":0}"#;

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
#[allow(dead_code)]
struct Resp {
    #[serde(rename = "TotalCount")]
    total_count: u64,
    #[serde(rename = "RequestId")]
    request_id: String,
}

fn main() {
    divan::main();
}

fn input(method: &'static str, query: &'static str, content_type: &'static str, payload: &'static [u8]) -> SignInput<'static> {
    SignInput {
        method,
        host: "tcss.tencentcloudapi.com",
        canonical_query: query,
        content_type,
        payload,
        service: "tcss",
        timestamp: 1_700_000_000,
        secret_id: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        secret_key: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        extra_signed_headers: &[],
    }
}

#[divan::bench]
fn sign_post() -> sign::Signature {
    sign::sign(black_box(&input("POST", "", "application/json", PAYLOAD)))
}

/// The client's path: only the `Authorization` value (`sign::authorization`), same input.
#[divan::bench]
fn authorization_post() -> String {
    sign::authorization(black_box(&input("POST", "", "application/json", PAYLOAD)))
}

/// The call path's work on either side of the HTTP exchange, for the breakdown in
/// BENCHMARKS.md ("The call path at the floor"): serializing the request...
#[divan::bench]
fn serialize_request() -> Vec<u8> {
    serde_json::to_vec(black_box(&req())).unwrap()
}

/// ...and splitting the reply's envelope and decoding it (what `Client::call` does once the
/// body is read).
#[divan::bench]
fn decode_reply() -> Resp {
    const BODY: &[u8] =
        br#"{"Response":{"TotalCount":1,"List":[],"RequestId":"6a1f2c3e-bench-4d5e-9f00-0123456789ab"}}"#;
    tc_runtime::decode_response::<Resp, RawCode>(200, black_box(BODY)).unwrap()
}

#[divan::bench]
fn flatten_and_sign_get() -> sign::Signature {
    let value: serde_json::Value = serde_json::from_slice(black_box(PAYLOAD)).unwrap();
    let query = tc_runtime::query::to_query_string(&value);
    let mut i = input("GET", "", "application/x-www-form-urlencoded", b"");
    i.canonical_query = &query;
    sign::sign(&i)
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

fn bench_call(bencher: divan::Bencher, method: Method) {
    bench_action(bencher, method, &LIST);
}

fn bench_action(bencher: divan::Bencher, method: Method, action: &'static ActionInfo) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (server, client) = rt.block_on(async {
        let server = Server::start(|_, _| Reply::ok(r#""TotalCount":1,"List":[]"#, "bench-rid")).await;
        let client = Client::builder()
            .credentials(Credentials::new("AKIDbench0000000000000000", "bench-secret-key"))
            .endpoint(Endpoint::custom(&server.url()).unwrap())
            .method(method)
            .rate_limit(RateLimitConfig::disabled())
            .build()
            .unwrap();
        (server, client)
    });
    let req = req();
    bencher.bench_local(|| rt.block_on(client.call::<Req, Resp, RawCode>(action, black_box(&req))).unwrap());
    drop(server);
}

/// One full POST call: serialize, sign, send over a reused loopback connection, read, parse
/// the envelope, decode. The server runs on the same current-thread runtime.
#[divan::bench]
fn call_post_loopback(bencher: divan::Bencher) {
    bench_call(bencher, Method::Post);
}

/// The same with GET (query flattening instead of a JSON body).
#[divan::bench]
fn call_get_loopback(bencher: divan::Bencher) {
    bench_call(bencher, Method::Get);
}

/// A POST of a mutating action with an idempotency token: the body is parsed, given a fresh
/// `ClientToken` and serialized again (once per call, not per attempt).
#[divan::bench]
fn call_post_with_token_loopback(bencher: divan::Bencher) {
    bench_action(bencher, Method::Post, &MODIFY);
}
