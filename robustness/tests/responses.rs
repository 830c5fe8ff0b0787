//! The response decoder of every generated action (through `tc_runtime::decode_response`, the
//! path `Client::call` takes) on mutated documented examples, arbitrary JSON and arbitrary
//! bytes: never a panic; every failure a typed error with a bounded excerpt.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};
use tc_robustness::json::{self as j, Mutation, TextEdit};
use tc_robustness::response::{ActionDecoder, FIXTURE_ACTIONS, Outcome, SDK_ACTIONS, check_all};

/// A documented example reply of one action, with its decoder.
#[derive(Debug, Clone)]
struct Sample {
    decoder: ActionDecoder,
    /// The whole body: `{"Response": {...}}`.
    body: Value,
}

fn samples() -> Vec<Sample> {
    let mut out = Vec::new();
    for (decoders, api) in
        [(SDK_ACTIONS, tc_robustness::real_api()), (FIXTURE_ACTIONS, tc_robustness::constructs_api())]
    {
        for d in decoders {
            let action = api
                .services
                .iter()
                .filter(|s| s.name == d.service)
                .flat_map(|s| &s.actions)
                .find(|a| a.name == d.action)
                .unwrap_or_else(|| panic!("{d:?} is not in the spec"));
            // Success replies only: the mutations start from replies the decoder accepts
            // (error envelopes are covered by `mutations_reach_every_outcome`).
            let success = action.examples.iter().filter(|ex| ex.response.get("Error").is_none());
            let before = out.len();
            for ex in success {
                out.push(Sample { decoder: *d, body: json!({ "Response": ex.response }) });
            }
            if out.len() == before {
                out.push(Sample { decoder: *d, body: json!({"Response": {"RequestId": "r"}}) });
            }
        }
    }
    out
}

/// Every wire field name of every response, so arbitrary JSON gets past "missing field".
fn field_names() -> Vec<String> {
    let mut names = BTreeSet::from(["Response".to_owned(), "RequestId".to_owned(), "Error".to_owned(), "Code".to_owned(), "Message".to_owned()]);
    for api in [tc_robustness::real_api(), tc_robustness::constructs_api()] {
        for s in &api.services {
            for a in &s.actions {
                names.extend(a.response.iter().map(|f| f.name.clone()));
            }
            for st in &s.structures {
                names.extend(st.fields.iter().map(|f| f.name.clone()));
            }
        }
    }
    names.into_iter().collect()
}

/// A mutated example: the reply, and the status to send it with.
#[derive(Debug, Clone)]
struct Case {
    sample: usize,
    mutations: Vec<Mutation>,
    duplicate: Option<usize>,
    edits: Vec<TextEdit>,
    status: u16,
}

fn arb_case(n_samples: usize) -> impl Strategy<Value = Case> {
    let values = j::arb_json(field_names()).boxed();
    (
        0..n_samples,
        proptest::collection::vec(j::arb_mutation(values), 0..4),
        proptest::option::weighted(0.15, any::<usize>()),
        proptest::collection::vec(j::arb_text_edit(), 0..2),
        prop_oneof![12 => Just(200u16), 1 => any::<u16>()],
    )
        .prop_map(|(sample, mutations, duplicate, edits, status)| Case { sample, mutations, duplicate, edits, status })
}

fn body_of(case: &Case, samples: &[Sample]) -> Vec<u8> {
    let mut v = samples[case.sample].body.clone();
    for m in &case.mutations {
        j::apply(&mut v, m);
    }
    let mut bytes = j::render(&v, case.duplicate);
    for e in &case.edits {
        j::edit(&mut bytes, e);
    }
    bytes
}

fn run(case: &Case, samples: &[Sample]) -> Outcome {
    (samples[case.sample].decoder.check)(case.status, &body_of(case, samples))
}

