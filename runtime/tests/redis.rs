//! Rate limits and retry budgets shared through a real `redis-server` on loopback (feature
//! `redis`; see `support/redis_server.rs` for how the server is found, started and killed):
//! a fleet of four processes holds the documented rate together, a Redis killed mid-run
//! leaves each process on its own limiter (one warning, no secret) until it is back, keys
//! hold no SecretId and expire, the fleet's retry budget decides for every member, and a
//! Redis that never answers costs a call at most the timeout.
//!
//! The fleet test runs this test binary itself four times as worker processes (the ignored
//! test `fleet_worker`), each with its own process-wide limiter state, all calling one
//! loopback HTTP double that records when each request arrived.

#[path = "support/capture.rs"]
mod capture;
#[path = "support/redis_server.rs"]
mod redis_server;
mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use redis_server::RedisServer;
use support::{Reply, Server};
use tc_runtime::limiter::SharedLimits;
use tc_runtime::{ActionInfo, Client, Credentials, Endpoint, RawCode, RetryConfig, ServiceInfo};

static TCSS: ServiceInfo =
    ServiceInfo { name: "tcss", version: "2020-11-01", default_host: "tcss.tencentcloudapi.com", intl_host: None };
/// Documented at 20 requests per second.
static AT_20: ActionInfo = ActionInfo {
    service: &TCSS,
    name: "DescribeProVersionInfo",
    rate_limit: Some(20),
    idempotent: true,
    idempotency_token: None,
    unsigned: false,
};
/// Documented at 1 request per second: its key outlives the call by about a second.
static AT_1: ActionInfo = ActionInfo {
    service: &TCSS,
    name: "DescribeAssetSummary",
    rate_limit: Some(1),
    idempotent: true,
    idempotency_token: None,
    unsigned: false,
};

const RATE: usize = 20;
const BURST: usize = 1;
const FLEET_SECRET_ID: &str = "AKIDredis-fleet-0000000000000000";
const WORKERS: usize = 4;
const TASKS: usize = 20;
const RUN: Duration = Duration::from_secs(3);

fn client(endpoint: &str, secret_id: &str, limits: &SharedLimits) -> Client {
    Client::builder()
        .credentials(Credentials::new(secret_id, "redis-test-secret-key"))
        .endpoint(Endpoint::custom(endpoint).unwrap())
        .retry(RetryConfig::disabled())
        .shared_limits(limits.clone())
        .build()
        .unwrap()
}

async fn call(client: &Client, action: &'static ActionInfo) -> Result<serde_json::Value, tc_runtime::Error<RawCode>> {
    client.call::<_, serde_json::Value, RawCode>(action, &serde_json::json!({})).await
}

/// `TASKS` tasks calling `action` back to back for `run`; returns how many calls completed.
async fn hammer(client: &Client, action: &'static ActionInfo, run: Duration) -> usize {
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let c = client.clone();
        tasks.push(tokio::spawn(async move {
            let mut done = 0;
            let _ = tokio::time::timeout(run, async {
                loop {
                    call(&c, action).await.unwrap();
                    done += 1;
                }
            })
            .await;
            done
        }));
    }
    let mut done = 0;
    for t in tasks {
        done += t.await.unwrap();
    }
    done
}

/// The most arrivals in any window `[t, t + 1 s)`.
fn max_per_second(arrivals: &[Instant]) -> usize {
    let window = Duration::from_secs(1);
    arrivals.iter().map(|&s| arrivals.iter().filter(|&&t| t >= s && t < s + window).count()).max().unwrap_or(0)
}

