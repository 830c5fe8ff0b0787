//! Invalid specs: each directory under `fixtures/invalid/<case>/` is laid over the valid
//! spec in `fixtures/base/` (its files replace or add to the base; `remove.txt` lists base
//! files to drop) and must fail with exactly the diagnostics in its snapshot.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tc_codegen::SpecFiles;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read(dir: &Path) -> BTreeMap<String, String> {
    match tc_codegen::load::read_dir(dir) {
        Ok(files) => files.files.into_iter().map(|f| (f.path, f.text)).collect(),
        Err(d) => panic!("cannot read {}:\n{d}", dir.display()),
    }
}

/// The base spec with the case laid over it.
fn case_files(case: &str) -> SpecFiles {
    let dir = fixtures().join("invalid").join(case);
    assert!(dir.is_dir(), "no fixture directory {}", dir.display());
    let mut files = read(&fixtures().join("base"));
    files.extend(read(&dir));
    if let Ok(list) = std::fs::read_to_string(dir.join("remove.txt")) {
        for path in list.lines().map(str::trim).filter(|l| !l.is_empty()) {
            assert!(files.remove(path).is_some(), "remove.txt names `{path}`, which the base does not have");
        }
    }
    SpecFiles::from_pairs(files)
}

fn diagnostics(case: &str) -> String {
    match tc_codegen::build(&case_files(case)) {
        Ok(_) => panic!("fixture `{case}` was accepted, but it is meant to be invalid"),
        Err(d) => d.to_string(),
    }
}

#[test]
fn base_is_valid() {
    let files = SpecFiles::from_pairs(read(&fixtures().join("base")));
    if let Err(d) = tc_codegen::build(&files) {
        panic!("the fixture base must be valid:\n{d}");
    }
}

macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                insta::assert_snapshot!(stringify!($name), diagnostics(stringify!($name)));
            }
        )*

        /// Every fixture directory has a test (none is silently skipped).
        #[test]
        fn every_fixture_is_listed() {
            let listed: Vec<&str> = vec![$(stringify!($name)),*];
            let mut on_disk: Vec<String> = std::fs::read_dir(fixtures().join("invalid"))
                .expect("fixtures/invalid exists")
                .filter_map(|e| e.ok())
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            on_disk.sort();
            let mut listed_sorted: Vec<String> = listed.iter().map(|s| s.to_string()).collect();
            listed_sorted.sort();
            assert_eq!(on_disk, listed_sorted);
        }
    };
}

cases!(
    action_named_base,
    unknown_type,
    undefined_structure,
    duplicate_field,
    duplicate_yaml_key,
    duplicate_action,
    duplicate_structure,
    invalid_identifier,
    required_with_default,
    bounds_and_default_types,
    integer_value_without_name,
    duplicate_enum_values,
    enum_conflicts,
    nested_array,
    file_name_mismatch,
    unknown_host,
    pagination_missing_fields,
    example_bad_json,
    example_undeclared_field,
    example_checked_beside_shape_errors,
    example_wrong_type,
    example_missing_request_id,
    example_http_form,
    nesting_too_deep,
    recursion,
    unknown_key,
    wrong_kinds,
    syntax_error,
    missing_service,
    missing_common,
    error_codes,
    unexpected_file,
    request_id_declared,
    filters_misuse,
    many_mistakes,
    several_broken_files,
    yaml_colon_in_plain_value,
    yaml_control_character,
    yaml_list_item_after_key,
    yaml_list_not_over,
    yaml_missing_colon,
    yaml_reserved_character,
    yaml_second_document,
    yaml_tab_before_key,
    yaml_tab_in_indentation,
    yaml_text_after_quoted_value,
    yaml_too_deep,
    yaml_unclosed_flow_list,
    yaml_unclosed_flow_mapping,
    yaml_unclosed_quote,
    yaml_unknown_anchor,
    yaml_unknown_escape,
);

/// Each of these fixtures also as `cargo xtask gen` shows it: every problem with its
/// source line and the place underlined.
#[test]
fn rendered() {
    for case in ["many_mistakes", "several_broken_files", "unknown_key", "wrong_kinds", "example_wrong_type", "missing_common"] {
        let files = case_files(case);
        let rendered = match tc_codegen::build(&files) {
            Ok(_) => panic!("fixture `{case}` was accepted"),
            Err(d) => d.render(&files),
        };
        insta::assert_snapshot!(format!("rendered_{case}"), rendered);
    }
}

/// Every problem in one run: a syntax error in one file hides no shape error (unknown key,
/// wrong kind of value) in the others; each broken file is reported. (The checker does not
/// check the actions and structures of a service whose `service.yaml` did not parse, so the
/// action's unknown type `Integr` is not reported until `demo/service.yaml` is fixed.)
#[test]
fn broken_files_do_not_hide_each_other() {
    let text = diagnostics("several_broken_files");
    for file in [
        "common.yaml:",
        "demo/service.yaml:",
        "demo/structures/Filter.yaml:",
        "demo/structures/Item.yaml:",
        "demo/actions/DescribeItems.yaml:",
    ] {
        assert!(text.lines().any(|l| l.starts_with(file)), "nothing reported for {file}\n{text}");
    }
}
