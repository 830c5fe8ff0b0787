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
);