/// A worker process of `four_processes_hold_the_documented_rate_together` (ignored: it runs
/// only when that test starts it, with its settings in the environment).
#[tokio::test]
#[ignore = "a worker process: started by four_processes_hold_the_documented_rate_together"]
async fn fleet_worker() {
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run by the fleet test"));
    let limits = SharedLimits::redis(&var("TC_FLEET_REDIS_URL")).unwrap();
    let client = client(&var("TC_FLEET_ENDPOINT"), FLEET_SECRET_ID, &limits);
    let done = hammer(&client, &AT_20, RUN).await;
    println!("fleet-worker calls={done} fallbacks={}", limits.fallbacks());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_hold_the_documented_rate_together() {
    let Some(redis) = RedisServer::start(None) else { return };
    let server = Server::start(|_, _| Reply::ok("", "fleet")).await;
    let exe = std::env::current_exe().unwrap();
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            Command::new(&exe)
                .args(["fleet_worker", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
                .env("TC_FLEET_REDIS_URL", redis.url())
                .env("TC_FLEET_ENDPOINT", server.url())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start a worker process")
        })
        .collect();
    let mut per_worker = Vec::new();
    for w in workers {
        let out = tokio::task::spawn_blocking(move || w.wait_with_output().unwrap()).await.unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "worker failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        // The harness prints `test fleet_worker ... ` before the worker's own line.
        let line = stdout.split_once("fleet-worker ").map(|(_, rest)| rest.lines().next().unwrap_or(""));
        let line = line.unwrap_or_else(|| panic!("no result line from a worker: {stdout}"));
        let field = |name: &str| -> u64 {
            let v = line.split(' ').find_map(|kv| kv.strip_prefix(name)).unwrap_or_else(|| panic!("{line}"));
            v.parse().unwrap()
        };
        per_worker.push((field("calls="), field("fallbacks=")));
    }
    let arrivals: Vec<Instant> = server.requests().iter().map(|r| r.at).collect();
    let total: u64 = per_worker.iter().map(|w| w.0).sum();
    assert_eq!(arrivals.len() as u64, total, "{per_worker:?}");
    // Every worker took part and every one of its calls went through Redis.
    assert!(per_worker.iter().all(|&(calls, fallbacks)| calls > 0 && fallbacks == 0), "{per_worker:?}");
    // The documented rate holds for the fleet: each process alone would send 20/s, four 80/s.
    let max = max_per_second(&arrivals);
    eprintln!("{WORKERS} processes: {total} calls in {RUN:?}, at most {max} in one second: {per_worker:?}");
    assert!(max <= RATE + BURST, "{max} requests within one second from {WORKERS} processes: {per_worker:?}");
    drop(redis);
}

/// Redis is killed after a second and started again (empty) after two: the calls go on at
/// the documented rate on the process's own limiter, one warning says so (without the
/// password), and they use Redis again once it is back.
#[tokio::test]
async fn redis_killed_mid_run_leaves_each_process_on_its_own_limiter() {
    const PASSWORD: &str = "kill-test-s3cret";
    let Some(mut redis) = RedisServer::start(Some(PASSWORD)) else { return };
    let events = capture::Capture::default();
    let _guard = tracing::subscriber::set_default(events.clone());
    tracing::callsite::rebuild_interest_cache();
    let server = Server::start(|_, _| Reply::ok("", "kill")).await;
    let limits = SharedLimits::redis(&redis.url())
        .unwrap()
        .with_timeout(Duration::from_millis(50))
        .with_reconnect_backoff(Duration::from_millis(100), Duration::from_millis(200));
    let client = client(&server.url(), "AKIDredis-killed-000000000000000", &limits);
    let start = Instant::now();
    let run = tokio::spawn({
        let client = client.clone();
        async move { hammer(&client, &AT_20, RUN).await }
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(limits.fallbacks(), 0, "Redis was up");
    let killed_at = Instant::now();
    redis.kill();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!limits.is_available(), "the outage was noticed");
    let during_outage = limits.fallbacks();
    assert!(during_outage > 0);
    redis.restart(); // blocks this runtime for a moment: the calls only pause
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(limits.is_available(), "back on Redis within the reconnect backoff");
    let back = limits.fallbacks();
    let done = run.await.unwrap();
    assert!(start.elapsed() >= RUN);
    assert_eq!(limits.fallbacks(), back, "calls after Redis came back used it");
    let arrivals: Vec<Instant> = server.requests().iter().map(|r| r.at).collect();
    assert_eq!(arrivals.len(), done);
    assert!(arrivals.iter().any(|&t| t > killed_at + Duration::from_millis(200)), "calls went on after the kill");
    let max = max_per_second(&arrivals);
    assert!(max <= RATE + BURST, "{max} requests within one second across the outage");
    let events = events.events();
    let warnings: Vec<_> =
        events.iter().filter(|e| e.starts_with("WARN") && e.contains("shared rate limits")).collect();
    assert_eq!(warnings.len(), 1, "one warning per outage: {events:#?}");
    assert!(warnings[0].contains("redis://***@127.0.0.1"), "{}", warnings[0]);
    assert_eq!(events.iter().filter(|e| e.starts_with("INFO") && e.contains("answer again")).count(), 1, "{events:#?}");
    assert!(events.iter().all(|e| !e.contains(PASSWORD)), "{events:#?}");
    assert!(!format!("{client:?} {limits:?}").contains(PASSWORD));
}

/// After a call and a failed retried one, Redis holds a rate key and a budget key: neither
/// holds the SecretId, both expire on their own.
#[tokio::test]
async fn keys_hold_no_secret_id_and_expire() {
    const SECRET_ID: &str = "AKIDredisKeysVisibleId7f3e9a";
    let Some(redis) = RedisServer::start(None) else { return };
    let server = Server::start(|r, _| match r.header("x-tc-action") {
        Some("DescribeAssetSummary") => Reply::ok("", "keys"),
        _ => Reply::status(503, "text/plain", "down"),
    })
    .await;
    let limits = SharedLimits::redis(&redis.url()).unwrap();
    let c = client(&server.url(), SECRET_ID, &limits);
    call(&c, &AT_1).await.unwrap();
    let retried = c.with_retry(RetryConfig::default().with_max_attempts(2).with_base_delay(Duration::from_millis(1)));
    call(&retried, &AT_20).await.unwrap_err();
    let keys = redis.keys();
    let rate_key = limits.rate_key(SECRET_ID, "tcss", "DescribeAssetSummary");
    let budget_key = limits.budget_key(&server.url(), "tcss");
    for key in [&rate_key, &budget_key] {
        assert!(keys.contains(key), "{key} not in {keys:?}");
    }
    for key in &keys {
        for part in [SECRET_ID, "AKID", "VisibleId7f3e9a", "redis-test-secret-key"] {
            assert!(!key.contains(part), "{key} holds {part:?}");
        }
        let ttl = redis.pttl(key);
        assert!(ttl > 0, "{key} has no expiry (PTTL {ttl})");
    }
    // The rate key lives about one interval (1 s at 1/s); the budget key 10 minutes.
    assert!(redis.pttl(&rate_key) <= 1_001, "{}", redis.pttl(&rate_key));
    assert!(redis.pttl(&budget_key) <= 600_000);
    // One retry took 5 of the 500 tokens; the refund of the first call's success (1, sent in
    // the background, capped at 500) may land before or after it.
    let left = redis.get(&budget_key);
    assert!(matches!(left.as_deref(), Some("495" | "496")), "{left:?}");
}

/// The retry budget is the fleet's: spent in Redis (by other members, here set by hand), no
/// member retries; refilled, retries resume and take from it.
#[tokio::test]
async fn the_fleet_retry_budget_decides_for_every_member() {
    let Some(redis) = RedisServer::start(None) else { return };
    let server = Server::start(|_, _| Reply::status(503, "text/plain", "down")).await;
    let limits = SharedLimits::redis(&redis.url()).unwrap();
    let c = client(&server.url(), "AKIDredis-budget-000000000000000", &limits)
        .with_retry(RetryConfig::default().with_max_attempts(3).with_base_delay(Duration::from_millis(1)));
    let key = limits.budget_key(&server.url(), "tcss");
    redis.set(&key, "4");
    let err = call(&c, &AT_20).await.unwrap_err();
    assert!(err.to_string().contains("retry budget"), "{err}");
    assert_eq!(server.request_count(), 1, "no retry with 4 tokens left in the fleet's budget");
    assert_eq!(redis.get(&key).as_deref(), Some("4"));
    redis.set(&key, "12");
    call(&c, &AT_20).await.unwrap_err();
    assert_eq!(server.request_count(), 1 + 3, "two retries of 5 tokens each");
    assert_eq!(redis.get(&key).as_deref(), Some("2"));
    assert_eq!(limits.fallbacks(), 0);
}

/// A Redis that accepts connections and never answers: each call waits for it at most the
/// timeout, then uses the local limiter (paused clock: the waits are exact).
#[tokio::test(start_paused = true)]
async fn a_redis_that_never_answers_costs_a_call_at_most_the_timeout() {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("redis://127.0.0.1:{}", silent.local_addr().unwrap().port());
    let _accepting = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((conn, _)) = silent.accept().await {
            held.push(conn); // kept open, never answered
        }
    });
    let limits = SharedLimits::redis(&url).unwrap().with_timeout(Duration::from_millis(50));
    let limiter = limits.limiter("AKIDredis-silent-000000000000000", "tcss", "Silent", 1000, 1);
    let start = tokio::time::Instant::now();
    limiter.acquire().await;
    assert!(start.elapsed() <= Duration::from_millis(50), "{:?}", start.elapsed());
    // In the outage the backend is not asked: the local limiter alone spaces calls (1 ms).
    let start = tokio::time::Instant::now();
    for _ in 0..10 {
        limiter.acquire().await;
    }
    assert!(start.elapsed() <= Duration::from_millis(10), "{:?}", start.elapsed());
    assert_eq!(limits.fallbacks(), 11);
    assert!(!limits.is_available());
}