proptest! {
    #![proptest_config(tc_robustness::config(256))]

    /// Documented examples with keys dropped, values retyped or stringified, deep nesting,
    /// duplicated keys, garbage bytes and truncation, decoded by their own action.
    #[test]
    fn mutated_examples(case in arb_case(samples().len())) {
        run(&case, &samples());
    }

    /// Arbitrary JSON, alone or in an envelope (often with real field names), decoded by every action.
    #[test]
    fn arbitrary_json(v in j::arb_json(field_names()), wrap in any::<bool>(), status in prop_oneof![9 => Just(200u16), 1 => any::<u16>()]) {
        let v = if wrap { json!({ "Response": v }) } else { v };
        check_all(status, &serde_json::to_vec(&v).expect("JSON"));
    }

    /// Arbitrary bytes, decoded by every action.
    #[test]
    fn arbitrary_bytes(body in proptest::collection::vec(any::<u8>(), 0..700), status in prop_oneof![3 => Just(200u16), 1 => any::<u16>()]) {
        check_all(status, &body);
    }
}

/// Every listed decoder names an action of the spec, and the fixture's list covers the whole
/// fixture. The real crate's list is a sample (the curated actions): mutating replies through
/// every one of hundreds of decoders would test the same table-driven codec each time.
#[test]
fn listed_decoders_are_spec_actions() {
    let listed = |ds: &[ActionDecoder]| ds.iter().map(|d| (d.service.to_owned(), d.action.to_owned())).collect::<BTreeSet<_>>();
    let in_spec = |api: &tc_codegen::ir::Api| {
        api.services
            .iter()
            .flat_map(|s| s.actions.iter().map(|a| (s.name.clone(), a.name.clone())))
            .collect::<BTreeSet<_>>()
    };
    // Loaded afresh (not the cached copy).
    let spec = tc_codegen::build(&tc_codegen::load::read_dir(&tc_robustness::spec_root()).expect("spec reads"))
        .expect("spec builds");
    let missing: Vec<_> = listed(SDK_ACTIONS).difference(&in_spec(&spec)).cloned().collect();
    assert!(missing.is_empty(), "SDK_ACTIONS names actions the spec lacks: {missing:?}");
    let missing: Vec<_> = listed(FIXTURE_ACTIONS).difference(&in_spec(tc_robustness::constructs_api())).cloned().collect();
    assert!(missing.is_empty(), "FIXTURE_ACTIONS names actions the fixture lacks: {missing:?}");
}

/// Every documented example decodes (the mutations start from replies that are accepted).
#[test]
fn documented_examples_decode() {
    for s in samples() {
        let body = serde_json::to_vec(&s.body).expect("JSON");
        assert_eq!((s.decoder.check)(200, &body), Outcome::Ok, "{:?}: {}", s.decoder, s.body);
    }
}

/// The mutations are not vacuous: a fixed sample reaches every outcome.
#[test]
fn mutations_reach_every_outcome() {
    let samples = samples();
    let mut runner = TestRunner::new(tc_robustness::config(1));
    let mut seen: BTreeMap<Outcome, usize> = BTreeMap::new();
    for _ in 0..400 {
        let case = arb_case(samples.len()).new_tree(&mut runner).expect("a case").current();
        *seen.entry(run(&case, &samples)).or_default() += 1;
    }
    for o in [Outcome::Ok, Outcome::Decode, Outcome::Transport] {
        assert!(seen.get(&o).is_some_and(|&n| n > 0), "{o:?} never reached: {seen:?}");
    }
    // API errors come from error envelopes: one per action, with documented and odd codes.
    for d in SDK_ACTIONS.iter().chain(FIXTURE_ACTIONS) {
        for code in ["InternalError", "AuthFailure.SignatureFailure", "Brand.New.Code", "", "\u{0}é"] {
            let body = json!({"Response": {"Error": {"Code": code, "Message": "m"}, "RequestId": "r"}});
            assert_eq!((d.check)(200, &serde_json::to_vec(&body).expect("JSON")), Outcome::Api, "{d:?} {code:?}");
        }
    }
}

