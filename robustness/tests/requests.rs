//! Request serialization round trips for arbitrary valid requests: POST JSON (serialize →
//! parse back → equal) and GET (flatten → query string → parse → the server's un-flattening
//! → equal, modulo scalars becoming strings, which the server's validator coerces back by
//! the IR to exactly what the POST form validates to).

use proptest::prelude::*;
use serde_json::{Value, json};
use tc_codegen::ir;
use tc_fixture_constructs::demo::models::{
    DescribeMachinesRequest, Disk, DiskState, MachineKind, ModifyMachineRequest, NameFilter,
};
use tc_mock::validate::{Encoding, validate_request};
use tc_robustness::query::{as_query_json, query_round_trip};
use tc_sdk::tcss::models::{AssetFilters, DescribeImageAutoAuthorizedTaskListRequest};

/// Text with everything the query encoding must escape or keep: unicode, `&`, `=`, `%`,
/// `.`, `+`, spaces, `#`, `?`.
fn arb_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,12}",
        "[&=%.+ /?#~a-zA-Z0-9é未\u{1F600}\t]{0,12}",
        Just(String::new()),
        Just("%41%zz+".to_owned()),
    ]
}

fn arb_date() -> impl Strategy<Value = String> {
    (1970u32..2100, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
}

fn action<'a>(api: &'a ir::Api, service: &str, name: &str) -> (&'a ir::Service, &'a ir::Action) {
    let s = api.services.iter().find(|s| s.name == service).expect("service");
    (s, s.actions.iter().find(|a| a.name == name).expect("action"))
}

/// The GET form of `post` arrives at the server as [`as_query_json`] says, and, when the
/// request is valid, validates to exactly what the POST form validates to.
fn check_get(post: &Value, service: &ir::Service, action: &ir::Action, valid: bool) -> Result<(), TestCaseError> {
    let got = query_round_trip(post).map_err(|e| TestCaseError::fail(format!("unflatten: {e}")))?;
    prop_assert_eq!(&got, &as_query_json(post).unwrap_or(json!({})));
    let typed_post = validate_request(service, action, post, Encoding::Json);
    let typed_get = validate_request(service, action, &got, Encoding::Query);
    if valid {
        let typed_post = typed_post.map_err(|v| TestCaseError::fail(format!("POST rejected: {v}: {post}")))?;
        let typed_get = typed_get.map_err(|v| TestCaseError::fail(format!("GET rejected: {v}: {got}")))?;
        prop_assert_eq!(typed_get, typed_post);
    }
    Ok(())
}

fn post_json<T: serde::Serialize>(req: &T) -> Result<Value, TestCaseError> {
    let bytes = serde_json::to_vec(req).map_err(|e| TestCaseError::fail(e.to_string()))?;
    serde_json::from_slice(&bytes).map_err(|e| TestCaseError::fail(format!("sent JSON does not parse: {e}")))
}

/// A filter: name, values, exact match.
type Filter = (String, Vec<String>, Option<bool>);

// ---- tcss DescribeImageAutoAuthorizedTaskList -------------------------------------------

#[derive(Debug, Clone)]
struct TaskList {
    start: String,
    end: String,
    filters: Option<Vec<Filter>>,
    limit: Option<i64>,
    offset: Option<i64>,
}

impl TaskList {
    fn request(&self) -> DescribeImageAutoAuthorizedTaskListRequest {
        let mut r = DescribeImageAutoAuthorizedTaskListRequest::new(self.start.clone(), self.end.clone());
        if let Some(f) = &self.filters {
            r = r.with_filters(
                f.iter()
                    .map(|(name, values, exact_match)| AssetFilters {
                        name: name.clone(),
                        values: values.clone(),
                        exact_match: *exact_match,
                    })
                    .collect(),
            );
        }
        if let Some(l) = self.limit {
            r = r.with_limit(l);
        }
        if let Some(o) = self.offset {
            r = r.with_offset(o);
        }
        r
    }

    /// The JSON the API expects, written independently of the generated serializer.
    fn expected(&self) -> Value {
        let mut v = json!({"StartTime": self.start, "EndTime": self.end});
        if let Some(f) = &self.filters {
            v["Filters"] = f
                .iter()
                .map(|(name, values, exact)| {
                    let mut o = json!({"Name": name, "Values": values});
                    if let Some(e) = exact {
                        o["ExactMatch"] = json!(e);
                    }
                    o
                })
                .collect();
        }
        if let Some(l) = self.limit {
            v["Limit"] = json!(l);
        }
        if let Some(o) = self.offset {
            v["Offset"] = json!(o);
        }
        v
    }
}

fn arb_task_list() -> impl Strategy<Value = TaskList> {
    let filter = (arb_text(), proptest::collection::vec(arb_text(), 0..4), any::<Option<bool>>());
    (
        arb_text(),
        arb_text(),
        proptest::option::of(proptest::collection::vec(filter, 0..4)),
        any::<Option<i64>>(),
        any::<Option<i64>>(),
    )
        .prop_map(|(start, end, filters, limit, offset)| TaskList { start, end, filters, limit, offset })
}

