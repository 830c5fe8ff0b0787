//! Retries by the action's safety, idempotency tokens, the retry budget and the operation
//! timeout, end to end on loopback (issue 13.2, 13.3).

mod support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Reply, Request, Server};
use tc_runtime::{
    ActionInfo, Client, ClientBuilder, Credentials, Endpoint, Error, Method, MutatingRetry, RateLimitConfig, RawCode,
    RetryConfig, ServiceInfo, Timeout, TransportErrorKind,
};

static DEMO: ServiceInfo =
    ServiceInfo { name: "demo", version: "2099-01-01", default_host: "demo.tencentcloudapi.com", intl_host: None };
/// Like the constructs fixture's `ModifyMachine`, without its token parameter.
static MODIFY: ActionInfo =
    ActionInfo { service: &DEMO, name: "ModifyMachine", rate_limit: Some(5), idempotent: false, idempotency_token: None, unsigned: false };
/// The fixture's `ModifyMachine` as generated: mutating, with a `ClientToken`.
static MODIFY_WITH_TOKEN: ActionInfo = ActionInfo {
    service: &DEMO,
    name: "ModifyMachine",
    rate_limit: Some(5),
    idempotent: false,
    idempotency_token: Some("ClientToken"),
    unsigned: false,
};
static DESCRIBE: ActionInfo =
    ActionInfo { service: &DEMO, name: "DescribeMachines", rate_limit: Some(20), idempotent: true, idempotency_token: None, unsigned: false };

/// Fast retries, limiter off, a 300 ms attempt timeout.
fn builder(server: &Server) -> ClientBuilder {
    Client::builder()
        .credentials(Credentials::new("AKIDretry-tests-000000000000000", "retry-test-key"))
        .endpoint(Endpoint::custom(&server.url()).unwrap())
        .retry(RetryConfig::default().with_base_delay(Duration::from_millis(1)).with_max_delay(Duration::from_millis(5)))
        .rate_limit(RateLimitConfig::disabled())
        .timeout(Duration::from_millis(300))
}

fn modify_request() -> Value {
    json!({"MachineId": "m-1", "Count": 2, "Quota": 3, "Weight": 0.25, "Disk": {"DiskId": "d-1"}, "ExtraDisks": []})
}

async fn call(client: &Client, action: &'static ActionInfo, req: &Value) -> Result<Value, Error<RawCode>> {
    client.call::<_, Value, RawCode>(action, req).await
}

fn body(r: &Request) -> Value {
    serde_json::from_slice(&r.body).expect("a JSON body")
}

