//! The client-side rate limiter end to end, on loopback: cancelled waits give their slots
//! back (issue 13.1), and clients with the same SecretId share the documented rate (13.8).

mod support;

use std::time::{Duration, Instant};

use support::{Reply, Server};
use tc_runtime::{ActionInfo, Client, ClientBuilder, Credentials, Endpoint, RateLimitConfig, RawCode, RetryConfig, ServiceInfo};

static TCSS: ServiceInfo =
    ServiceInfo { name: "tcss", version: "2020-11-01", default_host: "tcss.tencentcloudapi.com", intl_host: None };
static AT_20: ActionInfo =
    ActionInfo { service: &TCSS, name: "DescribeProVersionInfo", rate_limit: Some(20), idempotent: true, idempotency_token: None, unsigned: false };
static AT_40: ActionInfo =
    ActionInfo { service: &TCSS, name: "DescribePurchaseStateInfo", rate_limit: Some(40), idempotent: true, idempotency_token: None, unsigned: false };

fn builder(server: &Server, secret_id: &str) -> ClientBuilder {
    Client::builder()
        .credentials(Credentials::new(secret_id, "limits-test-key"))
        .endpoint(Endpoint::custom(&server.url()).unwrap())
        .retry(RetryConfig::disabled())
        .rate_limit(RateLimitConfig::default())
}

async fn call(client: &Client, action: &'static ActionInfo) {
    client.call::<_, serde_json::Value, RawCode>(action, &serde_json::json!({})).await.unwrap();
}

/// Regression (issue 13.1): 200 calls under a 200 ms timeout let 5 through, and each of the
/// 195 cancelled waits kept its reserved slot: the next single call on the now idle client
/// waited ~10 s. A cancelled wait takes nothing now; the next call goes through at once.
#[tokio::test]
async fn cancelled_calls_do_not_hold_back_the_next_one() {
    let server = Server::start(|_, _| Reply::ok("", "r")).await;
    let client = builder(&server, "AKIDlimits-cancelled-0000000000").build().unwrap();
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let c = client.clone();
        tasks.push(tokio::spawn(async move {
            tokio::time::timeout(Duration::from_millis(200), call(&c, &AT_20)).await.is_ok()
        }));
    }
    let mut done = 0;
    for t in tasks {
        done += usize::from(t.await.unwrap());
    }
    assert!((3..=6).contains(&done), "{done} of 200 completed within 200 ms at 20/s");
    // One interval (50 ms) after the storm the slot is free; a generous bound (the bug took 10 s).
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    call(&client, &AT_20).await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(1), "the next call waited {took:?} behind cancelled calls");
}

/// The most requests whose arrival falls in any window `[t, t + window)`.
fn max_in_window(arrivals: &[Instant], window: Duration) -> usize {
    arrivals.iter().map(|&s| arrivals.iter().filter(|&&t| t >= s && t < s + window).count()).max().unwrap_or(0)
}

/// Regression (issue 13.8): two clients built with the same SecretId had a limiter each, so
/// together they sent twice the documented rate. They share one per action now.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_with_the_same_secret_id_hold_the_rate_together() {
    let server = Server::start(|_, _| Reply::ok("", "r")).await;
    let id = "AKIDlimits-two-clients-00000000";
    let (a, b) = (builder(&server, id).build().unwrap(), builder(&server, id).build().unwrap());
    const PER_CLIENT: usize = 12;
    let mut tasks = Vec::new();
    for client in [a, b] {
        for _ in 0..PER_CLIENT {
            let c = client.clone();
            tasks.push(tokio::spawn(async move { call(&c, &AT_40).await }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    let arrivals: Vec<Instant> = server.requests().iter().map(|r| r.at).collect();
    assert_eq!(arrivals.len(), 2 * PER_CLIENT);
    // 40/s, burst 1: 24 calls span at least 23 intervals of 25 ms. With a limiter per client
    // they took half that.
    let span = *arrivals.iter().max().unwrap() - *arrivals.iter().min().unwrap();
    assert!(span >= Duration::from_millis(23 * 25 - 40), "24 calls in {span:?}: more than 40/s together");
    // A 200 ms window holds at most 40 * 0.2 + 1 = 9 (+1 for scheduling between release and arrival).
    let max = max_in_window(&arrivals, Duration::from_millis(200));
    assert!(max <= 10, "{max} arrivals within 200 ms");
}
