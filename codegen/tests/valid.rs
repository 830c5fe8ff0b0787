//! Valid specs: what the checker derives (Rust names, collisions, usage, shared enums,
//! example parsing) on the fixture base with small overlays.

use std::collections::BTreeMap;
use std::path::Path;
use tc_codegen::{SpecFiles, ir};

fn base() -> BTreeMap<String, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/base");
    match tc_codegen::load::read_dir(&dir) {
        Ok(files) => files.files.into_iter().map(|f| (f.path, f.text)).collect(),
        Err(d) => panic!("{d}"),
    }
}

fn build_with(overlay: &[(&str, &str)]) -> ir::Api {
    let mut files = base();
    for (p, t) in overlay {
        files.insert((*p).to_owned(), (*t).to_owned());
    }
    match tc_codegen::build(&SpecFiles::from_pairs(files)) {
        Ok(api) => api,
        Err(d) => panic!("expected a valid spec:\n{d}"),
    }
}

fn service(api: &ir::Api) -> &ir::Service {
    &api.services[0]
}

#[test]
fn snake_collisions_get_suffixes_and_keywords_are_escaped() {
    let api = build_with(&[(
        "demo/structures/Host.yaml",
        "structure: Host\nsource: t\nfields:\n  - name: PublicIP\n    type: String\n  - name: PublicIp\n    type: String\n  - name: Type\n    type: String\n  - name: Self\n    type: String\n  - name: Where\n    type: String\n",
    )]);
    let host = service(&api).structures.iter().find(|s| s.name == "Host").expect("Host");
    let names: Vec<&str> = host.fields.iter().map(|f| f.rust_name.as_str()).collect();
    assert_eq!(names, ["public_ip", "public_ip_2", "type_", "self_", "where_"]);
    // Unused structures are allowed: neither input nor output.
    assert_eq!(host.usage, ir::Usage { input: false, output: false });
}

#[test]
fn names_usage_and_defaults() {
    let api = build_with(&[]);
    let svc = service(&api);
    assert_eq!((svc.module.as_str(), svc.trait_name.as_str(), svc.client_name.as_str()), ("demo", "Demo", "DemoClient"));
    let action = &svc.actions[0];
    assert_eq!(action.method, "describe_items");
    assert_eq!(action.request_type, "DescribeItemsRequest");
    assert_eq!(action.response_type, "DescribeItemsResponse");
    assert_eq!(action.error_type, "DescribeItemsErrorCode");
    // Request fields default to optional, response fields to required.
    assert!(action.request.iter().all(|f| !f.required));
    assert!(action.response.iter().all(|f| f.required));
    let usage: Vec<(&str, ir::Usage)> = svc.structures.iter().map(|s| (s.name.as_str(), s.usage)).collect();
    assert_eq!(
        usage,
        [("Filter", ir::Usage { input: true, output: false }), ("Item", ir::Usage { input: false, output: true })]
    );
    // Default enum names: <Owner><Field>.
    let state = action.response.iter().find(|f| f.name == "State").and_then(|f| f.values.as_ref()).expect("State values");
    assert_eq!(state.rust_name, "DescribeItemsResponseState");
    assert_eq!(state.kind, ir::ValueKind::Integer);
    let kind = svc.structures[1].fields[1].values.as_ref().expect("Kind values");
    assert_eq!(kind.rust_name, "ItemKind");
    let filter = &action.request[0].filters[0];
    assert_eq!(filter.values.as_ref().map(|v| v.rust_name.as_str()), Some("DescribeItemsRequestFiltersKind"));
    // Error codes sorted, with Rust names.
    assert_eq!(api.common.errors.iter().map(|e| e.rust_name.as_str()).collect::<Vec<_>>(), ["InternalError", "InvalidParameter"]);
    assert_eq!(action.errors[0].rust_name, "InternalErrorDbFail");
}