/// Requests the spec accepts: dates, documented filter names and values, limit in range,
/// no empty lists (GET cannot send an empty list).
fn arb_valid_task_list() -> impl Strategy<Value = TaskList> {
    let filter = prop_oneof![
        (Just("Status"), proptest::sample::subsequence(vec!["ALLSUCCSESS", "PARTIALFAIL", "ALLFAIL"], 1..=3)),
        (Just("Type"), proptest::sample::subsequence(vec!["AUTO", "MANUAL"], 1..=2)),
        (Just("Source"), proptest::sample::subsequence(vec!["LOCAL", "REGISTRY"], 1..=2)),
    ];
    let filter = (filter, any::<Option<bool>>())
        .prop_map(|((name, values), exact)| (name.to_owned(), values.into_iter().map(str::to_owned).collect(), exact));
    (
        arb_date(),
        arb_date(),
        proptest::option::of(proptest::collection::vec(filter, 1..4)),
        proptest::option::of(i64::MIN..=100),
        any::<Option<i64>>(),
    )
        .prop_map(|(start, end, filters, limit, offset)| TaskList { start, end, filters, limit, offset })
}

// ---- demo (constructs fixture): ModifyMachine and DescribeMachines -----------------------

fn arb_disk_state() -> impl Strategy<Value = DiskState> {
    prop_oneof![(-1i64..=1).prop_map(DiskState::from), any::<i64>().prop_map(DiskState::from)]
}

fn arb_disk(valid: bool) -> impl Strategy<Value = Disk> {
    let size = if valid { (i64::MIN..=16_000).boxed() } else { any::<i64>().boxed() };
    let state = if valid { (-1i64..=1).prop_map(DiskState::from).boxed() } else { arb_disk_state().boxed() };
    (arb_text(), proptest::option::of(size), proptest::option::of(state))
        .prop_map(|(disk_id, size, state)| Disk { disk_id, size, state })
}

fn disk_json(d: &Disk) -> Value {
    let mut v = json!({"DiskId": d.disk_id});
    if let Some(s) = d.size {
        v["Size"] = json!(s);
    }
    if let Some(s) = &d.state {
        v["State"] = json!(s.value());
    }
    v
}

/// Finite floats only: JSON has no NaN or infinity (see the NaN finding in `fuzz/README.md`).
fn arb_weight() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("finite", |f| f.is_finite()),
        proptest::sample::select(vec![0.0, -0.0, 0.1, 1e-300, 5e-324, f64::MAX, f64::MIN, 1e15, 123_456.789]),
    ]
}

#[derive(Debug, Clone)]
struct Modify {
    id: String,
    count: i64,
    quota: u64,
    weight: f64,
    disk: Disk,
    extra: Vec<Disk>,
    async_: Option<bool>,
}

impl Modify {
    fn request(&self) -> ModifyMachineRequest {
        let r = ModifyMachineRequest::new(
            self.id.clone(),
            self.count,
            self.quota,
            self.weight,
            self.disk.clone(),
            self.extra.clone(),
        );
        match self.async_ {
            Some(a) => r.with_async(a),
            None => r,
        }
    }

    fn expected(&self) -> Value {
        let mut v = json!({
            "MachineId": self.id,
            "Count": self.count,
            "Quota": self.quota,
            "Weight": self.weight,
            "Disk": disk_json(&self.disk),
            "ExtraDisks": self.extra.iter().map(disk_json).collect::<Vec<_>>(),
        });
        if let Some(a) = self.async_ {
            v["Async"] = json!(a);
        }
        v
    }
}

fn arb_modify(valid: bool) -> impl Strategy<Value = Modify> {
    let extra = if valid { 1..4usize } else { 0..4usize };
    (
        arb_text(),
        any::<i64>(),
        any::<u64>(),
        arb_weight(),
        arb_disk(valid),
        proptest::collection::vec(arb_disk(valid), extra),
        any::<Option<bool>>(),
    )
        .prop_map(|(id, count, quota, weight, disk, extra, async_)| Modify { id, count, quota, weight, disk, extra, async_ })
}

#[derive(Debug, Clone)]
struct Describe {
    kind: String,
    filters: Option<Vec<Filter>>,
    ids: Option<Vec<String>>,
    deep: Option<bool>,
    limit: Option<i64>,
    offset: Option<i64>,
}

impl Describe {
    fn request(&self) -> DescribeMachinesRequest {
        let mut r = DescribeMachinesRequest::new(MachineKind::from(self.kind.as_str()));
        if let Some(f) = &self.filters {
            r = r.with_filters(
                f.iter()
                    .map(|(name, values, exact_match)| NameFilter {
                        name: name.clone(),
                        values: values.clone(),
                        exact_match: *exact_match,
                    })
                    .collect(),
            );
        }
        if let Some(ids) = &self.ids {
            r = r.with_machine_ids(ids.clone());
        }
        if let Some(d) = self.deep {
            r = r.with_include_deep(d);
        }
        if let Some(l) = self.limit {
            r = r.with_limit(l);
        }
        if let Some(o) = self.offset {
            r = r.with_offset(o);
        }
        r
    }

