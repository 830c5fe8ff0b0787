//! Bounded load test: 8 concurrent callers × 25 calls through ONE runtime client (clones
//! share its pool and per-action limiters) against tc-mock, with throttling injected on 30%
//! of requests (seeded). Checks that every call returns exactly once, with success or a typed
//! `RequestLimitExceeded`, and that the server never sees more than `rate + burst` requests of
//! one action in any 1 s window. Prints the numbers recorded in `server/LOADTEST.md`:
//! `cargo test -p tc-mock --test load -- --nocapture`.

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use tc_mock::{Fault, MockServer, Outcome};
use tc_runtime::{Error, ErrorCode, RetryConfig};
use tc_sdk::cwp::{Cwp, CwpClient, models as cm};
use tc_sdk::tcss::{Tcss, TcssClient, models as tm};

const TASKS: usize = 8;
const CALLS_PER_TASK: usize = 25;
const THROTTLE_PROBABILITY: f64 = 0.3;
/// The documented rate of every seed action.
const RATE: usize = 20;
/// The client's burst. Its limiter admits at most `rate * t + burst` calls in any window of
/// `t` s; with a burst above 1 the bound leaves room for scheduling jitter between the
/// client's clock and the server's arrival timestamps (a burst of 1 leaves none: 20
/// intervals of 50 ms span exactly 1 s, so any delay that bunches two requests shows 21).
const CLIENT_BURST: usize = 5;

const ACTIONS: [&str; 5] = [
    "DescribeImageAuthorizedInfo",
    "DescribeImageAutoAuthorizedTaskList",
    "DescribeProVersionInfo",
    "DescribePurchaseStateInfo",
    "DescribeLicenseGeneral",
];

/// `Ok(())`, or the API error code; anything else (transport, decode) is a test failure.
fn classify<T, C: ErrorCode>(r: Result<T, Error<C>>) -> Result<(), String> {
    match r {
        Ok(_) => Ok(()),
        Err(Error::Api(e)) => Err(e.code.as_str().to_owned()),
        Err(other) => panic!("untyped failure under load: {other:?}"),
    }
}

