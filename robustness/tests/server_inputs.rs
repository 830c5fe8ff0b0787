//! What tc-mock reads from a client: GET query strings (parsed by `tc_runtime::query`,
//! un-flattened and validated by tc-mock) and `Authorization` headers
//! (`tc_runtime::sign::parse_authorization`, `verify`). Never a panic; un-flattening inverts
//! flattening; validation is consistent between GET and POST; headers round-trip.

use proptest::prelude::*;
use tc_robustness::auth::{arb_header, check_authorization};
use tc_robustness::query::{MAX_KEY_SEGMENTS, check_query};

fn apis() -> [&'static tc_codegen::ir::Api; 2] {
    [tc_robustness::real_api(), tc_robustness::constructs_api()]
}

/// Query-like text: real parameter names, dots, digits, escapes.
fn arb_query() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        proptest::sample::select(vec![
            "StartTime", "EndTime", "Filters", "Name", "Values", "ExactMatch", "Limit", "Offset", "Type", "MachineIds",
            "Disk", "DiskId", "ExtraDisks", "Size", "State", "Count", "Quota", "Weight", "MachineId", "Async",
            "IncludeDeep", "0", "1", "2", "01", "99999999999999999999",
        ])
        .prop_map(str::to_owned),
        "[A-Za-z0-9%+]{0,4}",
    ];
    let key = proptest::collection::vec(name, 1..5).prop_map(|s| s.join("."));
    let value = prop_oneof![
        "[0-9.eE+-]{0,6}",
        proptest::sample::select(vec!["true", "false", "CVM", "BM", "LOCAL", "2022-01-01", "ap-guangzhou-1", "%E6%9C%AA", "%zz", ""])
            .prop_map(str::to_owned),
        "\\PC{0,6}",
    ];
    proptest::collection::vec((key, value, any::<bool>()), 0..8).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(k, v, eq)| if eq { format!("{k}={v}") } else { k })
            .collect::<Vec<_>>()
            .join("&")
    })
}

proptest! {
    #![proptest_config(tc_robustness::config(256))]

    #[test]
    fn query_strings(q in arb_query()) {
        check_query(&q, &apis());
    }

    #[test]
    fn arbitrary_query_text(q in "\\PC{0,80}") {
        check_query(&q, &apis());
    }

    #[test]
    fn authorization_near_valid(h in arb_header(), ts in any::<i64>()) {
        check_authorization(&h, ts);
    }

    #[test]
    fn authorization_arbitrary(h in "\\PC{0,120}", ts in any::<i64>()) {
        check_authorization(&h, ts);
    }
}

/// The query generator reaches the validator with well-formed parameters (not only errors).
#[test]
fn generated_queries_reach_the_validator() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::new(tc_robustness::config(1));
    let parsed = (0..300)
        .filter(|_| {
            let q = arb_query().new_tree(&mut runner).expect("a query").current();
            tc_mock::unflatten::unflatten(&tc_runtime::query::parse_query(&q)).is_ok()
        })
        .count();
    assert!(parsed > 100, "{parsed} of 300 un-flatten");
}

/// The near-valid header generator also yields valid headers.
#[test]
fn generated_headers_include_valid_ones() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::new(tc_robustness::config(1));
    let ok = (0..300)
        .filter(|_| tc_runtime::sign::parse_authorization(&arb_header().new_tree(&mut runner).expect("a header").current()).is_ok())
        .count();
    assert!(ok > 10, "{ok} of 300 parse");
}

/// tc-mock's un-flattening recurses once per key segment: a GET whose key has a few
/// thousand `.`-segments (an 8 KB URL, well under tc-mock's 64 KB head limit) overflows the
/// stack of the worker thread and aborts the whole server. Ignored until `unflatten` refuses
/// deep keys (see "Findings" in `fuzz/README.md`); run with `--ignored` to check a fix. The property tests
/// above skip keys deeper than `MAX_KEY_SEGMENTS`.
#[test]
fn deep_query_keys_do_not_overflow_the_server_stack() {
    let key = vec!["A"; 4 * 1024].join(".");
    assert!(key.split('.').count() > MAX_KEY_SEGMENTS);
    let worker = std::thread::Builder::new()
        .stack_size(2 << 20) // tokio's default worker stack
        .spawn(move || tc_mock::unflatten::unflatten(&[(key, "x".to_owned())]).is_err())
        .expect("a thread");
    assert!(worker.join().expect("no panic"), "a 4096-segment key is refused");
}