    fn expected(&self) -> Value {
        let mut v = json!({"Type": self.kind});
        if let Some(f) = &self.filters {
            v["Filters"] = f
                .iter()
                .map(|(name, values, exact)| {
                    let mut o = json!({"Name": name, "Values": values});
                    if let Some(e) = exact {
                        o["ExactMatch"] = json!(e);
                    }
                    o
                })
                .collect();
        }
        for (key, val) in [
            ("MachineIds", self.ids.as_ref().map(|i| json!(i))),
            ("IncludeDeep", self.deep.map(|d| json!(d))),
            ("Limit", self.limit.map(|l| json!(l))),
            ("Offset", self.offset.map(|o| json!(o))),
        ] {
            if let Some(val) = val {
                v[key] = val;
            }
        }
        v
    }
}

fn arb_describe(valid: bool) -> impl Strategy<Value = Describe> {
    let kind = if valid { proptest::sample::select(vec!["CVM", "BM"]).prop_map(str::to_owned).boxed() } else { arb_text().boxed() };
    let filter = if valid {
        (proptest::collection::vec(Just("ap-guangzhou-1".to_owned()), 1..3), any::<Option<bool>>())
            .prop_map(|(values, exact)| ("Zone".to_owned(), values, exact))
            .boxed()
    } else {
        (arb_text(), proptest::collection::vec(arb_text(), 0..3), any::<Option<bool>>()).boxed()
    };
    let lists = if valid { 1..4usize } else { 0..4usize };
    let limit = if valid { (1i64..=100).boxed() } else { any::<i64>().boxed() };
    (
        kind,
        proptest::option::of(proptest::collection::vec(filter, lists.clone())),
        proptest::option::of(proptest::collection::vec(arb_text(), lists)),
        any::<Option<bool>>(),
        proptest::option::of(limit),
        any::<Option<i64>>(),
    )
        .prop_map(|(kind, filters, ids, deep, limit, offset)| Describe { kind, filters, ids, deep, limit, offset })
}

proptest! {
    #![proptest_config(tc_robustness::config(256))]

    #[test]
    fn task_list_post_json_round_trips(t in arb_task_list()) {
        prop_assert_eq!(post_json(&t.request())?, t.expected());
    }

    #[test]
    fn task_list_get_round_trips(t in arb_task_list()) {
        let (s, a) = action(tc_robustness::real_api(), "tcss", "DescribeImageAutoAuthorizedTaskList");
        check_get(&post_json(&t.request())?, s, a, false)?;
    }

    #[test]
    fn valid_task_list_validates_the_same_by_get_and_post(t in arb_valid_task_list()) {
        let (s, a) = action(tc_robustness::real_api(), "tcss", "DescribeImageAutoAuthorizedTaskList");
        check_get(&post_json(&t.request())?, s, a, true)?;
    }

    #[test]
    fn modify_machine_round_trips(m in arb_modify(false)) {
        let post = post_json(&m.request())?;
        prop_assert_eq!(&post, &m.expected());
        // Disk is a request and a response structure: it also decodes back to itself.
        let disk: Disk = serde_json::from_value(post["Disk"].clone()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(disk, m.disk.clone());
        let (s, a) = action(tc_robustness::constructs_api(), "demo", "ModifyMachine");
        check_get(&post, s, a, false)?;
    }

    #[test]
    fn valid_modify_machine_validates_the_same_by_get_and_post(m in arb_modify(true)) {
        let (s, a) = action(tc_robustness::constructs_api(), "demo", "ModifyMachine");
        check_get(&post_json(&m.request())?, s, a, true)?;
    }

    #[test]
    fn describe_machines_round_trips(d in arb_describe(false)) {
        let post = post_json(&d.request())?;
        prop_assert_eq!(&post, &d.expected());
        let (s, a) = action(tc_robustness::constructs_api(), "demo", "DescribeMachines");
        check_get(&post, s, a, false)?;
    }

    #[test]
    fn valid_describe_machines_validates_the_same_by_get_and_post(d in arb_describe(true)) {
        let (s, a) = action(tc_robustness::constructs_api(), "demo", "DescribeMachines");
        check_get(&post_json(&d.request())?, s, a, true)?;
    }
}

/// Parameterless requests send `{}` by POST and nothing by GET.
#[test]
fn empty_requests() {
    let v = serde_json::to_value(tc_sdk::tcss::models::DescribeProVersionInfoRequest::new()).expect("JSON");
    assert_eq!(v, json!({}));
    assert_eq!(tc_runtime::query::to_query_string(&v), "");
}
