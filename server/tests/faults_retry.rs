//! Load test of the runtime's retry safety (issue 13): two clients with the same SecretId,
//! several callers each, read-only and mutating actions of the constructs fixture against
//! tc-mock with faults injected (throttling, delays past the attempt timeout, connections
//! dropped mid-body, gateway 502s). Checks, from the server's request log:
//!
//! - every call returns exactly once, with success or a typed error, within its operation
//!   timeout;
//! - no mutating call without an idempotency token is executed twice by the runtime's own
//!   retries (each call has its own `MachineId`, so executions are counted per call);
//! - a mutating call with a token sends the same `ClientToken` on every attempt, and no two
//!   calls share one, so the server, which deduplicates by token, executes each at most once;
//! - the two clients together hold each action's documented rate.
//!
//! Prints its numbers: `cargo test -p tc-mock --test faults_retry -- --nocapture`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tc_mock::{Fault, LoggedRequest, MockServer};
use tc_runtime::{ActionInfo, Client, Error, RateLimitConfig, RawCode, RetryConfig, ServiceInfo};

/// The constructs fixture's service and actions, as its generated crate describes them.
static DEMO: ServiceInfo = ServiceInfo {
    name: "demo",
    version: "2099-01-01",
    default_host: "demo.tencentcloudapi.com",
    intl_host: Some("demo.intl.tencentcloudapi.com"),
};
static DESCRIBE: ActionInfo = ActionInfo {
    service: &DEMO,
    name: "DescribeMachines",
    rate_limit: Some(20),
    idempotent: true,
    idempotency_token: None,
    unsigned: false,
};
static MODIFY_WITH_TOKEN: ActionInfo = ActionInfo {
    service: &DEMO,
    name: "ModifyMachine",
    rate_limit: Some(5),
    idempotent: false,
    idempotency_token: Some("ClientToken"),
    unsigned: false,
};
/// `ModifyMachine` as an action without a token parameter would be described: the runtime
/// must then never repeat it after it may have executed.
static MODIFY: ActionInfo = ActionInfo {
    service: &DEMO,
    name: "ModifyMachine",
    rate_limit: Some(5),
    idempotent: false,
    idempotency_token: None,
    unsigned: false,
};

const CLIENTS: usize = 2;
const TASKS_PER_CLIENT: usize = 2;
const CALLS_PER_TASK: usize = 10;
const BURST: u32 = 2;
const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(400);
const OPERATION_TIMEOUT: Duration = Duration::from_secs(4);
/// Scheduling slack on a shared 2-core machine for "within the operation timeout".
const SLACK: Duration = Duration::from_secs(1);

fn spec_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../codegen/tests/emit_fixtures/constructs"
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Describe,
    Modify,
    ModifyWithToken,
}

fn modify_request(id: &str) -> Value {
    json!({"MachineId": id, "Count": 2, "Quota": 3, "Weight": 0.25, "Disk": {"DiskId": "d-1"}, "ExtraDisks": []})
}

