//! Mutating actions as a faithful double: what executed is counted apart from what was
//! refused before executing (`MockServer::executions`), every fault strikes before or after
//! execution (`Phase`), and a repeated idempotency token answers its first reply without
//! executing again, in a bounded store. Against the constructs fixture (`ModifyMachine` has a
//! `ClientToken`) through the runtime, and against the real surface through the generated
//! client (`tc-sdk`), whose retries must then execute a mutating call exactly once.

use std::time::Duration;

use serde_json::{Value, json};
use tc_mock::{Fault, MockServer, Outcome, Phase, RateLimit};
use tc_runtime::{
    ActionInfo, Client, Credentials, Error, RateLimitConfig, RawCode, RetryConfig, ServiceInfo,
};

/// The constructs fixture's service and actions, as its generated crate describes them.
static DEMO: ServiceInfo = ServiceInfo {
    name: "demo",
    version: "2099-01-01",
    default_host: "demo.tencentcloudapi.com",
    intl_host: Some("demo.intl.tencentcloudapi.com"),
};
static MODIFY: ActionInfo = ActionInfo {
    service: &DEMO,
    name: "ModifyMachine",
    rate_limit: Some(5),
    idempotent: false,
    idempotency_token: Some("ClientToken"),
    unsigned: false,
};
/// `ModifyMachine` described without its token: the runtime neither fills nor relies on one.
static MODIFY_NO_TOKEN: ActionInfo = ActionInfo {
    service: &DEMO,
    name: "ModifyMachine",
    rate_limit: Some(5),
    idempotent: false,
    idempotency_token: None,
    unsigned: false,
};

fn constructs() -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../codegen/tests/emit_fixtures/constructs"
    ))
}

/// A fixture server without throttling (tests that need it turn it on).
async fn demo_server() -> MockServer {
    MockServer::builder()
        .spec_dir(constructs())
        .rate_limit(RateLimit::off())
        .start()
        .await
        .unwrap()
}

