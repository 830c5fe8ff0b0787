//! End-to-end tests of `Client` against a hand-rolled loopback server (127.0.0.1, ephemeral
//! ports): headers and signatures as sent, envelopes, typed errors, retries, timeouts, faults,
//! the rate limiter, and that no secret ever reaches Debug, Display, errors or tracing.

mod support;
#[path = "support/capture.rs"]
mod capture;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use support::{Reply, Request, Server};
use tc_runtime::sign::{self, VerifyRequest};
use tc_runtime::{
    ActionInfo, Client, ClientBuilder, Credentials, CredentialsError, CredentialsProvider, DecodeErrorKind, Endpoint,
    Error, ErrorCode, Language, Method, RateLimitConfig, RetryConfig, ServiceInfo, TransportErrorKind,
};

const SECRET_ID: &str = "AKIDtestSecretId0123456789abcdef";
const SECRET_KEY: &str = "SKEY-do-not-leak-7f3a9c1e5b";
const TOKEN: &str = "TOKEN-do-not-leak-4d2b8e6a0c";

static TCSS: ServiceInfo = ServiceInfo {
    name: "tcss",
    version: "2020-11-01",
    default_host: "tcss.tencentcloudapi.com",
    intl_host: Some("tcss.intl.tencentcloudapi.com"),
};

static LIST: ActionInfo =
    ActionInfo { service: &TCSS, name: "DescribeImageAutoAuthorizedTaskList", rate_limit: Some(20), idempotent: true, idempotency_token: None, unsigned: false };

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Filter {
    name: String,
    values: Vec<String>,
    exact_match: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ListReq {
    start_time: String,
    filters: Vec<Filter>,
    limit: u64,
    offset: u64,
}

fn list_req() -> ListReq {
    ListReq {
        start_time: "2022-01-01 00:00:00".into(),
        filters: vec![Filter {
            name: "Source".into(),
            values: vec!["LOCAL".into(), "RE GISTRY/未".into()],
            exact_match: true,
        }],
        limit: 10,
        offset: 0,
    }
}

#[derive(Deserialize, Debug)]
struct ListResp {
    #[serde(rename = "TotalCount", deserialize_with = "tc_runtime::de::u64")]
    total_count: u64,
    #[serde(rename = "RequestId")]
    request_id: String,
}

#[derive(Debug, PartialEq)]
enum Code {
    RequestLimitExceeded,
    InvalidParameter,
    Other(String),
}

impl ErrorCode for Code {
    fn from_code(code: &str) -> Self {
        match code {
            "RequestLimitExceeded" => Code::RequestLimitExceeded,
            "InvalidParameter" => Code::InvalidParameter,
            other => Code::Other(other.to_owned()),
        }
    }
    fn as_str(&self) -> &str {
        match self {
            Code::RequestLimitExceeded => "RequestLimitExceeded",
            Code::InvalidParameter => "InvalidParameter",
            Code::Other(s) => s,
        }
    }
}

fn creds() -> Credentials {
    Credentials::new(SECRET_ID, SECRET_KEY).with_token(TOKEN)
}

/// A builder for `server`: tiny backoff, limiter off, 2 s timeout.
fn builder(server: &Server) -> ClientBuilder {
    Client::builder()
        .credentials(creds())
        .endpoint(Endpoint::custom(&server.url()).unwrap())
        .retry(RetryConfig::default().with_base_delay(Duration::from_millis(1)).with_max_delay(Duration::from_millis(5)))
        .rate_limit(RateLimitConfig::disabled())
        .timeout(Duration::from_secs(2))
}

async fn call(client: &Client) -> Result<ListResp, Error<Code>> {
    client.call::<ListReq, ListResp, Code>(&LIST, &list_req()).await
}

/// Recomputes the signature of a captured request with the shared verifier.
fn assert_signature_verifies(r: &Request) {
    let auth = sign::parse_authorization(r.header("authorization").expect("Authorization sent")).unwrap();
    assert_eq!(auth.secret_id, SECRET_ID);
    assert_eq!(auth.service, "tcss");
    assert_eq!(auth.signed_headers, ["content-type", "host"]);
    let timestamp: i64 = r.header("x-tc-timestamp").unwrap().parse().unwrap();
    let lookup = |n: &str| r.header(n).map(str::to_owned);
    let req = VerifyRequest {
        method: &r.method,
        canonical_query: r.query(),
        payload: &r.body,
        timestamp,
        header: &lookup,
    };
    sign::verify(&auth, &req, SECRET_KEY).expect("signature recomputes");
}

#[tokio::test]
async fn post_sends_exact_headers_and_a_verifiable_signature() {
    let server = Server::start(|_, _| Reply::ok(r#""TotalCount":"7""#, "rid-ok")).await;
    let client = builder(&server).region("ap-guangzhou").language(Language::EnUs).build().unwrap();
    let before = tc_runtime::time::now_unix();
    let resp = call(&client).await.unwrap();
    assert_eq!(resp.total_count, 7);
    assert_eq!(resp.request_id, "rid-ok");

    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.target, "/");
    // Byte for byte: no charset appended by the HTTP library.
    assert!(r.raw_head.contains("\r\ncontent-type: application/json\r\n"), "{}", r.raw_head);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("host"), Some(server.addr.to_string().as_str()));
    assert_eq!(r.header("x-tc-action"), Some("DescribeImageAutoAuthorizedTaskList"));
    assert_eq!(r.header("x-tc-version"), Some("2020-11-01"));
    assert_eq!(r.header("x-tc-region"), Some("ap-guangzhou"));
    assert_eq!(r.header("x-tc-token"), Some(TOKEN));
    assert_eq!(r.header("x-tc-language"), Some("en-US"));
    assert_eq!(r.header("x-tc-requestclient"), Some(tc_runtime::DEFAULT_REQUEST_CLIENT));
    assert!(tc_runtime::DEFAULT_REQUEST_CLIENT.starts_with("tc-sdk-rust/"));
    let ts: i64 = r.header("x-tc-timestamp").unwrap().parse().unwrap();
    assert!(ts >= before && ts <= tc_runtime::time::now_unix());
    let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body["Filters"][0]["Values"][1], "RE GISTRY/未");
    assert_eq!(body["Limit"], 10);
    assert_signature_verifies(r);
}

