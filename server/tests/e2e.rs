//! End to end: the generated client (`tc-sdk`) against tc-mock on loopback, with POST and
//! GET; typed errors of every check class (through the client where it can send the fault,
//! else hand-signed raw requests); retries through throttling; pagination; faults.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::{Raw, client};
use tc_mock::{Fault, MockServer, Outcome, RateLimit};
use tc_runtime::{Error, Method, RetryConfig, TransportErrorKind};
use tc_sdk::common::CommonErrorCode;
use tc_sdk::cwp::{Cwp, CwpClient};
use tc_sdk::tcss::{Tcss, TcssClient, models as tm};

const METHODS: [Method; 2] = [Method::Post, Method::Get];

/// The documented example response of `action` (inside `Response`), without `RequestId`.
/// Whether `v` holds no empty array or object below its top level.
fn has_no_empty_container(v: &Value) -> bool {
    let inner = |v: &Value| match v {
        Value::Array(a) => !a.is_empty() && a.iter().all(has_no_empty_container),
        Value::Object(o) => !o.is_empty() && o.values().all(has_no_empty_container),
        _ => true,
    };
    match v {
        Value::Object(o) => o.values().all(inner),
        other => inner(other),
    }
}

fn example(server: &MockServer, service: &str, action: &str) -> Value {
    let service = server
        .api()
        .services
        .iter()
        .find(|s| s.name == service)
        .expect("service");
    let a = service
        .actions
        .iter()
        .find(|a| a.name == action)
        .expect("action");
    let mut v = a.examples[0].response.clone();
    v.as_object_mut().expect("object").remove("RequestId");
    v
}

/// A decoded response serialized back (feature `serialize`), without `RequestId`, which must
/// be fresh and uuid-shaped.
fn roundtrip<T: serde::Serialize>(resp: &T) -> Value {
    let mut v = serde_json::to_value(resp).expect("serialize");
    let id = v
        .as_object_mut()
        .expect("object")
        .remove("RequestId")
        .expect("RequestId");
    assert!(tc_mock::is_request_id(id.as_str().unwrap_or("")), "{id}");
    v
}