/// `Ok`, or the kind of typed failure; anything untyped fails the test.
fn outcome(r: Result<Value, Error<RawCode>>) -> Result<(), String> {
    match r {
        Ok(_) => Ok(()),
        Err(Error::Api(e)) => Err(format!("api {}", e.code.0)),
        Err(Error::Transport(t)) => {
            assert!(
                t.action().is_some() && t.attempts() >= 1,
                "transport errors say where: {t}"
            );
            Err(format!("transport {:?}", t.kind()))
        }
        Err(Error::Decode(d)) => Err(format!("decode {:?}", d.kind())),
        Err(other) => panic!("untyped failure: {other:?}"),
    }
}

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
async fn retries_never_execute_a_mutating_call_twice_and_two_clients_share_the_rate() {
    let server = MockServer::builder()
        .spec_dir(spec_dir())
        .seed(13)
        .start_in_thread()
        .unwrap();
    // Evaluated in order, the first that fires wins: about 10% each.
    server.inject(Fault::throttle().with_probability(0.10));
    server.inject(Fault::Delay(ATTEMPT_TIMEOUT * 3).with_probability(0.11));
    server.inject(Fault::DropMidBody.with_probability(0.12));
    server.inject(Fault::HttpStatus(502).with_probability(0.14));

    let clients: Vec<Client> = (0..CLIENTS)
        .map(|_| {
            server
                .client_builder()
                .unwrap()
                .retry(
                    RetryConfig::default()
                        .with_base_delay(Duration::from_millis(20))
                        .with_max_delay(Duration::from_millis(200)),
                )
                .rate_limit(RateLimitConfig::default().with_burst(BURST))
                .timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .strict(true)
                .build()
                .unwrap()
        })
        .collect();

    let started = Instant::now();
    let mut handles = Vec::new();
    for (c, client) in clients.iter().enumerate() {
        for task in 0..TASKS_PER_CLIENT {
            let client = client.clone();
            handles.push(tokio::spawn(async move {
                let mut results = Vec::new();
                for i in 0..CALLS_PER_TASK {
                    let id = format!("m-{c}-{task}-{i}");
                    let kind = [
                        Kind::Describe,
                        Kind::Modify,
                        Kind::Describe,
                        Kind::ModifyWithToken,
                    ][i % 4];
                    let began = Instant::now();
                    let result = match kind {
                        Kind::Describe => {
                            client
                                .call::<_, Value, RawCode>(&DESCRIBE, &json!({"Type": "CVM"}))
                                .await
                        }
                        Kind::Modify => client.call(&MODIFY, &modify_request(&id)).await,
                        Kind::ModifyWithToken => {
                            client.call(&MODIFY_WITH_TOKEN, &modify_request(&id)).await
                        }
                    };
                    results.push((id, kind, outcome(result), began.elapsed()));
                }
                results
            }));
        }
    }
    let mut results = Vec::new();
    for h in handles {
        results.extend(h.await.expect("caller task"));
    }
    let elapsed = started.elapsed();

    // Every call returned exactly once, within its operation timeout.
    let calls = CLIENTS * TASKS_PER_CLIENT * CALLS_PER_TASK;
    let ids: BTreeSet<&str> = results.iter().map(|(id, ..)| id.as_str()).collect();
    assert_eq!((results.len(), ids.len()), (calls, calls));
    let slowest = results.iter().map(|r| r.3).max().unwrap();
    assert!(
        slowest <= OPERATION_TIMEOUT + SLACK,
        "a call took {slowest:?}"
    );

    let log = server.requests();
    let modify: Vec<&LoggedRequest> = log
        .iter()
        .filter(|r| r.action.as_deref() == Some("ModifyMachine"))
        .collect();
    let machine = |r: &LoggedRequest| {
        r.params
            .as_ref()
            .and_then(|p| p["MachineId"].as_str())
            .map(str::to_owned)
    };

    // No mutating call without a token was executed twice; count executions per call.
    let mut executions: BTreeMap<String, usize> = BTreeMap::new();
    let mut tokens: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in &modify {
        let Some(id) = machine(r) else { continue };
        let token = r
            .params
            .as_ref()
            .and_then(|p| p.get("ClientToken"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        if let Some(t) = token {
            tokens.entry(id.clone()).or_default().insert(t);
        }
        // What the server executed: passed every check, not a replay of a token.
        if r.executed {
            *executions.entry(id).or_default() += 1;
        }
    }
    let kind_of: BTreeMap<&str, Kind> = results
        .iter()
        .map(|(id, k, ..)| (id.as_str(), *k))
        .collect();
    for (id, n) in &executions {
        if kind_of.get(id.as_str()) == Some(&Kind::Modify) {
            assert!(
                *n <= 1,
                "{id} (no idempotency token) was executed {n} times"
            );
        }
    }
    for (id, kind) in &kind_of {
        match kind {
            Kind::Modify => assert!(
                !tokens.contains_key(*id),
                "{id}: no token was added to an action without one"
            ),
            Kind::ModifyWithToken => {
                let t = tokens.get(*id).map_or(0, BTreeSet::len);
                assert!(
                    t <= 1,
                    "{id}: {t} different ClientTokens across its attempts"
                );
            }
            Kind::Describe => {}
        }
    }
    let all_tokens: Vec<&String> = tokens.values().flatten().collect();
    assert_eq!(
        all_tokens.iter().collect::<BTreeSet<_>>().len(),
        all_tokens.len(),
        "two calls shared a ClientToken"
    );

    // The two clients together held each action's documented rate (+ burst) at the server.
    let mut per_action = BTreeMap::new();
    for (action, rate) in [("DescribeMachines", 20), ("ModifyMachine", 5)] {
        let arrivals: Vec<Duration> = log
            .iter()
            .filter(|r| r.action.as_deref() == Some(action))
            .map(|r| r.received_at)
            .collect();
        let max = max_in_one_second(&arrivals);
        assert!(
            max <= rate + BURST as usize,
            "{action}: {max} requests in one second (rate {rate}, burst {BURST})"
        );
        per_action.insert(action, (arrivals.len(), max, rate));
    }

    // The faults happened, and some were retried, so the test is not vacuous.
    let faulted = log.iter().filter(|r| r.fault.is_some()).count();
    assert!(faulted > 5, "{faulted} faults");
    let retried_modify = modify.len() - results.iter().filter(|r| r.1 != Kind::Describe).count();
    let mut by_outcome: BTreeMap<(Kind, String), usize> = BTreeMap::new();
    for (_, kind, o, _) in &results {
        *by_outcome
            .entry((*kind, o.clone().err().unwrap_or_else(|| "ok".into())))
            .or_default() += 1;
    }
    let max_executions = executions
        .iter()
        .filter(|(id, _)| kind_of.get(id.as_str()) == Some(&Kind::Modify))
        .map(|(_, n)| *n)
        .max();
    let replays = server.counters("ModifyMachine").replayed;

    println!(
        "faults_retry: {CLIENTS} clients (same SecretId) x {TASKS_PER_CLIENT} tasks x {CALLS_PER_TASK} calls"
    );
    println!(
        "  calls             {calls}, returned {} (each once)",
        results.len()
    );
    println!("  attempts          {} ({faulted} faulted)", log.len());
    println!("  slowest call      {slowest:?} (operation timeout {OPERATION_TIMEOUT:?})");
    println!("  elapsed           {elapsed:?}");
    println!("  mutating retries  {retried_modify} (attempts beyond the first, both kinds)");
    println!(
        "  no-token executions per call: max {}",
        max_executions.unwrap_or(0)
    );
    println!("  with-token retries answered the first reply (not executed again): {replays}");
    for ((kind, o), n) in &by_outcome {
        println!("  {:<26} {n}", format!("{kind:?} {o}"));
    }
    for (action, (n, max, rate)) in &per_action {
        println!(
            "  {action:<18} {n:>3} attempts, max {max:>2} in any 1 s (limit {})",
            rate + BURST as usize
        );
    }
}