#[tokio::test]
async fn get_sends_a_flattened_query_and_signs_it() {
    let server = Server::start(|_, _| Reply::ok(r#""TotalCount":1"#, "rid-get")).await;
    let client = builder(&server).method(Method::Get).build().unwrap();
    call(&client).await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.method, "GET");
    assert_eq!(
        r.target,
        "/?Filters.0.ExactMatch=true&Filters.0.Name=Source&Filters.0.Values.0=LOCAL\
         &Filters.0.Values.1=RE%20GISTRY%2F%E6%9C%AA&Limit=10&Offset=0&StartTime=2022-01-01%2000%3A00%3A00"
    );
    assert!(r.raw_head.contains("\r\ncontent-type: application/x-www-form-urlencoded\r\n"), "{}", r.raw_head);
    assert!(r.body.is_empty());
    assert_eq!(r.header("x-tc-region"), None);
    assert_signature_verifies(r);
}

#[tokio::test]
async fn optional_headers_are_absent_when_unset() {
    let server = Server::start(|_, _| Reply::ok("", "r")).await;
    let client = builder(&server)
        .credentials(Credentials::new(SECRET_ID, SECRET_KEY))
        .request_client("my-tool/2.1")
        .build()
        .unwrap();
    client.call::<_, serde_json::Value, Code>(&LIST, &serde_json::json!({})).await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.header("x-tc-requestclient"), Some("my-tool/2.1"));
    assert_eq!(r.header("x-tc-token"), None);
    assert_eq!(r.header("x-tc-region"), None);
    assert_eq!(r.header("x-tc-language"), Some("zh-CN"));
    assert_eq!(r.body, b"{}");
    assert_signature_verifies(r);
}