#[track_caller]
fn api_code<C: std::fmt::Debug + Clone, T: std::fmt::Debug>(r: Result<T, Error<C>>) -> C {
    match r {
        Err(Error::Api(e)) => {
            assert!(tc_mock::is_request_id(&e.request_id), "{e:?}");
            assert!(!e.message.is_empty());
            e.code.clone()
        }
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn every_action_decodes_its_documented_example_with_post_and_get() {
    let server = MockServer::start().await.unwrap();
    for method in METHODS {
        let rt = client(&server, method);
        let tcss = TcssClient::new(rt.clone());
        let cwp = CwpClient::new(rt);

        let r = tcss
            .describe_image_authorized_info(&tm::DescribeImageAuthorizedInfoRequest::new())
            .await
            .unwrap();
        assert_eq!(r.scanned_image_cnt, 1);
        assert_eq!(
            roundtrip(&r),
            example(&server, "tcss", "DescribeImageAuthorizedInfo")
        );

        let req = tm::DescribeImageAutoAuthorizedTaskListRequest::new("2022-01-01", "2022-01-07");
        let r = tcss
            .describe_image_auto_authorized_task_list(&req)
            .await
            .unwrap();
        assert_eq!((r.total_count, r.list.len(), r.list[0].task_id), (1, 1, 1));
        assert_eq!(r.list[0].source.as_str(), "xx");
        assert_eq!(
            roundtrip(&r),
            example(&server, "tcss", "DescribeImageAutoAuthorizedTaskList")
        );

        let r = tcss
            .describe_pro_version_info(&tm::DescribeProVersionInfoRequest::new())
            .await
            .unwrap();
        assert_eq!(r.buy_status, tm::BuyStatus::Normal);
        assert_eq!(
            roundtrip(&r),
            example(&server, "tcss", "DescribeProVersionInfo")
        );

        let r = tcss
            .describe_purchase_state_info(&tm::DescribePurchaseStateInfoRequest::new())
            .await
            .unwrap();
        assert_eq!((r.all_cores_cnt, r.automatic_renewal.value()), (154, 194));
        assert_eq!(
            roundtrip(&r),
            example(&server, "tcss", "DescribePurchaseStateInfo")
        );

        let r = cwp
            .describe_license_general(&tc_sdk::cwp::models::DescribeLicenseGeneralRequest::new())
            .await
            .unwrap();
        assert_eq!(r.license_cnt, 3);
        assert_eq!(
            roundtrip(&r),
            example(&server, "cwp", "DescribeLicenseGeneral")
        );
    }
    // The server saw each action once per method, with the method and the typed parameters.
    let log = server.requests();
    assert_eq!(log.len(), 10);
    assert!(
        log.iter()
            .all(|r| r.outcome == Outcome::Success && r.fault.is_none())
    );
    for (i, method) in [(0, "POST"), (5, "GET")] {
        assert!(log[i..i + 5].iter().all(|r| r.method == method), "{log:#?}");
    }
    let task_lists = server.requests_for("DescribeImageAutoAuthorizedTaskList");
    assert_eq!(task_lists.len(), 2);
    for r in &task_lists {
        assert_eq!(
            r.params,
            Some(json!({"StartTime": "2022-01-01", "EndTime": "2022-01-07"}))
        );
        assert_eq!(r.service.as_deref(), Some("tcss"));
        assert_eq!(r.secret_id.as_deref(), Some(tc_mock::DEFAULT_SECRET_ID));
        let auth = r.header("authorization").unwrap();
        assert!(
            auth.ends_with("Signature=***") && auth.contains("SignedHeaders=content-type;host"),
            "{auth}"
        );
    }
    assert_eq!(
        task_lists[1].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let ids: std::collections::HashSet<_> =
        log.iter().filter_map(|r| r.request_id.clone()).collect();
    assert_eq!(ids.len(), 10, "every response gets a fresh RequestId");
    assert_eq!(server.counters("DescribeLicenseGeneral").succeeded, 2);
}

#[tokio::test]
async fn documented_example_requests_are_valid_with_post_and_get() {
    // Each example request of the spec, replayed as POST JSON and as a flattened GET, passes
    // every check and answers the documented example response.
    let server = MockServer::builder()
        .rate_limit(RateLimit::off())
        .start()
        .await
        .unwrap();
    let mut replayed = 0;
    let mut expected = 0;
    for service in &server.api().services {
        for action in &service.actions {
            // An error example documents a failure the server cannot know to produce. Each
            // success example's request is answered with its own response (the first such
            // example's, where two document the same request).
            let success = || action.examples.iter().filter(|ex| ex.response.get("Error").is_none());
            for ex in action
                .examples
                .iter()
                .filter(|ex| ex.response.get("Error").is_none())
            {
                expected += if has_no_empty_container(&ex.request) {
                    2
                } else {
                    1
                };
                let set = |r: &mut Raw| {
                    r.service = service.name.clone();
                    r.version = Some(service.version.clone());
                };
                let body = ex.request.to_string();
                let query = tc_runtime::query::to_query_string(&ex.request);
                // A flattened query cannot carry an empty array or object: where the example
                // has one, GET sends less than POST, so only POST replays it.
                let fits_query = has_no_empty_container(&ex.request);
                let raws = [
                    Some(Raw::post(&action.name, &body).with(set)),
                    fits_query.then(|| Raw::get(&action.name, &query).with(set)),
                ];
                for raw in raws.into_iter().flatten() {
                    let mut got = raw.send(&server).await.assert_success();
                    got.as_object_mut().unwrap().remove("RequestId");
                    let answered = success().find(|e| e.request == ex.request).unwrap_or(ex);
                    let mut want = answered.response.clone();
                    want.as_object_mut().unwrap().remove("RequestId");
                    assert_eq!(got, want, "{} ({})", action.name, raw.method);
                    replayed += 1;
                }
            }
        }
    }
    assert!(expected > 0, "the spec documents success examples");
    assert_eq!(
        replayed, expected,
        "every success example, as POST and (where a query can carry it) as GET"
    );
}

#[tokio::test]
async fn get_with_nested_filters_is_unflattened_and_coerced() {
    let server = MockServer::start().await.unwrap();
    let tcss = TcssClient::new(client(&server, Method::Get));
    let filters = vec![
        tm::AssetFilters {
            name: "Source".into(),
            values: vec!["LOCAL".into(), "REGISTRY".into()],
            exact_match: Some(true),
        },
        tm::AssetFilters {
            name: "Status".into(),
            values: vec!["ALLFAIL".into()],
            exact_match: None,
        },
    ];
    let req = tm::DescribeImageAutoAuthorizedTaskListRequest::new("2022-01-01", "2022-01-07")
        .with_filters(filters)
        .with_limit(20)
        .with_offset(0);
    tcss.describe_image_auto_authorized_task_list(&req)
        .await
        .unwrap();
    let logged = &server.requests()[0];
    assert_eq!(
        logged.params,
        Some(json!({
            "StartTime": "2022-01-01", "EndTime": "2022-01-07", "Limit": 20, "Offset": 0,
            "Filters": [
                {"Name": "Source", "Values": ["LOCAL", "REGISTRY"], "ExactMatch": true},
                {"Name": "Status", "Values": ["ALLFAIL"]}
            ]
        }))
    );
}

#[tokio::test]
async fn invalid_parameters_through_the_client_are_typed_errors() {
    let server = MockServer::start().await.unwrap();
    for method in METHODS {
        let tcss = TcssClient::new(client(&server, method));
        use tc_sdk::tcss::errors::DescribeImageAutoAuthorizedTaskListErrorCode as Code;
        let base =
            || tm::DescribeImageAutoAuthorizedTaskListRequest::new("2022-01-01", "2022-01-07");
        // Above the documented maximum (100).
        let r = tcss
            .describe_image_auto_authorized_task_list(&base().with_limit(1000))
            .await;
        assert_eq!(
            api_code(r),
            Code::Common(CommonErrorCode::InvalidParameterValue)
        );
        // A filter name the spec does not document.
        let f = tm::AssetFilters {
            name: "Colour".into(),
            values: vec!["red".into()],
            exact_match: None,
        };
        let r = tcss
            .describe_image_auto_authorized_task_list(&base().with_filters(vec![f]))
            .await;
        assert_eq!(
            api_code(r),
            Code::Common(CommonErrorCode::InvalidParameterValue)
        );
        // Not a date.
        let r = tcss
            .describe_image_auto_authorized_task_list(
                &tm::DescribeImageAutoAuthorizedTaskListRequest::new("yesterday", "2022-01-07"),
            )
            .await;
        assert_eq!(
            api_code(r),
            Code::Common(CommonErrorCode::InvalidParameterValue)
        );
    }
    let last = server.requests().pop().unwrap();
    assert_eq!(last.error_code(), Some("InvalidParameterValue"));
    assert!(
        matches!(&last.outcome, Outcome::Error { message, .. } if message.contains("StartTime"))
    );
}

#[tokio::test]
async fn wrong_credentials_are_rejected_with_typed_errors() {
    let server = MockServer::builder()
        .credential("AKIDfirst000000000000000000000000000", "first-key")
        .credential("AKIDsecond00000000000000000000000000", "second-key")
        .start()
        .await
        .unwrap();
    let endpoint = tc_runtime::Endpoint::custom(&server.endpoint()).unwrap();
    let with = |id: &str, key: &str| {
        let rt = tc_runtime::Client::builder()
            .endpoint(endpoint.clone())
            .credentials(tc_runtime::Credentials::new(id, key))
            .build()
            .unwrap();
        CwpClient::new(rt)
    };
    let req = tc_sdk::cwp::models::DescribeLicenseGeneralRequest::new();
    use tc_sdk::cwp::errors::DescribeLicenseGeneralErrorCode as Code;
    // Both configured pairs work.
    with("AKIDfirst000000000000000000000000000", "first-key")
        .describe_license_general(&req)
        .await
        .unwrap();
    with("AKIDsecond00000000000000000000000000", "second-key")
        .describe_license_general(&req)
        .await
        .unwrap();
    // A wrong SecretKey is a bad signature; an unknown SecretId is not found; the default pair
    // is not accepted once pairs are configured.
    let r = with("AKIDfirst000000000000000000000000000", "second-key")
        .describe_license_general(&req)
        .await;
    assert_eq!(
        api_code(r),
        Code::Common(CommonErrorCode::AuthFailureSignatureFailure)
    );
    let r = with("AKIDunknown0000000000000000000000000", "first-key")
        .describe_license_general(&req)
        .await;
    assert_eq!(
        api_code(r),
        Code::Common(CommonErrorCode::AuthFailureSecretIdNotFound)
    );
    let r = with(tc_mock::DEFAULT_SECRET_ID, tc_mock::DEFAULT_SECRET_KEY)
        .describe_license_general(&req)
        .await;
    assert_eq!(
        api_code(r),
        Code::Common(CommonErrorCode::AuthFailureSecretIdNotFound)
    );
    // Errors are not retried: one attempt each.
    assert_eq!(server.counters("DescribeLicenseGeneral").requests, 5);
}

#[tokio::test]
async fn temporary_credentials_need_their_token() {
    let cred = tc_mock::Credential::new("AKIDtemp0000000000000000000000000000", "temp-key")
        .with_token("tok-1");
    let server = MockServer::builder()
        .credentials_entry(cred)
        .start()
        .await
        .unwrap();
    let cwp = CwpClient::new(server.client().unwrap());
    let req = tc_sdk::cwp::models::DescribeLicenseGeneralRequest::new();
    cwp.describe_license_general(&req).await.unwrap();
    assert_eq!(server.requests()[0].header("x-tc-token"), Some("***"));
    // The same key without the token.
    let rt = tc_runtime::Client::builder()
        .endpoint(tc_runtime::Endpoint::custom(&server.endpoint()).unwrap())
        .credentials(tc_runtime::Credentials::new(
            "AKIDtemp0000000000000000000000000000",
            "temp-key",
        ))
        .build()
        .unwrap();
    let r = CwpClient::new(rt).describe_license_general(&req).await;
    assert_eq!(
        api_code(r),
        tc_sdk::cwp::errors::DescribeLicenseGeneralErrorCode::Common(
            CommonErrorCode::AuthFailureTokenFailure
        )
    );
}

#[tokio::test]
async fn a_skewed_clock_is_signature_expire() {
    // The server's clock runs 10 minutes ahead: the correct client looks 10 minutes behind.
    let server = MockServer::builder()
        .clock_offset_secs(600)
        .start()
        .await
        .unwrap();
    let tcss = TcssClient::new(client(&server, Method::Post));
    let r = tcss
        .describe_pro_version_info(&tm::DescribeProVersionInfoRequest::new())
        .await;
    use tc_sdk::tcss::errors::DescribeProVersionInfoErrorCode as Code;
    assert_eq!(
        api_code(r),
        Code::Common(CommonErrorCode::AuthFailureSignatureExpire)
    );

    // Hand-signed, against a server with the true clock: the 5-minute boundary.
    let server = MockServer::start().await.unwrap();
    let now = tc_runtime::time::now_unix();
    for (offset, ok) in [(-290, true), (290, true), (-310, false), (310, false)] {
        let reply = Raw::post("DescribeProVersionInfo", "{}")
            .with(|r| r.timestamp = Some(now + offset))
            .send(&server)
            .await;
        if ok {
            reply.assert_success();
        } else {
            reply.assert_error("AuthFailure.SignatureExpire");
        }
    }
    // A tolerance can be configured.
    let strict = MockServer::builder()
        .skew_tolerance(Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    Raw::post("DescribeProVersionInfo", "{}")
        .with(|r| r.timestamp = Some(now - 60))
        .send(&strict)
        .await
        .assert_error("AuthFailure.SignatureExpire");
}

#[tokio::test]
async fn authorization_and_signature_checks() {
    let server = MockServer::start().await.unwrap();
    let ok = Raw::post("DescribeImageAuthorizedInfo", "{}");
    ok.send(&server).await.assert_success();
    // Both documented SignedHeaders lists are accepted.
    ok.clone()
        .with(|r| r.sign_action = true)
        .send(&server)
        .await
        .assert_success();
    // Missing, garbled, or of another algorithm.
    for auth in [
        "",
        "garbage",
        "TC3-HMAC-SHA1 Credential=x",
        "TC3-HMAC-SHA256 Credential=AKID/2022-01-01/tcss, SignedHeaders=content-type;host, Signature=00",
    ] {
        ok.clone()
            .with(|r| r.authorization = Some(auth.into()))
            .send(&server)
            .await
            .assert_error("AuthFailure.InvalidAuthorization");
    }
    // A wrong key, a tampered body, a scope date that is not the timestamp's.
    ok.clone()
        .with(|r| r.secret_key = "wrong".into())
        .send(&server)
        .await
        .assert_error("AuthFailure.SignatureFailure");
    let tampered = {
        let mut bytes = Raw::post("DescribeImageAuthorizedInfo", "{ }").to_bytes(&server);
        let n = bytes.len();
        bytes[n - 2] = b'}';
        bytes[n - 1] = b' ';
        support::send_bytes(&server, &bytes).await
    };
    tampered.assert_error("AuthFailure.SignatureFailure");
    let other_day = tc_runtime::time::now_unix() - 86_400;
    let sig_yesterday = {
        let r = ok.clone().with(|r| r.timestamp = Some(other_day));
        let bytes = String::from_utf8(r.to_bytes(&server)).unwrap();
        bytes
            .lines()
            .find_map(|l| l.strip_prefix("Authorization: "))
            .unwrap()
            .to_owned()
    };
    ok.clone()
        .with(|r| r.authorization = Some(sig_yesterday))
        .send(&server)
        .await
        .assert_error("AuthFailure.SignatureFailure");
    // Unknown SecretId.
    ok.clone()
        .with(|r| r.secret_id = "AKIDnobody".into())
        .send(&server)
        .await
        .assert_error("AuthFailure.SecretIdNotFound");
    // Content-Type signed must be the one sent.
    let mut bytes = String::from_utf8(ok.to_bytes(&server)).unwrap();
    bytes = bytes.replace(
        "Content-Type: application/json",
        "Content-Type: application/json; charset=utf-8",
    );
    support::send_bytes(&server, bytes.as_bytes())
        .await
        .assert_error("AuthFailure.SignatureFailure");
}

#[tokio::test]
async fn action_version_service_and_host_checks() {
    let server = MockServer::start().await.unwrap();
    Raw::post("DescribeNothing", "{}")
        .send(&server)
        .await
        .assert_error("InvalidAction");
    // A cwp action signed for tcss: not an action of tcss (the message says where it is).
    let r = Raw::post("DescribeLicenseGeneral", "{}")
        .send(&server)
        .await;
    r.assert_error("InvalidAction");
    assert!(r.message().contains("cwp"), "{}", r.message());
    // The right scope for the action, on a host of the other service.
    Raw::post("DescribeLicenseGeneral", "{}")
        .with(|r| {
            r.service = "cwp".into();
            r.version = Some("2018-02-28".into());
            r.host = Some("tcss.tencentcloudapi.com".into());
        })
        .send(&server)
        .await
        .assert_error("InvalidAction");
    // The documented host works (also the intl and regional forms).
    for host in [
        "tcss.tencentcloudapi.com",
        "tcss.intl.tencentcloudapi.com",
        "tcss.ap-guangzhou.tencentcloudapi.com",
    ] {
        Raw::post("DescribeProVersionInfo", "{}")
            .with(|r| r.host = Some(host.into()))
            .send(&server)
            .await
            .assert_success();
    }
    // Host says tcss, credential scope says cwp.
    Raw::post("DescribeProVersionInfo", "{}")
        .with(|r| {
            r.host = Some("tcss.tencentcloudapi.com".into());
            r.service = "cwp".into();
        })
        .send(&server)
        .await
        .assert_error("AuthFailure.SignatureFailure");
    // An unknown product.
    Raw::post("DescribeProVersionInfo", "{}")
        .with(|r| r.service = "cvm".into())
        .send(&server)
        .await
        .assert_error("NoSuchProduct");
    // Versions.
    Raw::post("DescribeProVersionInfo", "{}")
        .with(|r| r.version = Some("2018-02-28".into()))
        .send(&server)
        .await
        .assert_error("NoSuchVersion");
    Raw::post("DescribeProVersionInfo", "{}")
        .with(|r| r.version = None)
        .send(&server)
        .await
        .assert_error("MissingParameter");
    Raw::post("DescribeProVersionInfo", "{}")
        .with(|r| r.action = None)
        .send(&server)
        .await
        .assert_error("MissingParameter");
    // Protocol: method, path, Content-Type.
    Raw::post("DescribeProVersionInfo", "{}")
        .with(|r| r.method = "PUT".into())
        .send(&server)
        .await
        .assert_error("UnsupportedProtocol");
    Raw::post("DescribeProVersionInfo", "{}")
        .with(|r| r.path = "/v2".into())
        .send(&server)
        .await
        .assert_error("UnsupportedProtocol");
    Raw::post("DescribeProVersionInfo", "{}")
        .with(|r| r.content_type = Some("text/plain".into()))
        .send(&server)
        .await
        .assert_error("InvalidRequest");
    Raw::post("DescribeProVersionInfo", "{}")
        .with(|r| {
            r.extra_headers
                .push(("X-TC-Language".into(), "fr-FR".into()))
        })
        .send(&server)
        .await
        .assert_error("InvalidParameterValue");
    // Every answer was logged and counted: the two requests without an action of the spec
    // (`DescribeNothing`, none at all) in the one bucket of unknown actions.
    assert_eq!(server.counters(tc_mock::UNKNOWN_ACTION).errors, 2);
    assert_eq!(
        server.counters("DescribeNothing"),
        server.counters(tc_mock::UNKNOWN_ACTION)
    );
}

#[tokio::test]
async fn parameter_checks_on_raw_requests() {
    let server = MockServer::start().await.unwrap();
    let task = "DescribeImageAutoAuthorizedTaskList";
    let post = |body: &str| Raw::post(task, body);
    post(r#"{"StartTime":"2022-01-01","EndTime":"2022-01-07"}"#)
        .send(&server)
        .await
        .assert_success();
    post(r#"{"StartTime":"2022-01-01"}"#)
        .send(&server)
        .await
        .assert_error("MissingParameter");
    post(r#"{"StartTime":"2022-01-01","EndTime":"2022-01-07","Bogus":1}"#)
        .send(&server)
        .await
        .assert_error("UnknownParameter");
    post(r#"{"StartTime":"2022-01-01","EndTime":"2022-01-07","Limit":"10"}"#)
        .send(&server)
        .await
        .assert_error("InvalidParameter");
    post(r#"{"StartTime":"2022-01-01","EndTime":"2022-01-07","Limit":101}"#)
        .send(&server)
        .await
        .assert_error("InvalidParameterValue");
    post(r#"{"StartTime":"2022-01-01","EndTime":"2022-01-07","Filters":[{"Name":"Source"}]}"#)
        .send(&server)
        .await
        .assert_error("MissingParameter");
    post(r#"{"StartTime":"2022-01-01","EndTime":"2022-01-07","Filters":[{"Name":"Source","Values":"LOCAL"}]}"#)
        .send(&server)
        .await
        .assert_error("InvalidParameter");
    post(r#"{"StartTime":"2022-01-01","EndTime":"2022-01-07","Filters":[{"Name":"Source","Values":["LOCAL"],"Fuzzy":true}]}"#)
        .send(&server)
        .await
        .assert_error("UnknownParameter");
    post("{not json")
        .send(&server)
        .await
        .assert_error("InvalidParameter");
    post("[]")
        .send(&server)
        .await
        .assert_error("InvalidParameter");
    // Actions without parameters reject any.
    Raw::post("DescribeProVersionInfo", r#"{"Limit":1}"#)
        .send(&server)
        .await
        .assert_error("UnknownParameter");

    // GET: flattened, coerced, checked the same way.
    let get = |q: &str| Raw::get(task, q);
    let ok = get(
        "StartTime=2022-01-01&EndTime=2022-01-07&Filters.0.Name=Source&Filters.0.Values.0=LOCAL&Filters.0.Values.1=REGISTRY&Limit=10",
    );
    ok.send(&server).await.assert_success();
    get("StartTime=2022-01-01")
        .send(&server)
        .await
        .assert_error("MissingParameter");
    get("StartTime=2022-01-01&EndTime=2022-01-07&Limit=ten")
        .send(&server)
        .await
        .assert_error("InvalidParameter");
    get("StartTime=2022-01-01&EndTime=2022-01-07&Limit=500")
        .send(&server)
        .await
        .assert_error("InvalidParameterValue");
    get("StartTime=2022-01-01&EndTime=2022-01-07&Nope=1")
        .send(&server)
        .await
        .assert_error("UnknownParameter");
    get("StartTime=2022-01-01&EndTime=2022-01-07&Filters.1.Name=Source&Filters.1.Values.0=LOCAL")
        .send(&server)
        .await
        .assert_error("InvalidParameter");
    // The URL form of the seed pages (Action and Version in the query) is accepted too.
    get("Action=DescribeImageAutoAuthorizedTaskList&Version=2020-11-01&StartTime=2022-01-01&EndTime=2022-01-07")
        .with(|r| {
            r.action = None;
            r.version = None;
        })
        .send(&server)
        .await
        .assert_success();
    let last = server.requests().pop().unwrap();
    assert_eq!(
        last.params,
        Some(json!({"StartTime": "2022-01-01", "EndTime": "2022-01-07"}))
    );
}

#[tokio::test]
async fn configured_responses_and_errors() {
    let server = MockServer::start().await.unwrap();
    let tcss = TcssClient::new(client(&server, Method::Post));
    let req = tm::DescribeImageAuthorizedInfoRequest::new();
    server.respond_with(
        "DescribeImageAuthorizedInfo",
        json!({"Response": {"TotalAuthorizedCnt": 7, "UsedAuthorizedCnt": 6, "ScannedImageCnt": 5,
                            "NotScannedImageCnt": 4, "NotScannedLocalImageCnt": 3, "RequestId": "ignored"}}),
    );
    let r = tcss.describe_image_authorized_info(&req).await.unwrap();
    assert_eq!(
        (r.total_authorized_cnt, r.not_scanned_local_image_cnt),
        (7, 3)
    );
    assert_ne!(r.request_id, "ignored");

    use tc_sdk::tcss::errors::DescribeImageAuthorizedInfoErrorCode as Code;
    server.fail_with(
        "DescribeImageAuthorizedInfo",
        "InternalError.MainDBFail",
        "db down",
    );
    assert_eq!(
        api_code(tcss.describe_image_authorized_info(&req).await),
        Code::InternalErrorMainDbFail
    );
    server.fail_with("DescribeImageAuthorizedInfo", "ResourceNotFound", "gone");
    assert_eq!(
        api_code(tcss.describe_image_authorized_info(&req).await),
        Code::Common(CommonErrorCode::ResourceNotFound)
    );
    // Validation still comes first: a configured error answers only valid requests.
    Raw::post("DescribeImageAuthorizedInfo", r#"{"X":1}"#)
        .send(&server)
        .await
        .assert_error("UnknownParameter");

    server.reset_action("DescribeImageAuthorizedInfo");
    let r = tcss.describe_image_authorized_info(&req).await.unwrap();
    assert_eq!(r.total_authorized_cnt, 1);
}

#[tokio::test]
async fn pagination_walks_every_page_with_post_and_get() {
    let server = MockServer::start().await.unwrap();
    let items: Vec<Value> = (0..25)
        .map(|i| {
            json!({"TaskId": i, "Type": "AUTO", "AuthorizedDate": "2022-01-01", "Source": "LOCAL",
                   "LastAuthorizedTime": "2022-01-01 00:00:00", "SuccessCount": i, "FailCount": 0,
                   "LatestFailCode": ""})
        })
        .collect();
    server.set_items("DescribeImageAutoAuthorizedTaskList", items);
    for method in METHODS {
        server.clear_requests();
        let tcss = TcssClient::new(client(&server, method));
        let req = tm::DescribeImageAutoAuthorizedTaskListRequest::new("2022-01-01", "2022-01-31")
            .with_limit(10);
        let mut pages = tcss.describe_image_auto_authorized_task_list_pages(req.clone());
        let mut sizes = Vec::new();
        while let Some(page) = pages.next_page().await {
            let page = page.unwrap();
            assert_eq!(page.total_count, 25);
            sizes.push(page.list.len());
        }
        assert_eq!(sizes, vec![10, 10, 5]);
        let offsets: Vec<Value> = server
            .requests()
            .iter()
            .map(|r| r.params.as_ref().unwrap()["Offset"].clone())
            .collect();
        assert_eq!(offsets, vec![Value::Null, json!(10), json!(20)]);

        let all = tcss
            .describe_image_auto_authorized_task_list_pages(req)
            .collect_items()
            .await
            .unwrap();
        let ids: Vec<i64> = all.iter().map(|t| t.task_id).collect();
        assert_eq!(
            ids,
            (0..25).collect::<Vec<_>>(),
            "every item once, in order"
        );
    }
    // The documented default Limit (10) applies when none is sent; Offset past the end is empty.
    let tcss = TcssClient::new(client(&server, Method::Post));
    let r = tcss
        .describe_image_auto_authorized_task_list(
            &tm::DescribeImageAutoAuthorizedTaskListRequest::new("2022-01-01", "2022-01-31"),
        )
        .await
        .unwrap();
    assert_eq!((r.list.len(), r.total_count), (10, 25));
    let r = tcss
        .describe_image_auto_authorized_task_list(
            &tm::DescribeImageAutoAuthorizedTaskListRequest::new("2022-01-01", "2022-01-31")
                .with_offset(30),
        )
        .await
        .unwrap();
    assert_eq!((r.list.len(), r.total_count), (0, 25));
    let r = Raw::post(
        "DescribeImageAutoAuthorizedTaskList",
        r#"{"StartTime":"2022-01-01","EndTime":"2022-01-07","Offset":-1}"#,
    )
    .send(&server)
    .await;
    r.assert_error("InvalidParameterValue");
}

#[tokio::test]
async fn retries_through_a_throttling_window_are_visible_in_the_log() {
    let server = MockServer::start().await.unwrap();
    let tcss = TcssClient::new(client(&server, Method::Post));
    let req = tm::DescribeProVersionInfoRequest::new();
    // The server throttles the next two requests; the client's third attempt succeeds.
    server.inject(
        Fault::throttle()
            .times(2)
            .for_action("DescribeProVersionInfo"),
    );
    let r = tcss.describe_pro_version_info(&req).await.unwrap();
    assert_eq!(r.cores_cnt, 1);
    let attempts = server.requests_for("DescribeProVersionInfo");
    let codes: Vec<Option<&str>> = attempts.iter().map(|r| r.error_code()).collect();
    assert_eq!(
        codes,
        vec![
            Some("RequestLimitExceeded"),
            Some("RequestLimitExceeded"),
            None
        ]
    );
    let c = server.counters("DescribeProVersionInfo");
    assert_eq!(
        (c.requests, c.throttled, c.succeeded, c.faulted),
        (3, 2, 1, 2)
    );

    // Throttled beyond the retry budget (3 attempts): a typed RequestLimitExceeded.
    server.clear_requests();
    server.inject(
        Fault::throttle()
            .times(5)
            .for_action("DescribeProVersionInfo"),
    );
    use tc_sdk::tcss::errors::DescribeProVersionInfoErrorCode as Code;
    let r = tcss.describe_pro_version_info(&req).await;
    assert_eq!(
        api_code(r),
        Code::Common(CommonErrorCode::RequestLimitExceeded)
    );
    assert_eq!(server.counters("DescribeProVersionInfo").requests, 3);
    server.clear_faults();

    // The server's own limiter: 5/s with no burst, client limiter off, 4 calls at once: at
    // least 3 are throttled first; jittered retries (up to 30 attempts) get them all through.
    server.clear_requests();
    server.set_rate_limit(RateLimit::documented().with_rate(5).with_burst(1));
    let rt = server
        .client_builder()
        .unwrap()
        .rate_limit(tc_runtime::RateLimitConfig::disabled())
        .retry(
            RetryConfig::default()
                .with_max_attempts(30)
                .with_base_delay(Duration::from_millis(100))
                .with_max_delay(Duration::from_millis(400)),
        )
        .build()
        .unwrap();
    let tcss = TcssClient::new(rt);
    let calls = (0..4).map(|_| {
        let tcss = tcss.clone();
        async move {
            tcss.describe_pro_version_info(&tm::DescribeProVersionInfoRequest::new())
                .await
        }
    });
    let results = futures_join_all(calls).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let c = server.counters("DescribeProVersionInfo");
    assert_eq!(c.succeeded, 4);
    assert!(c.throttled >= 3, "{c:?}");
    assert_eq!(c.requests, 4 + c.throttled);
}

/// Runs futures concurrently (no `futures` dependency needed for a handful).
async fn futures_join_all<F>(futs: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futs.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}

#[tokio::test]
async fn transport_faults_reach_the_client_as_typed_errors() {
    let server = MockServer::start().await.unwrap();
    let no_retry = TcssClient::new(
        server
            .client_builder()
            .unwrap()
            .retry(RetryConfig::disabled())
            .timeout(Duration::from_millis(500))
            .build()
            .unwrap(),
    );
    let req = tm::DescribePurchaseStateInfoRequest::new();
    let action = "DescribePurchaseStateInfo";
    let call = || no_retry.describe_purchase_state_info(&req);

    server.inject(Fault::HttpStatus(502).times(1).for_action(action));
    match call().await {
        Err(Error::Transport(e)) => {
            assert_eq!(
                (e.kind(), e.status()),
                (TransportErrorKind::Status, Some(502))
            );
            assert!(
                e.body_excerpt().unwrap_or("").contains("Bad Gateway"),
                "{e:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    server.inject(Fault::NotJson.times(1).for_action(action));
    match call().await {
        Err(Error::Decode(e)) => assert_eq!(e.kind(), tc_runtime::DecodeErrorKind::InvalidJson),
        other => panic!("{other:?}"),
    }
    server.inject(Fault::TruncatedJson.times(1).for_action(action));
    match call().await {
        Err(Error::Decode(e)) => assert_eq!(e.kind(), tc_runtime::DecodeErrorKind::Truncated),
        other => panic!("{other:?}"),
    }
    for fault in [Fault::Drop, Fault::DropMidBody] {
        server.inject(fault.clone().times(1).for_action(action));
        match call().await {
            Err(Error::Transport(e)) => {
                assert_eq!(e.kind(), TransportErrorKind::Network, "{fault:?}: {e:?}")
            }
            other => panic!("{fault:?}: {other:?}"),
        }
    }
    // Counted when answered: two corrupted successes, five faults so far.
    let c = server.counters(action);
    assert_eq!((c.faulted, c.succeeded, c.requests), (5, 2, 5));
    server.inject(
        Fault::Delay(Duration::from_secs(2))
            .times(1)
            .for_action(action),
    );
    match call().await {
        Err(Error::Transport(e)) => assert_eq!(e.kind(), TransportErrorKind::Timeout),
        other => panic!("{other:?}"),
    }
    // A short delay is only a delay.
    server.inject(
        Fault::Delay(Duration::from_millis(50))
            .times(1)
            .for_action(action),
    );
    call().await.unwrap();
    // Faults for another action do not apply; the server answers normally afterwards.
    server.inject(Fault::Drop.always().for_action("DescribeProVersionInfo"));
    call().await.unwrap();

    // With retries, network faults and 5xx are retried until success.
    server.clear_faults();
    server.clear_requests();
    let retrying = TcssClient::new(client(&server, Method::Post));
    server.inject(Fault::Drop.times(1).for_action(action));
    server.inject(Fault::HttpStatus(503).times(1).for_action(action));
    retrying.describe_purchase_state_info(&req).await.unwrap();
    let outcomes: Vec<Outcome> = server.requests().into_iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        vec![Outcome::Dropped, Outcome::HttpStatus(503), Outcome::Success]
    );
}

#[tokio::test]
async fn probabilistic_faults_are_reproducible_with_a_seed() {
    async fn run(seed: u64) -> Vec<bool> {
        let server = MockServer::builder().seed(seed).start().await.unwrap();
        server.inject(Fault::error("InternalError", "flaky").with_probability(0.5));
        let mut hits = Vec::new();
        for _ in 0..20 {
            let r = Raw::post("DescribeProVersionInfo", "{}")
                .send(&server)
                .await;
            hits.push(r.error_code().is_some());
        }
        hits
    }
    let a = run(42).await;
    assert_eq!(a, run(42).await);
    assert!(a.iter().any(|h| *h) && a.iter().any(|h| !*h), "{a:?}");
}

#[tokio::test]
async fn body_size_cap() {
    let server = MockServer::builder()
        .max_body_bytes(1024)
        .start()
        .await
        .unwrap();
    let big = format!(
        r#"{{"StartTime":"2022-01-01","EndTime":"2022-01-07","Pad":"{}"}}"#,
        "x".repeat(2000)
    );
    Raw::post("DescribeImageAutoAuthorizedTaskList", &big)
        .send(&server)
        .await
        .assert_error("RequestSizeLimitExceeded");
    let huge_query = format!(
        "StartTime=2022-01-01&EndTime=2022-01-07&Pad={}",
        "x".repeat(40 * 1024)
    );
    Raw::get("DescribeImageAutoAuthorizedTaskList", &huge_query)
        .send(&server)
        .await
        .assert_error("RequestSizeLimitExceeded");
    assert_eq!(
        server
            .counters("DescribeImageAutoAuthorizedTaskList")
            .errors,
        2
    );
}

#[tokio::test]
async fn default_rate_limit_throttles_a_flood_but_not_a_polite_client() {
    let server = MockServer::start().await.unwrap();
    // 30 back-to-back raw requests: the burst (20) passes; of the other 10, only those the
    // refill (one per 50 ms) covers pass, the rest are throttled.
    let started = std::time::Instant::now();
    let mut codes = Vec::new();
    for _ in 0..30 {
        codes.push(
            Raw::post("DescribeProVersionInfo", "{}")
                .send(&server)
                .await
                .error_code(),
        );
    }
    let refilled = (started.elapsed().as_millis() / 50) as usize;
    assert!(codes[..20].iter().all(Option::is_none), "{codes:?}");
    let throttled = codes
        .iter()
        .filter(|c| c.as_deref() == Some("RequestLimitExceeded"))
        .count();
    assert!(
        throttled >= 10usize.saturating_sub(refilled + 1) && throttled <= 10,
        "{throttled} throttled: {codes:?}"
    );
    assert!(throttled > 0 || refilled >= 9, "{codes:?}");
    // Another action has its own budget.
    Raw::post("DescribeImageAuthorizedInfo", "{}")
        .send(&server)
        .await
        .assert_success();
    // Off means off.
    server.set_rate_limit(RateLimit::off());
    for _ in 0..30 {
        Raw::post("DescribeProVersionInfo", "{}")
            .send(&server)
            .await
            .assert_success();
    }
}