#[test]
fn examples_are_parsed_and_query_text_is_typed() {
    let api = build_with(&[]);
    let action = &service(&api).actions[0];
    assert_eq!(action.examples.len(), 2);
    let get = &action.examples[0];
    assert_eq!(get.method, ir::ExampleMethod::Get);
    // `Limit=10` in the query becomes the number 10; the value outside the documented
    // set (`State: 7`) is accepted.
    assert_eq!(
        get.request,
        serde_json::json!({"Filters": [{"Name": "Kind", "Values": ["SMALL"]}], "Limit": 10})
    );
    assert_eq!(get.response["State"], serde_json::json!(7));
    assert_eq!(get.response["RequestId"], serde_json::json!("r-1"));
    let post = &action.examples[1];
    assert_eq!(post.method, ir::ExampleMethod::Post);
    assert_eq!(post.request["Limit"], serde_json::json!(5));
    assert_eq!(post.response["Error"]["Code"], serde_json::json!("InternalError.DbFail"));
    assert!(post.request_text.starts_with("POST / HTTP/1.1\nHost: demo.intl.tencentcloudapi.com"));
}

#[test]
fn enums_can_be_shared_when_identical() {
    let values = "    values:\n      - value: 0\n        name: Idle\n        description: idle\n";
    let action = base()["demo/actions/DescribeItems.yaml"]
        .replace("    description: State.\n", "    description: State.\n    enum: Activity\n")
        .replace(
            "errors:\n",
            &format!("  - name: OtherState\n    type: Integer\n    nullable: true\n    enum: Activity\n{values}      - value: 1\n        name: Busy\n        description: busy\nerrors:\n"),
        );
    let api = build_with(&[("demo/actions/DescribeItems.yaml", &action)]);
    let resp = &service(&api).actions[0].response;
    let a = resp.iter().find(|f| f.name == "State").and_then(|f| f.values.clone());
    let b = resp.iter().find(|f| f.name == "OtherState").and_then(|f| f.values.clone());
    assert!(a.is_some());
    assert_eq!(a, b);
}

#[test]
fn the_real_spec_examples_pass() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let files = tc_codegen::load::read_dir(&root).unwrap_or_else(|d| panic!("{d}"));
    let api = tc_codegen::build(&files).unwrap_or_else(|d| panic!("{d}"));
    // Every documented example is accepted, or recorded as faulty with its reason: none is
    // dropped silently. The count comes from the spec files themselves.
    let (spec, _) = tc_codegen::load::parse(&files);
    let mut accepted = 0;
    for svc in &api.services {
        for a in &svc.actions {
            let file = spec.actions.iter().find(|s| s.file == a.source).expect("the action's file");
            assert_eq!(a.examples.len() + a.faulty_examples.len(), file.examples.len(), "{}", a.name);
            assert!(a.faulty_examples.iter().all(|f| !f.fault.trim().is_empty()), "{}", a.name);
            for ex in &a.examples {
                assert!(ex.response.get("RequestId").is_some_and(|v| v.is_string()));
                accepted += 1;
            }
        }
    }
    assert!(accepted > 0);
    // The documented oddities are accepted, not rejected.
    let purchase = api.services.iter().flat_map(|s| &s.actions).find(|a| a.name == "DescribePurchaseStateInfo").expect("action");
    assert_eq!(purchase.examples[0].response["AutomaticRenewal"], serde_json::json!(194));
    assert_eq!(purchase.examples[0].response["SubState"], serde_json::json!("NORMAL"));
}

/// `spec/README.md` shows a real action file in full; it must not drift from the file.
#[test]
fn readme_example_is_the_real_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("spec/README.md");
    let file = std::fs::read_to_string(root.join("tcss/actions/DescribeImageAutoAuthorizedTaskList.yaml"))
        .expect("the example action");
    assert!(
        readme.contains(&format!("```yaml\n{file}```")),
        "spec/README.md's example differs from tcss/actions/DescribeImageAutoAuthorizedTaskList.yaml: copy the file into the README"
    );
}