fn transport(err: &Error<RawCode>) -> &tc_runtime::TransportError {
    match err {
        Error::Transport(t) => t,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

/// A fault, as a reply maker.
type MakeReply = fn() -> Reply;

/// Regression (issue 13.2): every action was sent up to 3 times, so a mutating call whose
/// reply was lost (a delay past the timeout, a connection dropped mid-body or before the
/// reply, a gateway's 502) was executed 3 times. It is sent once now, and says why.
#[tokio::test]
async fn a_mutating_call_that_may_have_executed_is_not_sent_again() {
    let faults: [(&str, MakeReply); 4] = [
        ("a delay past the timeout", || Reply::Hang),
        ("a drop mid-body", || Reply::Partial { declared: 200, body: br#"{"Response":{"Acc"#.to_vec() }),
        ("a drop before the reply", || Reply::Close),
        ("a gateway's 502", || Reply::status(502, "text/html", "<html>502 Bad Gateway</html>")),
    ];
    for (what, fault) in faults {
        let server = Server::start(move |_, _| fault()).await;
        let err = call(&builder(&server).build().unwrap(), &MODIFY, &modify_request()).await.unwrap_err();
        assert_eq!(server.request_count(), 1, "{what}: a mutating call was executed more than once");
        let t = transport(&err);
        assert_eq!(t.attempts(), 1, "{what}");
        assert!(t.note().is_some_and(|n| n.contains("not idempotent")), "{what}: {err}");
        // The same faults are retried for a read-only action.
        let server = Server::start(move |_, i| if i < 2 { fault() } else { Reply::ok(r#""TotalCount":1"#, "r") }).await;
        call(&builder(&server).build().unwrap(), &DESCRIBE, &json!({})).await.unwrap();
        assert_eq!(server.request_count(), 3, "{what}: a read-only call is retried");
    }
}

/// What cannot have executed is retried for a mutating action too: throttling answers and
/// refused connections.
#[tokio::test]
async fn a_mutating_call_is_retried_when_it_cannot_have_executed() {
    for code in ["RequestLimitExceeded", "RequestLimitExceeded.UinLimitExceeded"] {
        let server = Server::start(move |_, i| {
            if i == 0 { Reply::api_error(code, "slow down", "r1") } else { Reply::ok(r#""Accepted":true"#, "r2") }
        })
        .await;
        let got = call(&builder(&server).build().unwrap(), &MODIFY, &modify_request()).await.unwrap();
        assert_eq!((got["Accepted"].as_bool(), server.request_count()), (Some(true), 2), "{code}");
    }
    let server = Server::start(|_, i| {
        if i == 0 { Reply::status(429, "text/plain", "too many") } else { Reply::ok(r#""Accepted":true"#, "r2") }
    })
    .await;
    call(&builder(&server).build().unwrap(), &MODIFY, &modify_request()).await.unwrap();
    assert_eq!(server.request_count(), 2, "HTTP 429 is throttling");
    // Internal errors may have executed: not retried (nor for read-only actions, as the SDKs).
    let server = Server::start(|_, _| Reply::api_error("InternalError", "oops", "r")).await;
    call(&builder(&server).build().unwrap(), &MODIFY, &modify_request()).await.unwrap_err();
    assert_eq!(server.request_count(), 1);
    // Refused: nothing was sent, so all 3 attempts are made.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder()
        .credentials(Credentials::new("AKIDretry-tests-000000000000000", "k"))
        .endpoint(Endpoint::custom(&format!("http://{addr}")).unwrap())
        .retry(RetryConfig::default().with_base_delay(Duration::ZERO))
        .build()
        .unwrap();
    let err = call(&client, &MODIFY, &modify_request()).await.unwrap_err();
    let t = transport(&err);
    assert_eq!((t.kind(), t.attempts()), (TransportErrorKind::Connect, 3), "{err}");
}

/// With an idempotency token the call is safe to repeat: the runtime fills `ClientToken`
/// once per call (a UUID) and sends the same one on every attempt; a caller's token is kept.
#[tokio::test]
async fn an_idempotency_token_is_filled_once_and_reused_across_attempts() {
    let server = Server::start(|_, i| match i {
        0 => Reply::Hang,
        1 => Reply::Partial { declared: 100, body: b"{".to_vec() },
        _ => Reply::ok(r#""Accepted":true"#, "r"),
    })
    .await;
    let client = builder(&server).build().unwrap();
    call(&client, &MODIFY_WITH_TOKEN, &modify_request()).await.unwrap();
    let sent = server.requests();
    assert_eq!(sent.len(), 3);
    let tokens: BTreeSet<String> = sent.iter().map(|r| body(r)["ClientToken"].as_str().unwrap().to_owned()).collect();
    assert_eq!(tokens.len(), 1, "one token for every attempt: {tokens:?}");
    let token = tokens.first().unwrap();
    assert_eq!((token.len(), &token[14..15]), (36, "4"), "{token}");
    // Everything else is sent as given.
    let mut rest = body(&sent[0]);
    rest.as_object_mut().unwrap().remove("ClientToken");
    assert_eq!(rest, modify_request());

    // Each call has its own; an empty token is replaced; the caller's own token is kept.
    let server = Server::start(|_, _| Reply::ok(r#""Accepted":true"#, "r")).await;
    let client = builder(&server).build().unwrap();
    let mut with_empty = modify_request();
    with_empty["ClientToken"] = json!("");
    let mut with_own = modify_request();
    with_own["ClientToken"] = json!("caller-token-1");
    for req in [modify_request(), modify_request(), with_empty, with_own] {
        call(&client, &MODIFY_WITH_TOKEN, &req).await.unwrap();
    }
    let got: Vec<String> = server.requests().iter().map(|r| body(r)["ClientToken"].as_str().unwrap().to_owned()).collect();
    assert_eq!(got[3], "caller-token-1");
    assert_eq!(got.iter().collect::<BTreeSet<_>>().len(), 4, "{got:?}");
    assert!(got[..3].iter().all(|t| t.len() == 36), "{got:?}");

    // GET carries it in the query.
    let server = Server::start(|_, _| Reply::ok(r#""Accepted":true"#, "r")).await;
    call(&builder(&server).method(Method::Get).build().unwrap(), &MODIFY_WITH_TOKEN, &modify_request()).await.unwrap();
    let query = server.requests()[0].query().to_owned();
    assert!(query.split('&').any(|kv| kv.starts_with("ClientToken=") && kv.len() == "ClientToken=".len() + 36), "{query}");

    // Filling turned off: a call without a token is treated as unsafe to repeat.
    let server = Server::start(|_, _| Reply::Hang).await;
    let client = builder(&server).retry(RetryConfig::default().with_idempotency_tokens(false)).build().unwrap();
    call(&client, &MODIFY_WITH_TOKEN, &modify_request()).await.unwrap_err();
    assert_eq!(server.request_count(), 1);
    assert!(body(&server.requests()[0]).get("ClientToken").is_none());
}

/// Opting in and out, per client (builder) and per call (a view sharing the pool).
#[tokio::test]
async fn retries_can_be_opted_into_and_out_of_per_client_and_per_call() {
    let server = Server::start(|_, _| Reply::status(503, "text/plain", "busy")).await;
    let always = builder(&server).retry(RetryConfig::default().with_mutating(MutatingRetry::Always)).build().unwrap();
    call(&always, &MODIFY, &modify_request()).await.unwrap_err();
    assert_eq!(server.request_count(), 3, "opted in: retried as idempotent");

    let server = Server::start(|_, _| Reply::api_error("RequestLimitExceeded", "slow", "r")).await;
    let client = builder(&server).build().unwrap();
    let never = client.with_retry(client.retry_config().clone().with_mutating(MutatingRetry::Never));
    call(&never, &MODIFY, &modify_request()).await.unwrap_err();
    assert_eq!(server.request_count(), 1, "opted out per call: not even throttling is retried");
    // The view changed nothing for the client itself, and shares its connection pool.
    call(&client, &MODIFY, &modify_request()).await.unwrap_err();
    assert_eq!(server.request_count(), 4);
    call(&client.with_retry(RetryConfig::disabled()), &DESCRIBE, &json!({})).await.unwrap_err();
    assert_eq!(server.request_count(), 5);
    assert_eq!(server.connection_count(), 1, "views share the pool");
}

/// A lasting outage: the retry budget (a token bucket per endpoint and service) runs out, and
/// calls then get one attempt each instead of three.
#[tokio::test]
async fn the_retry_budget_stops_retries_in_a_lasting_outage() {
    let server = Server::start(|_, _| Reply::status(502, "text/html", "down")).await;
    // 20 tokens: 4 retries at 5 each.
    let client = builder(&server).retry(
        RetryConfig::default().with_base_delay(Duration::ZERO).with_retry_budget(Some(20)),
    );
    let client = client.build().unwrap();
    let mut notes = Vec::new();
    for _ in 0..10 {
        let err = call(&client, &DESCRIBE, &json!({})).await.unwrap_err();
        notes.push(transport(&err).note().map(str::to_owned));
    }
    assert_eq!(server.request_count(), 10 + 4, "10 calls, 4 retries (without a budget: 30 requests)");
    assert!(notes.last().unwrap().as_deref().is_some_and(|n| n.contains("budget")), "{notes:?}");
    // Another client of the same endpoint and service shares the spent budget.
    let other = builder(&server).retry(RetryConfig::default().with_base_delay(Duration::ZERO).with_retry_budget(Some(20)));
    call(&other.build().unwrap(), &DESCRIBE, &json!({})).await.unwrap_err();
    assert_eq!(server.request_count(), 15);
    // Successes refill it, one token each.
    let server = Server::start(|_, i| if i % 2 == 0 { Reply::status(502, "text/html", "down") } else { Reply::ok("", "r") }).await;
    let client = builder(&server).retry(RetryConfig::default().with_base_delay(Duration::ZERO).with_retry_budget(Some(5))).build().unwrap();
    for _ in 0..4 {
        call(&client, &DESCRIBE, &json!({})).await.unwrap();
    }
    assert_eq!(server.request_count(), 8, "each retry took 5 tokens and its success gave them back");
}

/// Issue 13.3: the whole call (limiter wait, attempts, backoff) is bounded by the operation
/// timeout, and the error says which timeout passed. On tokio's paused clock: exact.
#[tokio::test(start_paused = true)]
async fn a_call_returns_within_its_operation_timeout() {
    let server = Server::start(|_, _| Reply::Hang).await;
    let client = builder(&server)
        .timeout(Duration::from_secs(60))
        .operation_timeout(Duration::from_secs(5))
        .retry(RetryConfig::default())
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let err = call(&client, &DESCRIBE, &json!({})).await.unwrap_err();
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(5) && took < Duration::from_secs(5) + Duration::from_millis(50), "{took:?}");
    let t = transport(&err);
    assert_eq!((t.kind(), t.timeout()), (TransportErrorKind::Timeout, Some(Timeout::Operation(Duration::from_secs(5)))));
    assert!(err.to_string().contains("operation timeout of 5s"), "{err}");

    // Each attempt has its own timeout inside it; attempts and backoff fit, then it stops.
    let client = client.with_timeout(Duration::from_secs(2)).with_retry(RetryConfig::default().with_max_attempts(10));
    let started = tokio::time::Instant::now();
    let err = call(&client, &DESCRIBE, &json!({})).await.unwrap_err();
    assert!(started.elapsed() <= Duration::from_secs(5) + Duration::from_millis(50), "{:?}", started.elapsed());
    let t = transport(&err);
    assert!(t.attempts() >= 2, "{err}");
    assert!(matches!(t.timeout(), Some(Timeout::Operation(_) | Timeout::Attempt(_))), "{err}");
}

/// The limiter's wait counts toward the operation timeout too (real clock: a generous bound).
#[tokio::test]
async fn the_limiter_wait_counts_toward_the_operation_timeout() {
    let server = Server::start(|_, _| Reply::ok("", "r")).await;
    static SLOW: ActionInfo =
        ActionInfo { service: &DEMO, name: "DescribeSlowly", rate_limit: Some(1), idempotent: true, idempotency_token: None, unsigned: false };
    let client = builder(&server)
        .credentials(Credentials::new("AKIDretry-limiter-wait-00000000", "k"))
        .rate_limit(RateLimitConfig::default())
        .operation_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    call(&client, &SLOW, &json!({})).await.unwrap();
    let started = Instant::now();
    let err = call(&client, &SLOW, &json!({})).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2), "waited {:?} for a 1/s slot", started.elapsed());
    assert_eq!(transport(&err).timeout(), Some(Timeout::Operation(Duration::from_millis(300))));
    assert_eq!(server.request_count(), 1, "the second call never got its slot");
}
