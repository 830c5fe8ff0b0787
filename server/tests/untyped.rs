//! The untyped call (`Client::call_untyped`, issue 15) against the offline server: signed and
//! answered like a generated call, error replies keep their raw code, and an untyped action
//! is mutating unless its descriptor says otherwise, so a 502 after sending is retried only
//! for an idempotent one.

use serde_json::json;
use tc_mock::{Fault, MockServer};
use tc_runtime::{Error, RetryConfig, UntypedAction};

fn spec_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../codegen/tests/emit_fixtures/constructs"
    ))
}

fn server() -> MockServer {
    MockServer::builder()
        .spec_dir(spec_dir())
        .start_in_thread()
        .unwrap()
}

/// A read-only action of the fixture that has an example, and its example's parameters.
fn read_only(server: &MockServer) -> (String, serde_json::Value) {
    let service = &server.api().services[0];
    let action = service
        .actions
        .iter()
        .find(|a| a.idempotent && !a.examples.is_empty())
        .expect("a read-only action");
    (action.name.clone(), action.examples[0].request.clone())
}

fn client(server: &MockServer) -> tc_runtime::Client {
    let retry = RetryConfig::default().with_base_delay(std::time::Duration::from_millis(1));
    server
        .client_builder()
        .unwrap()
        .retry(retry)
        .build()
        .unwrap()
}

#[tokio::test]
async fn an_untyped_call_returns_the_response_object() {
    let server = server();
    let service = server.api().services[0].clone();
    let (action, params) = read_only(&server);
    let untyped = UntypedAction::builder(&service.name, &service.version, &action)
        .idempotent()
        .build()
        .unwrap();
    let response = client(&server)
        .call_untyped(&untyped, &params)
        .await
        .unwrap();
    assert!(
        response
            .get("RequestId")
            .and_then(|v| v.as_str())
            .is_some_and(|id| !id.is_empty()),
        "{response}"
    );
    let logged = server.requests_for(&action);
    assert_eq!(logged.len(), 1);
}

#[tokio::test]
async fn an_unknown_action_is_an_api_error_with_the_raw_code() {
    let server = server();
    let service = &server.api().services[0];
    let untyped = UntypedAction::builder(&service.name, &service.version, "NoSuchActionAnywhere")
        .build()
        .unwrap();
    let err = client(&server)
        .call_untyped(&untyped, &json!({}))
        .await
        .unwrap_err();
    let Error::Api(api) = &err else {
        panic!("expected an API error, got {err:?}")
    };
    assert!(api.code.0.starts_with("InvalidAction"), "{}", api.code.0);
    assert!(!api.request_id.is_empty());
}

#[tokio::test]
async fn parameters_that_are_not_an_object_are_refused_before_sending() {
    let server = server();
    let service = &server.api().services[0];
    let untyped = UntypedAction::builder(&service.name, &service.version, "DescribeAnything")
        .build()
        .unwrap();
    let err = client(&server)
        .call_untyped(&untyped, &json!([1, 2]))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert!(server.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn untyped_actions_are_mutating_unless_declared_idempotent() {
    let server = server();
    let service = server.api().services[0].clone();
    let (action, params) = read_only(&server);
    let c = client(&server);

    // Mutating by default: a 502 after the request was sent may mean it executed: no retry.
    server.inject(Fault::HttpStatus(502).times(1).for_action(action.clone()));
    let mutating = UntypedAction::builder(&service.name, &service.version, &action)
        .build()
        .unwrap();
    let err = c.call_untyped(&mutating, &params).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(
        server.requests_for(&action).len(),
        1,
        "a mutating call is sent once"
    );

    // Declared idempotent: the same 502 is retried and the call succeeds.
    server.clear_requests();
    server.inject(Fault::HttpStatus(502).times(1).for_action(action.clone()));
    let idempotent = UntypedAction::builder(&service.name, &service.version, &action)
        .idempotent()
        .build()
        .unwrap();
    c.call_untyped(&idempotent, &params).await.unwrap();
    assert_eq!(server.requests_for(&action).len(), 2, "retried once");
}