#[tokio::test]
async fn api_errors_are_typed_and_not_retried() {
    let server = Server::start(|_, _| Reply::api_error("InvalidParameter", "Limit is wrong", "rid-err")).await;
    let client = builder(&server).build().unwrap();
    let err = call(&client).await.unwrap_err();
    match &err {
        Error::Api(a) => {
            assert_eq!(a.code, Code::InvalidParameter);
            assert_eq!(a.message, "Limit is wrong");
            assert_eq!(a.request_id, "rid-err");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.request_id(), Some("rid-err"));
    assert!(!err.is_retryable());
    assert_eq!(err.to_string(), "InvalidParameter: Limit is wrong (RequestId rid-err)");
    assert_eq!(server.request_count(), 1);

    let server = Server::start(|_, _| Reply::api_error("ResourceNotFound.Thing", "m", "r")).await;
    let err = call(&builder(&server).build().unwrap()).await.unwrap_err();
    assert_eq!(err.code(), Some(&Code::Other("ResourceNotFound.Thing".into())));
}

#[tokio::test]
async fn throttling_is_retried_then_succeeds_with_fresh_signatures() {
    for code in [
        "RequestLimitExceeded",
        "RequestLimitExceeded.UinLimitExceeded",
        "RequestLimitExceeded.GlobalRegionUinLimitExceeded",
        "RequestLimitExceeded.IPLimitExceeded",
    ] {
        let server = Server::start(move |_, i| {
            if i == 0 { Reply::api_error(code, "slow down", "rid-t") } else { Reply::ok(r#""TotalCount":2"#, "rid-2") }
        })
        .await;
        let resp = call(&builder(&server).build().unwrap()).await.unwrap();
        assert_eq!(resp.request_id, "rid-2");
        let reqs = server.requests();
        assert_eq!(reqs.len(), 2, "{code}");
        for r in &reqs {
            assert_signature_verifies(r);
        }
    }
}

#[tokio::test]
async fn throttling_until_exhausted_returns_the_api_error() {
    let server = Server::start(|_, _| Reply::api_error("RequestLimitExceeded", "slow down", "rid-t")).await;
    let err = call(&builder(&server).build().unwrap()).await.unwrap_err();
    assert_eq!(err.code(), Some(&Code::RequestLimitExceeded));
    assert!(err.is_retryable());
    assert_eq!(server.request_count(), 3);
}

const HTML_502: &str = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";

#[tokio::test]
async fn server_errors_are_retried_then_succeed() {
    let server = Server::start(|_, i| match i {
        0 => Reply::status(502, "text/html", HTML_502),
        1 => Reply::status(503, "text/plain", "busy"),
        _ => Reply::ok(r#""TotalCount":3"#, "rid-3"),
    })
    .await;
    let resp = call(&builder(&server).build().unwrap()).await.unwrap();
    assert_eq!(resp.total_count, 3);
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn server_errors_until_attempts_are_exhausted() {
    let server = Server::start(|_, _| Reply::status(502, "text/html", HTML_502)).await;
    let err = call(&builder(&server).build().unwrap()).await.unwrap_err();
    assert_eq!(server.request_count(), 3);
    let Error::Transport(t) = &err else { panic!("{err:?}") };
    assert_eq!(t.kind(), TransportErrorKind::Status);
    assert_eq!(err.status(), Some(502));
    assert_eq!(t.body_excerpt(), Some(HTML_502));
    assert!(err.is_retryable());
    assert!(err.to_string().contains("HTTP 502") && err.to_string().contains("502 Bad Gateway"), "{err}");

    // Configurable and disableable.
    let server = Server::start(|_, _| Reply::status(500, "text/plain", "oops")).await;
    let client = builder(&server).retry(RetryConfig::disabled()).build().unwrap();
    call(&client).await.unwrap_err();
    assert_eq!(server.request_count(), 1);
    let server = Server::start(|_, _| Reply::status(500, "text/plain", "oops")).await;
    let client = builder(&server)
        .retry(RetryConfig::default().with_max_attempts(5).with_base_delay(Duration::ZERO))
        .build()
        .unwrap();
    call(&client).await.unwrap_err();
    assert_eq!(server.request_count(), 5);

    // 4xx is not retried.
    let server = Server::start(|_, _| Reply::status(404, "text/plain", "no such path")).await;
    let err = call(&builder(&server).build().unwrap()).await.unwrap_err();
    assert_eq!((err.status(), err.is_retryable(), server.request_count()), (Some(404), false, 1));
}

fn decode_error(err: &Error<Code>) -> (&tc_runtime::DecodeError, DecodeErrorKind) {
    match err {
        Error::Decode(d) => (d, d.kind()),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn garbage_bodies_are_typed_decode_errors() {
    let cases: Vec<(Reply, DecodeErrorKind)> = vec![
        (Reply::status(200, "text/html", "<html>hello</html>"), DecodeErrorKind::InvalidJson),
        (Reply::status(200, "application/json", ""), DecodeErrorKind::InvalidJson),
        (Reply::json(r#"{"Response":{"TotalCount":1,"Req"#), DecodeErrorKind::Truncated),
        (Reply::json(r#"{"NotResponse":{}}"#), DecodeErrorKind::Envelope),
        (Reply::json(r#"{"Response":"x"}"#), DecodeErrorKind::Envelope),
        (Reply::json(r#"{"Response":{"TotalCount":"xx","RequestId":"rid-shape"}}"#), DecodeErrorKind::Response),
    ];
    for (reply, want) in cases {
        let server = Server::start(move |_, _| reply.clone()).await;
        let err = call(&builder(&server).build().unwrap()).await.unwrap_err();
        let (d, kind) = decode_error(&err);
        assert_eq!(kind, want, "{err}");
        assert_eq!(d.status(), 200);
        assert!(!err.is_retryable());
        assert_eq!(server.request_count(), 1, "decode errors are not retried");
        if want == DecodeErrorKind::Response {
            assert_eq!(err.request_id(), Some("rid-shape"));
            assert!(err.to_string().contains("xx"), "{err}");
        }
    }
    // A huge non-JSON body: the excerpt stays bounded.
    let big = "x".repeat(100_000);
    let server = Server::start(move |_, _| Reply::status(200, "text/plain", &big)).await;
    let err = call(&builder(&server).build().unwrap()).await.unwrap_err();
    let (d, _) = decode_error(&err);
    assert_eq!(d.body_excerpt().len(), 512);
}

#[tokio::test]
async fn oversized_bodies_stop_at_the_cap() {
    let body = format!(r#"{{"Response":{{"Pad":"{}","RequestId":"r"}}}}"#, "p".repeat(5000));
    // Declared by Content-Length: refused before reading.
    let b = body.clone();
    let server = Server::start(move |_, _| Reply::json(b.clone())).await;
    let err = call(&builder(&server).max_response_bytes(1024).build().unwrap()).await.unwrap_err();
    let Error::Transport(t) = &err else { panic!("{err:?}") };
    assert_eq!((t.kind(), t.status(), err.is_retryable()), (TransportErrorKind::TooLarge, Some(200), false));
    assert_eq!(server.request_count(), 1);
    // Chunked, no Content-Length: stopped while streaming, excerpt bounded.
    let chunks: Vec<Vec<u8>> = body.as_bytes().chunks(700).map(<[u8]>::to_vec).collect();
    let server = Server::start(move |_, _| Reply::Chunked { chunks: chunks.clone() }).await;
    let err = call(&builder(&server).max_response_bytes(1024).build().unwrap()).await.unwrap_err();
    let Error::Transport(t) = &err else { panic!("{err:?}") };
    assert_eq!(t.kind(), TransportErrorKind::TooLarge);
    assert!(t.body_excerpt().unwrap().starts_with(r#"{"Response":{"Pad":"ppp"#));
    assert!(t.body_excerpt().unwrap().len() <= 512);
    // Under the cap, chunked works.
    let chunks: Vec<Vec<u8>> = body.as_bytes().chunks(700).map(<[u8]>::to_vec).collect();
    let server = Server::start(move |_, _| Reply::Chunked { chunks: chunks.clone() }).await;
    let v = builder(&server).build().unwrap().call::<_, serde_json::Value, Code>(&LIST, &()).await.unwrap();
    assert_eq!(v["RequestId"], "r");
    assert_eq!(server.requests()[0].body, b"{}", "a unit request is sent as {{}}");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = Server::start(|_, _| Reply::Hang).await;
    let client = builder(&server).timeout(Duration::from_millis(150)).retry(RetryConfig::disabled()).build().unwrap();
    let err = call(&client).await.unwrap_err();
    let Error::Transport(t) = &err else { panic!("{err:?}") };
    assert_eq!(t.kind(), TransportErrorKind::Timeout);
    assert!(err.is_retryable());
    assert_eq!(err.status(), None);
    assert_eq!(server.request_count(), 1);
    // Timeouts are retried, each attempt on its own clock.
    let server = Server::start(|_, _| Reply::Hang).await;
    let client = builder(&server)
        .timeout(Duration::from_millis(100))
        .retry(RetryConfig::default().with_max_attempts(2).with_base_delay(Duration::ZERO))
        .build()
        .unwrap();
    call(&client).await.unwrap_err();
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn a_connection_dropped_mid_body_is_a_retryable_network_error() {
    let server = Server::start(|_, _| Reply::Partial { declared: 200, body: br#"{"Response":{"Tot"#.to_vec() }).await;
    let err = call(&builder(&server).build().unwrap()).await.unwrap_err();
    let Error::Transport(t) = &err else { panic!("{err:?}") };
    assert_eq!(t.kind(), TransportErrorKind::Network, "{err}");
    assert!(err.is_retryable());
    assert_eq!(t.status(), Some(200));
    assert_eq!(server.request_count(), 3);
    // Then success after one drop.
    let server = Server::start(|_, i| {
        if i == 0 { Reply::Partial { declared: 50, body: b"{".to_vec() } } else { Reply::ok(r#""TotalCount":4"#, "r") }
    })
    .await;
    assert_eq!(call(&builder(&server).build().unwrap()).await.unwrap().total_count, 4);
    // Closed before any response.
    let server = Server::start(|_, i| if i == 0 { Reply::Close } else { Reply::ok(r#""TotalCount":5"#, "r") }).await;
    assert_eq!(call(&builder(&server).build().unwrap()).await.unwrap().total_count, 5);
}

#[tokio::test]
async fn connection_refused_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder()
        .credentials(creds())
        .endpoint(Endpoint::custom(&format!("http://{addr}")).unwrap())
        .retry(RetryConfig::default().with_base_delay(Duration::ZERO))
        .build()
        .unwrap();
    let err = call(&client).await.unwrap_err();
    let Error::Transport(t) = &err else { panic!("{err:?}") };
    assert_eq!(t.kind(), TransportErrorKind::Connect, "{err}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn connections_are_reused_across_calls() {
    let server = Server::start(|_, _| Reply::ok(r#""TotalCount":1"#, "r")).await;
    let client = builder(&server).build().unwrap();
    for _ in 0..5 {
        call(&client).await.unwrap();
    }
    let clone = client.clone();
    call(&clone).await.unwrap();
    assert_eq!(server.request_count(), 6);
    assert_eq!(server.connection_count(), 1);
}

#[derive(Debug)]
struct FailingProvider;

impl CredentialsProvider for FailingProvider {
    fn credentials(&self) -> Result<Credentials, CredentialsError> {
        Err(CredentialsError::EnvNotSet)
    }
}

#[tokio::test]
async fn config_and_credentials_errors() {
    let server = Server::start(|_, _| Reply::ok("", "r")).await;
    let err = builder(&server).credentials_provider(Arc::new(FailingProvider)).build().unwrap_err();
    assert!(err.to_string().contains("TENCENTCLOUD_SECRET_ID"), "{err}");
    assert!(builder(&server).endpoint(Endpoint::Regional).build().is_err());
    assert!(builder(&server).region("Bad Region").build().is_err());
    assert!(builder(&server).request_client("bad\nname").build().is_err());
    let err = builder(&server).credentials(Credentials::new("", SECRET_KEY)).build().unwrap_err();
    assert!(err.to_string().contains("SecretId is empty"), "{err}");
    assert_eq!(server.request_count(), 0);
}

static LIMITED: ActionInfo = ActionInfo { service: &TCSS, name: "DescribePurchaseStateInfo", rate_limit: Some(40), idempotent: true, idempotency_token: None, unsigned: false };
static OTHER_LIMITED: ActionInfo = ActionInfo { service: &TCSS, name: "DescribeProVersionInfo", rate_limit: Some(40), idempotent: true, idempotency_token: None, unsigned: false };

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limiter_holds_a_burst_to_the_documented_rate_at_the_server() {
    let server = Server::start(|_, _| Reply::ok("", "r")).await;
    let client = builder(&server).rate_limit(RateLimitConfig::default()).build().unwrap();
    const N: usize = 16;
    let mut tasks = Vec::new();
    for _ in 0..N {
        let c = client.clone();
        tasks.push(tokio::spawn(async move {
            c.call::<_, serde_json::Value, Code>(&LIMITED, &serde_json::json!({})).await.unwrap();
        }));
    }
    // A different action has its own limiter: it is not queued behind the burst.
    client.call::<_, serde_json::Value, Code>(&OTHER_LIMITED, &serde_json::json!({})).await.unwrap();
    let other_done = server.request_count();
    for t in tasks {
        t.await.unwrap();
    }
    assert!(other_done < N, "the other action waited for the burst ({other_done} requests before it)");
    let limited: Vec<Instant> = server
        .requests()
        .iter()
        .filter(|r| r.header("x-tc-action") == Some("DescribePurchaseStateInfo"))
        .map(|r| r.at)
        .collect();
    assert_eq!(limited.len(), N);
    // Count arrivals per window: at 40/s, burst 1, a 200 ms window holds at most 40*0.2 + 1 = 9
    // (plus 1 for scheduling jitter between release and arrival).
    let window = Duration::from_millis(200);
    for &start in &limited {
        let count = limited.iter().filter(|&&t| t >= start && t < start + window).count();
        assert!(count <= 10, "{count} arrivals within {window:?}");
    }
    let first = *limited.iter().min().unwrap();
    let early = limited.iter().filter(|&&t| t < first + Duration::from_millis(100)).count();
    assert!(early <= 6, "{early} arrivals in the first 100 ms");
}

#[tokio::test]
async fn no_secret_in_debug_display_errors_or_tracing() {
    let capture = capture::Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    // Other tests run on other threads with no subscriber: one that reached the `tc.call`
    // span first while this subscriber was being installed could leave its interest cached
    // as "never" (CI saw the span missing once). Recompute every callsite's interest now.
    tracing::callsite::rebuild_interest_cache();
    let server = Server::start(|_, i| match i {
        0 => Reply::ok(r#""TotalCount":1"#, "rid-trace-ok"),
        1 => Reply::api_error("RequestLimitExceeded", "slow", "rid-trace-throttle"),
        2 => Reply::ok(r#""TotalCount":1"#, "rid-trace-after"),
        3 => Reply::api_error("AuthFailure.SignatureFailure", "bad sig", "rid-trace-auth"),
        4 => Reply::status(502, "text/html", HTML_502),
        5 => Reply::json("not json"),
        _ => Reply::Partial { declared: 100, body: b"{".to_vec() },
    })
    .await;
    let client = builder(&server).retry(RetryConfig::default().with_max_attempts(2).with_base_delay(Duration::ZERO)).build().unwrap();
    let mut texts = vec![format!("{client:?}"), format!("{:?}", creds())];
    call(&client).await.unwrap();
    call(&client).await.unwrap(); // throttled, then retried
    for _ in 0..4 {
        let err = call(&client).await.unwrap_err();
        texts.push(format!("{err} {err:?}"));
        let mut src = std::error::Error::source(&err);
        while let Some(s) = src {
            texts.push(format!("{s} {s:?}"));
            src = s.source();
        }
    }
    // Credential and config errors too.
    let bad = format!("[default]\nsecret_id = {SECRET_ID}\nsecret_key {SECRET_KEY}\ntoken={TOKEN}\n");
    let err = Credentials::from_profile_text(bad.as_bytes(), std::path::Path::new("creds"), None).unwrap_err();
    texts.push(format!("{err} {err:?}"));
    let err = builder(&server).credentials(Credentials::new(SECRET_ID, format!("{SECRET_KEY}\n"))).build().unwrap_err();
    texts.push(format!("{err} {err:?}"));

    let traced = capture.text();
    texts.push(traced.clone());
    for t in &texts {
        for secret in [SECRET_KEY, TOKEN] {
            assert!(!t.contains(secret), "secret leaked in: {t}");
        }
        assert!(!t.contains("Signature="), "Authorization leaked in: {t}");
        assert!(!t.contains(SECRET_ID), "full SecretId shown in: {t}");
    }
    // The span and its fields are there.
    assert!(traced.contains("span tc.call service=tcss action=DescribeImageAutoAuthorizedTaskList"), "{traced}");
    assert!(traced.contains("attempt=2"), "{traced}");
    for id in ["rid-trace-ok", "rid-trace-throttle", "rid-trace-after", "rid-trace-auth"] {
        assert!(traced.contains(&format!("request_id={id}")), "{id} not recorded: {traced}");
    }
    assert!(traced.contains("tc.call: retrying"), "{traced}");
}

#[tokio::test]
async fn the_call_future_is_small() {
    let server = Server::start(|_, _| Reply::ok(r#""TotalCount":1"#, "r")).await;
    let client = builder(&server).build().unwrap();
    let req = list_req();
    let fut = client.call::<ListReq, ListResp, Code>(&LIST, &req);
    fn assert_send<T: Send>(_: &T) {}
    fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
    assert_send(&fut);
    assert_send_sync::<Client>();
    assert_send_sync::<Credentials>();
    let size = std::mem::size_of_val(&fut);
    eprintln!("call future: {size} bytes");
    assert!(size < 4096, "call future is {size} bytes");
    assert!(size < 512, "call future is {size} bytes; the boxed core should keep it tiny");
    assert_eq!(fut.await.unwrap().total_count, 1);
    // The boxed non-generic core holds the rest of the state, on the heap.
    let core = client.call_raw(&LIST, b"{}".to_vec());
    eprintln!("boxed core future: {} bytes", std::mem::size_of_val(&*core));
    drop(core);
}

#[tokio::test]
async fn calls_run_concurrently_on_a_shared_client() {
    let server = Server::start(|r, _| {
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        Reply::ok(&format!(r#""TotalCount":{}"#, body["Offset"]), "r")
    })
    .await;
    let client = builder(&server).build().unwrap();
    let futs = (0..8u64).map(|i| {
        let c = client.clone();
        async move {
            let mut req = list_req();
            req.offset = i;
            c.call::<ListReq, ListResp, Code>(&LIST, &req).await.unwrap().total_count
        }
    });
    let mut got = Vec::new();
    for f in futs.collect::<Vec<_>>() {
        got.push(f.await);
    }
    assert_eq!(got, (0..8).collect::<Vec<_>>());
}