/// A client of `server` with these retries and no client-side rate limit.
fn client(server: &MockServer, retry: RetryConfig) -> Client {
    server
        .client_builder()
        .unwrap()
        .retry(
            retry
                .with_base_delay(Duration::from_millis(5))
                .with_max_delay(Duration::from_millis(20)),
        )
        .rate_limit(RateLimitConfig::disabled())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn modify(id: &str) -> Value {
    json!({"MachineId": id, "Count": 2, "Quota": 3, "Weight": 0.25, "Disk": {"DiskId": "d-1"}, "ExtraDisks": []})
}

fn modify_with_token(id: &str, token: &str) -> Value {
    let mut v = modify(id);
    v["ClientToken"] = json!(token);
    v
}

async fn call(
    client: &Client,
    action: &'static ActionInfo,
    req: &Value,
) -> Result<Value, Error<RawCode>> {
    client.call::<_, Value, RawCode>(action, req).await
}

#[track_caller]
fn api_code(r: &Result<Value, Error<RawCode>>) -> &str {
    match r {
        Err(Error::Api(e)) => &e.code.0,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn executions_count_what_ran_and_not_what_was_refused_before() {
    let server = demo_server().await;
    assert!(
        !server.api().services[0]
            .actions
            .iter()
            .find(|a| a.name == "ModifyMachine")
            .unwrap()
            .idempotent
    );
    let rt = client(&server, RetryConfig::disabled());

    // A valid request executes; so does one answered a configured (action-level) error.
    call(&rt, &MODIFY_NO_TOKEN, &modify("m-1")).await.unwrap();
    assert_eq!(
        (
            server.executions("ModifyMachine"),
            server.request_count("ModifyMachine")
        ),
        (1, 1)
    );
    server.fail_with(
        "ModifyMachine",
        "ResourceNotFound.Machine",
        "no such machine",
    );
    assert_eq!(
        api_code(&call(&rt, &MODIFY_NO_TOKEN, &modify("m-2")).await),
        "ResourceNotFound.Machine"
    );
    assert_eq!(server.executions("ModifyMachine"), 2);
    server.reset_action("ModifyMachine");

    // Refused before executing: authentication, parameters, an injected throttle.
    let bad_key = server
        .client_builder()
        .unwrap()
        .credentials(Credentials::new(tc_mock::DEFAULT_SECRET_ID, "not-the-key"))
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    assert_eq!(
        api_code(&call(&bad_key, &MODIFY_NO_TOKEN, &modify("m-3")).await),
        "AuthFailure.SignatureFailure"
    );
    let mut missing = modify("m-4");
    missing.as_object_mut().unwrap().remove("Count");
    assert_eq!(
        api_code(&call(&rt, &MODIFY_NO_TOKEN, &missing).await),
        "MissingParameter"
    );
    server.inject(Fault::throttle().times(1));
    assert_eq!(
        api_code(&call(&rt, &MODIFY_NO_TOKEN, &modify("m-5")).await),
        "RequestLimitExceeded"
    );
    // An after-execution fault does not make an invalid request execute: the checks come first.
    server.inject(Fault::Drop.times(1).after_execution());
    assert!(call(&rt, &MODIFY_NO_TOKEN, &missing).await.is_err());
    assert_eq!(
        (
            server.executions("ModifyMachine"),
            server.request_count("ModifyMachine")
        ),
        (2, 6)
    );

    // The server's own rate limit refuses before executing: 1/s with a burst of 1.
    server.set_rate_limit(RateLimit::documented().with_rate(1).with_burst(1));
    let before = server.counters("ModifyMachine");
    let mut throttled = 0;
    for i in 0..50 {
        if call(&rt, &MODIFY_NO_TOKEN, &modify(&format!("r-{i}")))
            .await
            .is_err()
        {
            throttled += 1;
            break;
        }
    }
    assert_eq!(throttled, 1, "50 requests at 1/s were never throttled");
    let after = server.counters("ModifyMachine");
    assert_eq!(after.throttled - before.throttled, 1);
    assert_eq!(
        after.executed - before.executed,
        after.requests - before.requests - 1
    );

    // Every log entry says whether it executed, and agrees with the counters.
    let log = server.requests_for("ModifyMachine");
    assert_eq!(
        log.iter().filter(|r| r.executed).count() as u64,
        server.executions("ModifyMachine")
    );
    for r in &log {
        let refused = matches!(r.error_code(), Some(c) if c != "ResourceNotFound.Machine")
            || r.fault.is_some();
        assert_eq!(r.executed, !refused, "{r:?}");
    }
    server.clear_requests();
    assert_eq!(server.executions("ModifyMachine"), 0);
}

#[test]
#[should_panic(expected = "no action `ModifyMachin`")]
fn executions_of_an_action_the_spec_lacks_is_a_mistake() {
    let server = MockServer::builder()
        .spec_dir(constructs())
        .start_in_thread()
        .unwrap();
    server.executions("ModifyMachin");
}

#[tokio::test]
async fn every_fault_before_execution_leaves_the_action_unrun_and_after_execution_runs_it() {
    let server = demo_server().await;
    let rt = client(&server, RetryConfig::disabled());
    let faults = [
        Fault::Delay(Duration::from_millis(5)),
        Fault::HttpStatus(502),
        Fault::error("InternalError", "boom"),
        Fault::NotJson,
        Fault::TruncatedJson,
        Fault::Drop,
        Fault::DropMidBody,
    ];
    for fault in faults {
        for phase in [Phase::BeforeExecution, Phase::AfterExecution] {
            server.clear_requests();
            server.inject(
                fault
                    .clone()
                    .times(1)
                    .for_action("ModifyMachine")
                    .in_phase(phase),
            );
            let result = call(&rt, &MODIFY_NO_TOKEN, &modify("m-1")).await;
            let delay = matches!(fault, Fault::Delay(_));
            // A delay only makes the request or its reply late; every other fault loses the reply.
            assert_eq!(result.is_ok(), delay, "{fault:?} {phase}: {result:?}");
            let ran = delay || phase == Phase::AfterExecution;
            assert_eq!(
                server.executions("ModifyMachine"),
                u64::from(ran),
                "{fault:?} {phase}"
            );
            let log = server.requests_for("ModifyMachine");
            assert_eq!(log.len(), 1);
            assert_eq!(
                (log[0].fault.as_ref(), log[0].fault_phase),
                (Some(&fault), Some(phase))
            );
            assert_eq!(log[0].executed, ran);
            // A fault before execution skips the checks: no parameters were read.
            assert_eq!(log[0].params.is_some(), ran, "{fault:?} {phase}");
            // Before execution, a corruption garbles the gateway's `InternalError`.
            if phase == Phase::BeforeExecution
                && matches!(fault, Fault::NotJson | Fault::TruncatedJson)
            {
                assert_eq!(log[0].error_code(), Some(tc_mock::BEFORE_EXECUTION_CODE));
            }
            if matches!(fault, Fault::Drop | Fault::DropMidBody) {
                assert_eq!(log[0].outcome, Outcome::Dropped);
            }
        }
    }
    assert_eq!(server.counters("ModifyMachine").faulted, 1);
}

#[tokio::test]
async fn a_repeated_token_answers_the_first_reply_without_executing_again() {
    let server = demo_server().await;
    let rt = client(&server, RetryConfig::disabled());
    server.respond_with("ModifyMachine", json!({"Accepted": true}));
    let first = call(&rt, &MODIFY, &modify_with_token("m-1", "token-1"))
        .await
        .unwrap();
    // The action would now answer differently: a replay still answers the first reply.
    server.respond_with("ModifyMachine", json!({"Accepted": false}));
    let again = call(&rt, &MODIFY, &modify_with_token("m-1", "token-1"))
        .await
        .unwrap();
    assert_eq!(again["Accepted"], json!(true));
    assert_ne!(
        first["RequestId"], again["RequestId"],
        "a replay has a RequestId of its own"
    );
    assert!(tc_mock::is_request_id(again["RequestId"].as_str().unwrap()));
    let c = server.counters("ModifyMachine");
    assert_eq!(
        (c.requests, c.executed, c.replayed, c.succeeded),
        (2, 1, 1, 2)
    );
    let log = server.requests_for("ModifyMachine");
    assert_eq!(
        (
            log[0].executed,
            log[0].replayed,
            log[1].executed,
            log[1].replayed
        ),
        (true, false, false, true)
    );

    // Another token, or the same token of another SecretId, executes.
    let other = call(&rt, &MODIFY, &modify_with_token("m-1", "token-2"))
        .await
        .unwrap();
    assert_eq!(other["Accepted"], json!(false));
    assert_eq!(server.executions("ModifyMachine"), 2);
    let server2 = MockServer::builder()
        .spec_dir(constructs())
        .rate_limit(RateLimit::off())
        .credential("AKIDfirst", "k1")
        .credential("AKIDsecond", "k2")
        .start()
        .await
        .unwrap();
    let as_id = |id: &str, key: &str| {
        server2
            .client_builder()
            .unwrap()
            .credentials(Credentials::new(id, key))
            .retry(RetryConfig::disabled())
            .rate_limit(RateLimitConfig::disabled())
            .build()
            .unwrap()
    };
    call(
        &as_id("AKIDfirst", "k1"),
        &MODIFY,
        &modify_with_token("m-1", "shared"),
    )
    .await
    .unwrap();
    call(
        &as_id("AKIDsecond", "k2"),
        &MODIFY,
        &modify_with_token("m-1", "shared"),
    )
    .await
    .unwrap();
    call(
        &as_id("AKIDfirst", "k1"),
        &MODIFY,
        &modify_with_token("m-1", "shared"),
    )
    .await
    .unwrap();
    assert_eq!(
        (
            server2.executions("ModifyMachine"),
            server2.counters("ModifyMachine").replayed
        ),
        (2, 1)
    );

    // An action-level error is the first reply too; an empty token is no token.
    server.fail_with(
        "ModifyMachine",
        "ResourceNotFound.Machine",
        "no such machine",
    );
    let e1 = call(&rt, &MODIFY, &modify_with_token("m-404", "token-err")).await;
    server.reset_action("ModifyMachine");
    let e2 = call(&rt, &MODIFY, &modify_with_token("m-404", "token-err")).await;
    assert_eq!(
        (api_code(&e1), api_code(&e2)),
        ("ResourceNotFound.Machine", "ResourceNotFound.Machine")
    );
    let before = server.executions("ModifyMachine");
    let no_fill = client(
        &server,
        RetryConfig::disabled().with_idempotency_tokens(false),
    );
    call(&no_fill, &MODIFY, &modify_with_token("m-1", ""))
        .await
        .unwrap();
    call(&no_fill, &MODIFY, &modify_with_token("m-1", ""))
        .await
        .unwrap();
    assert_eq!(server.executions("ModifyMachine") - before, 2);

    // A request refused before executing leaves nothing behind: its retry executes.
    server.inject(Fault::HttpStatus(503).times(1).before_execution());
    assert!(
        call(&rt, &MODIFY, &modify_with_token("m-1", "token-503"))
            .await
            .is_err()
    );
    let before = server.executions("ModifyMachine");
    call(&rt, &MODIFY, &modify_with_token("m-1", "token-503"))
        .await
        .unwrap();
    assert_eq!(server.executions("ModifyMachine") - before, 1);

    // Tokens are at most 64 bytes; a longer one is refused before executing.
    let before = server.executions("ModifyMachine");
    let long = "t".repeat(tc_mock::MAX_IDEMPOTENCY_TOKEN_BYTES + 1);
    let r = call(&rt, &MODIFY, &modify_with_token("m-1", &long)).await;
    assert_eq!(api_code(&r), "InvalidParameterValue");
    let ok = "t".repeat(tc_mock::MAX_IDEMPOTENCY_TOKEN_BYTES);
    call(&rt, &MODIFY, &modify_with_token("m-1", &ok))
        .await
        .unwrap();
    assert_eq!(server.executions("ModifyMachine") - before, 1);

    server.clear_idempotency_tokens();
    assert_eq!(server.idempotency_entries(), 0);
    call(&rt, &MODIFY, &modify_with_token("m-1", "token-1"))
        .await
        .unwrap();
    assert_eq!(
        server.counters("ModifyMachine").replayed,
        2,
        "forgotten tokens execute again"
    );
}

#[tokio::test]
async fn the_token_store_is_bounded_in_entries_and_bytes() {
    let server = MockServer::builder()
        .spec_dir(constructs())
        .rate_limit(RateLimit::off())
        .idempotency_capacity(3)
        .start()
        .await
        .unwrap();
    let rt = client(&server, RetryConfig::disabled());
    for i in 0..5 {
        call(&rt, &MODIFY, &modify_with_token("m-1", &format!("t{i}")))
            .await
            .unwrap();
        assert!(server.idempotency_entries() <= 3);
    }
    assert_eq!(
        (
            server.idempotency_entries(),
            server.executions("ModifyMachine")
        ),
        (3, 5)
    );
    // The newest is remembered; the oldest was forgotten and executes again.
    call(&rt, &MODIFY, &modify_with_token("m-1", "t4"))
        .await
        .unwrap();
    assert_eq!(server.executions("ModifyMachine"), 5);
    call(&rt, &MODIFY, &modify_with_token("m-1", "t0"))
        .await
        .unwrap();
    assert_eq!(server.executions("ModifyMachine"), 6);

    // A byte budget of about three small entries holds whatever the number of tokens.
    let probe = MockServer::builder()
        .spec_dir(constructs())
        .rate_limit(RateLimit::off())
        .start()
        .await
        .unwrap();
    call(
        &client(&probe, RetryConfig::disabled()),
        &MODIFY,
        &modify_with_token("m-1", "x".repeat(64).as_str()),
    )
    .await
    .unwrap();
    let one = probe.idempotency_retained_bytes();
    assert!(one > 0);
    let budget = one * 3 + one / 2;
    let server = MockServer::builder()
        .spec_dir(constructs())
        .rate_limit(RateLimit::off())
        .idempotency_bytes(budget)
        .start()
        .await
        .unwrap();
    let rt = client(&server, RetryConfig::disabled());
    for i in 0..40 {
        call(&rt, &MODIFY, &modify_with_token("m-1", &format!("{i:064}")))
            .await
            .unwrap();
        assert!(server.idempotency_retained_bytes() <= budget);
    }
    assert_eq!(server.idempotency_entries(), 3);
    // A reply larger than the whole budget is not remembered (and evicts nothing).
    server.respond_with(
        "ModifyMachine",
        json!({"Accepted": true, "Padding": "p".repeat(budget)}),
    );
    let big = || modify_with_token("m-1", "big");
    call(&rt, &MODIFY, &big()).await.unwrap();
    call(&rt, &MODIFY, &big()).await.unwrap();
    assert_eq!(server.counters("ModifyMachine").replayed, 0);
    assert_eq!(server.idempotency_entries(), 3);
    // Capacity 0 remembers nothing.
    let none = MockServer::builder()
        .spec_dir(constructs())
        .rate_limit(RateLimit::off())
        .idempotency_capacity(0)
        .start()
        .await
        .unwrap();
    let rt = client(&none, RetryConfig::disabled());
    call(&rt, &MODIFY, &modify_with_token("m-1", "t"))
        .await
        .unwrap();
    call(&rt, &MODIFY, &modify_with_token("m-1", "t"))
        .await
        .unwrap();
    assert_eq!(
        (none.executions("ModifyMachine"), none.idempotency_entries()),
        (2, 0)
    );
}

#[tokio::test]
async fn a_token_call_whose_reply_is_lost_is_retried_and_executes_once() {
    let server = demo_server().await;
    let rt = client(&server, RetryConfig::default().with_max_attempts(3));
    server.respond_with("ModifyMachine", json!({"Accepted": true}));
    for (i, fault) in [
        Fault::Drop,
        Fault::HttpStatus(502),
        Fault::DropMidBody,
        Fault::TruncatedJson,
    ]
    .into_iter()
    .enumerate()
    {
        server.clear_requests();
        server.inject(
            fault
                .clone()
                .times(1)
                .for_action("ModifyMachine")
                .after_execution(),
        );
        // The runtime fills the token once per call; the retry carries the same one.
        let r = call(&rt, &MODIFY, &modify(&format!("m-{i}"))).await;
        let c = server.counters("ModifyMachine");
        match fault {
            // A truncated body is a decode error: deterministic, not retried.
            Fault::TruncatedJson => assert!(matches!(r, Err(Error::Decode(_))), "{r:?}"),
            _ => {
                assert_eq!(r.unwrap()["Accepted"], json!(true));
                assert_eq!((c.requests, c.executed, c.replayed), (2, 1, 1), "{fault:?}");
                let log = server.requests_for("ModifyMachine");
                let token = |k: usize| log[k].params.as_ref().unwrap()["ClientToken"].clone();
                assert_eq!(token(0), token(1));
                assert!(token(0).as_str().is_some_and(|t| !t.is_empty()));
            }
        }
        assert_eq!(server.executions("ModifyMachine"), 1, "{fault:?}");
    }

    // A reply delayed past the attempt timeout: executed at once, the retry is a replay.
    server.clear_requests();
    let impatient = server
        .client_builder()
        .unwrap()
        .retry(RetryConfig::default().with_base_delay(Duration::from_millis(5)))
        .rate_limit(RateLimitConfig::disabled())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    server.inject(
        Fault::Delay(Duration::from_secs(60))
            .times(1)
            .for_action("ModifyMachine")
            .after_execution(),
    );
    let r = call(&impatient, &MODIFY, &modify("m-late")).await;
    assert_eq!(r.unwrap()["Accepted"], json!(true));
    let c = server.counters("ModifyMachine");
    assert_eq!((c.executed, c.replayed), (1, 1));
}

#[tokio::test]
async fn a_mutating_call_without_a_token_through_the_generated_client_executes_exactly_once() {
    use tc_sdk::tcss::{Tcss, TcssClient, models};
    let server = MockServer::builder()
        .rate_limit(RateLimit::off())
        .start()
        .await
        .unwrap();
    let action = server
        .api()
        .services
        .iter()
        .flat_map(|s| &s.actions)
        .find(|a| a.name == "CreateRefreshTask");
    let action = action.expect("tcss has CreateRefreshTask");
    assert!(
        !action.idempotent && action.idempotency_token.is_none(),
        "the test needs a mutating action without token"
    );
    let rt = server
        .client_builder()
        .unwrap()
        .retry(RetryConfig::default().with_base_delay(Duration::from_millis(5)))
        .build()
        .unwrap();
    let tcss = TcssClient::new(rt);
    let req = models::CreateRefreshTaskRequest::new();

    // Lost after executing: the runtime must not send it again, and the caller sees an error.
    for fault in [Fault::Drop, Fault::HttpStatus(502), Fault::DropMidBody] {
        server.clear_requests();
        server.inject(
            fault
                .clone()
                .times(1)
                .for_action("CreateRefreshTask")
                .after_execution(),
        );
        let r = tcss.create_refresh_task(&req).await;
        assert!(matches!(r, Err(Error::Transport(_))), "{fault:?}: {r:?}");
        assert_eq!(
            (
                server.executions("CreateRefreshTask"),
                server.request_count("CreateRefreshTask")
            ),
            (1, 1),
            "{fault:?}"
        );
    }
    // Throttled before executing: retried, and executed once.
    server.clear_requests();
    server.inject(Fault::throttle().times(1).for_action("CreateRefreshTask"));
    let r = tcss.create_refresh_task(&req).await.unwrap();
    assert_eq!(r.create_result, "Succ");
    assert_eq!(
        (
            server.executions("CreateRefreshTask"),
            server.request_count("CreateRefreshTask")
        ),
        (1, 2)
    );
    // Dropped before executing: the client cannot tell, so it does not retry, and nothing ran.
    server.clear_requests();
    server.inject(
        Fault::Drop
            .times(1)
            .for_action("CreateRefreshTask")
            .before_execution(),
    );
    assert!(tcss.create_refresh_task(&req).await.is_err());
    assert_eq!(
        (
            server.executions("CreateRefreshTask"),
            server.request_count("CreateRefreshTask")
        ),
        (0, 1)
    );
}