/// Numbers sent as strings (a known server quirk), in fields and inside arrays
/// (`"Ports": ["22"]`, which failed a whole response before `tc_runtime::de::vec_*`), decode
/// to the same values.
#[test]
fn numbers_sent_as_strings_decode_the_same() {
    for s in samples() {
        let body = serde_json::to_vec(&j::stringify_numbers(&s.body)).expect("JSON");
        assert_eq!((s.decoder.check)(200, &body), Outcome::Ok, "{:?}: {}", s.decoder, String::from_utf8_lossy(&body));
    }
}

/// Large hostile replies: the excerpt, the parser message and the request id stay bounded.
#[test]
fn huge_replies_keep_bounded_errors() {
    let huge = "9".repeat(200_000);
    let bodies = [
        format!(r#"{{"Response":{{"TotalCount":"{huge}x","List":[],"RequestId":"{huge}"}}}}"#),
        format!(r#"{{"Response":{{"IsPurchased":"{huge}","RequestId":"r"}}}}"#),
        format!(r#"{{"Response":{{"Error":{{"Code":{{"{huge}":1}}}}}}}}"#),
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
        format!(r#"{{"Response":{}}}"#, "{\"A\":".repeat(10_000)),
        huge.clone(),
    ];
    for body in &bodies {
        check_all(200, body.as_bytes());
        check_all(502, body.as_bytes());
    }
}

/// Issue 13.4: client error correction on the generated decoders. Each documented example with
/// any one key removed from any object, or set to `null`, still decodes: a required member
/// gets its zero value (absent optional ones were always fine).
#[test]
fn examples_missing_or_nulling_any_key_still_decode() {
    fn paths(v: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    at.push(k.clone());
                    out.push(at.clone());
                    paths(child, at, out);
                    at.pop();
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate().take(2) {
                    at.push(i.to_string());
                    paths(child, at, out);
                    at.pop();
                }
            }
            _ => {}
        }
    }
    fn edit(v: &mut Value, path: &[String], null: bool) {
        let (last, parents) = path.split_last().expect("a path");
        let mut cur = v;
        for p in parents {
            cur = match cur {
                Value::Object(m) => m.get_mut(p).expect("key"),
                Value::Array(a) => &mut a[p.parse::<usize>().expect("index")],
                _ => unreachable!(),
            };
        }
        let map = cur.as_object_mut().expect("an object");
        if null {
            map.insert(last.clone(), Value::Null);
        } else {
            map.remove(last);
        }
    }
    let mut checked = 0;
    for s in samples() {
        let response = &s.body["Response"];
        let mut all = Vec::new();
        paths(response, &mut Vec::new(), &mut all);
        for path in all {
            for null in [false, true] {
                let mut body = s.body.clone();
                edit(&mut body["Response"], &path, null);
                let bytes = serde_json::to_vec(&body).expect("JSON");
                assert_eq!((s.decoder.check)(200, &bytes), Outcome::Ok, "{:?} without {path:?} (null: {null})", s.decoder);
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} cases");
}

/// Issue 13.5: `Response.Error`'s Code, Message and RequestId are bounded on every generated
/// decoder, saying how much was cut.
#[test]
fn huge_api_error_parts_are_bounded() {
    use tc_runtime::{Error, decode_response};
    let body = json!({"Response": {"Error": {"Code": "C".repeat(10_000), "Message": "m".repeat(1 << 20)}, "RequestId": "r".repeat(10_000)}});
    let bytes = serde_json::to_vec(&body).expect("JSON");
    let err = decode_response::<
        tc_sdk::tcss::models::DescribeProVersionInfoResponse,
        tc_sdk::tcss::errors::DescribeProVersionInfoErrorCode,
    >(200, &bytes)
    .unwrap_err();
    let Error::Api(api) = &err else { panic!("{err:?}") };
    assert!(api.message.len() < 1100 && api.message.ends_with(&format!("[+{} bytes]", (1 << 20) - 1024)), "{}", api.message.len());
    assert!(api.request_id.len() < 200 && api.request_id.contains("…[+"));
    assert!(err.to_string().len() < 1600, "{}", err.to_string().len());
    check_all(200, &bytes);
}