async fn call(tcss: &TcssClient, cwp: &CwpClient, action: usize) -> Result<(), String> {
    match action {
        0 => classify(
            tcss.describe_image_authorized_info(&tm::DescribeImageAuthorizedInfoRequest::new())
                .await,
        ),
        1 => {
            let req =
                tm::DescribeImageAutoAuthorizedTaskListRequest::new("2022-01-01", "2022-01-07")
                    .with_limit(10);
            classify(tcss.describe_image_auto_authorized_task_list(&req).await)
        }
        2 => classify(
            tcss.describe_pro_version_info(&tm::DescribeProVersionInfoRequest::new())
                .await,
        ),
        3 => classify(
            tcss.describe_purchase_state_info(&tm::DescribePurchaseStateInfoRequest::new())
                .await,
        ),
        _ => classify(
            cwp.describe_license_general(&cm::DescribeLicenseGeneralRequest::new())
                .await,
        ),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The most arrivals in any window `[t, t + 1 s)`.
fn max_in_one_second(arrivals: &[Duration]) -> usize {
    let mut sorted = arrivals.to_vec();
    sorted.sort();
    (0..sorted.len())
        .map(|i| {
            sorted[i..]
                .iter()
                .take_while(|t| **t < sorted[i] + Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_through_one_client_stay_within_the_rate_under_throttling() {
    // The server runs on a thread and runtime of its own, so the callers' work does not delay
    // its arrival timestamps.
    let server = MockServer::builder().seed(7).start_in_thread().unwrap();
    server.inject(Fault::throttle().with_probability(THROTTLE_PROBABILITY));
    let runtime = server
        .client_builder()
        .unwrap()
        .retry(
            RetryConfig::default()
                .with_base_delay(Duration::from_millis(50))
                .with_max_delay(Duration::from_millis(400)),
        )
        .rate_limit(tc_runtime::RateLimitConfig::default().with_burst(CLIENT_BURST as u32))
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let tcss = TcssClient::new(runtime.clone());
    let cwp = CwpClient::new(runtime);

    let started = Instant::now();
    let mut handles = Vec::new();
    for task in 0..TASKS {
        let (tcss, cwp) = (tcss.clone(), cwp.clone());
        handles.push(tokio::spawn(async move {
            let mut results = Vec::with_capacity(CALLS_PER_TASK);
            for i in 0..CALLS_PER_TASK {
                let id = task * CALLS_PER_TASK + i;
                let began = Instant::now();
                let outcome = call(&tcss, &cwp, (task + i) % ACTIONS.len()).await;
                results.push((id, outcome, began.elapsed()));
            }
            results
        }));
    }
    let mut results = Vec::new();
    for h in handles {
        results.extend(h.await.expect("caller task"));
    }
    let elapsed = started.elapsed();

    // Every call returned exactly once, with success or a typed throttling error.
    let calls = TASKS * CALLS_PER_TASK;
    let mut ids: Vec<usize> = results.iter().map(|(id, _, _)| *id).collect();
    ids.sort_unstable();
    assert_eq!(ids, (0..calls).collect::<Vec<_>>());
    let successes = results.iter().filter(|(_, o, _)| o.is_ok()).count();
    let failed: Vec<&String> = results
        .iter()
        .filter_map(|(_, o, _)| o.as_ref().err())
        .collect();
    assert!(
        failed.iter().all(|c| *c == "RequestLimitExceeded"),
        "{failed:?}"
    );

    // The server's view: attempts, injected throttles, and no throttling by its own limiter
    // (which enforces the documented rate): the client kept within it.
    let log = server.requests();
    let attempts = log.len();
    let injected = log.iter().filter(|r| r.fault.is_some()).count();
    let limiter_throttled = log
        .iter()
        .filter(|r| r.fault.is_none() && r.error_code() == Some("RequestLimitExceeded"))
        .count();
    let server_successes = log.iter().filter(|r| r.outcome == Outcome::Success).count();
    assert_eq!(limiter_throttled, 0);
    assert_eq!(
        server_successes, successes,
        "each success was answered once"
    );
    assert_eq!(attempts, successes + injected);
    assert!(injected > 0, "throttling was injected");
    let retries = attempts - calls;

    let mut per_action = BTreeMap::new();
    for action in ACTIONS {
        let arrivals: Vec<Duration> = log
            .iter()
            .filter(|r| r.action.as_deref() == Some(action))
            .map(|r| r.received_at)
            .collect();
        let max = max_in_one_second(&arrivals);
        assert!(
            max <= RATE + CLIENT_BURST,
            "{action}: {max} requests in one second"
        );
        per_action.insert(action, (arrivals.len(), max));
    }
    assert!(elapsed < Duration::from_secs(20), "bounded: {elapsed:?}");

    let mut latencies: Vec<Duration> = results.iter().map(|(_, _, d)| *d).collect();
    latencies.sort();
    println!(
        "tc-mock load test: {TASKS} tasks x {CALLS_PER_TASK} calls, one client (rate {RATE}/s, burst {CLIENT_BURST}), throttle p={THROTTLE_PROBABILITY}"
    );
    println!("  calls            {calls}");
    println!("  successes        {successes}");
    println!(
        "  typed errors     {} (RequestLimitExceeded after 3 attempts)",
        failed.len()
    );
    println!("  throttled        {injected} (injected; server limiter: {limiter_throttled})");
    println!("  attempts         {attempts} (retries: {retries})");
    println!("  latency p50      {:?}", percentile(&latencies, 0.50));
    println!("  latency p99      {:?}", percentile(&latencies, 0.99));
    println!("  latency max      {:?}", latencies[latencies.len() - 1]);
    println!("  elapsed          {elapsed:?}");
    println!(
        "  achieved rate    {:.1} attempts/s overall",
        attempts as f64 / elapsed.as_secs_f64()
    );
    for (action, (n, max)) in &per_action {
        println!(
            "  {action:<38} {n:>3} attempts, max {max:>2} in any 1 s (limit {})",
            RATE + CLIENT_BURST
        );
    }
}
