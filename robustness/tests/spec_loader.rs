//! The spec loader and checker on mutated versions of the real spec files: never a panic,
//! every rejection names an existing file and a place in it, every accepted mutant emits.

use std::collections::BTreeMap;

use proptest::prelude::*;
use tc_codegen::SpecFiles;
use tc_robustness::spec::{self, Mutant};

proptest! {
    #![proptest_config(tc_robustness::config(100))]

    /// Text and tree mutations of one file (sometimes with another file removed).
    #[test]
    fn mutated_real_spec_never_panics_and_every_diagnostic_has_a_place(m in spec::arb_mutant()) {
        let files = spec::apply(spec::real_files(), &m);
        spec::check_build(&files);
    }

    /// A leading byte order mark changes nothing: the same diagnostics, at the same places
    /// (columns count after the mark), or the same accepted spec.
    #[test]
    fn a_byte_order_mark_changes_nothing(m in spec::arb_mutant()) {
        let files = spec::apply(spec::real_files(), &m);
        let i = m.file % files.files.len();
        prop_assume!(i < files.files.len() && !files.files[i].text.starts_with('\u{feff}'));
        prop_assume!(files.files[i].text.len() + 3 <= tc_codegen::load::MAX_FILE_BYTES);
        let mut marked = files.clone();
        marked.files[i].text.insert(0, '\u{feff}');
        let plain = tc_codegen::build(&files).map(|_| ()).map_err(|d| d.to_string());
        let with_mark = tc_codegen::build(&marked).map(|_| ()).map_err(|d| d.to_string());
        prop_assert_eq!(plain, with_mark);
        spec::check_build(&marked);
    }
}

proptest! {
    // Each case builds the whole spec with a file of up to 1 MiB or 5,000 problems.
    #![proptest_config(tc_robustness::config(16))]

    /// Many unknown keys appended to a real file: each is reported at its own line, up to
    /// the cap per file; the rest are counted, never shown.
    #[test]
    fn many_unknown_keys_are_placed_and_capped(file in any::<usize>(), n in prop_oneof![0usize..250, 1000usize..5000]) {
        let mut files = spec::real_files().clone();
        let i = file % files.files.len();
        let target = files.files[i].path.clone();
        let first_new = files.files[i].text.lines().count() + 1;
        let text = &mut files.files[i].text;
        if !text.ends_with('\n') {
            text.push('\n');
        }
        for k in 0..n {
            text.push_str(&format!("zz_unknown_{k:05}: {k}\n"));
        }
        let diags = tc_codegen::build(&files).err();
        prop_assert_eq!(diags.is_none(), n == 0);
        let Some(diags) = diags else { return Ok(()) };
        spec::check_build(&files);
        let shown: Vec<_> = diags.iter().filter(|d| d.file == target).collect();
        prop_assert_eq!(shown.len() + diags.omitted(&target), n);
        prop_assert_eq!(shown.len(), n.min(tc_codegen::diag::MAX_PER_FILE));
        for (k, d) in shown.iter().enumerate() {
            let want = tc_codegen::diag::LineColumn { line: first_new + k, column: 1 };
            let at = match &d.position {
                tc_codegen::diag::Position::KeyPath { at, .. } => *at,
                _ => None,
            };
            prop_assert_eq!(at, Some(want), "{}", d);
        }
    }

    /// A real file padded (with a comment) to about the size cap: accepted below it, refused
    /// as too large above it, never a panic.
    #[test]
    fn files_around_the_size_cap(file in any::<usize>(), delta in -16i64..16) {
        let mut files = spec::real_files().clone();
        let i = file % files.files.len();
        let text = &mut files.files[i].text;
        let want = (tc_codegen::load::MAX_FILE_BYTES as i64 + delta) as usize;
        if !text.ends_with('\n') {
            text.push('\n');
        }
        let pad = want.saturating_sub(text.len() + 3);
        text.push_str(&format!("# {}\n", "x".repeat(pad)));
        let size = text.len();
        let result = tc_codegen::build(&files);
        let too_large = result.as_ref().err().is_some_and(|d| d.iter().any(|d| d.message.starts_with("file is too large")));
        prop_assert_eq!(too_large, size > tc_codegen::load::MAX_FILE_BYTES);
        prop_assert_eq!(result.is_ok(), size <= tc_codegen::load::MAX_FILE_BYTES);
        spec::check_build(&files);
    }
}

proptest! {
    #![proptest_config(tc_robustness::config(100))]

    /// A whole file replaced by arbitrary text.
    #[test]
    fn arbitrary_text_in_place_of_a_file(file in any::<usize>(), text in "\\PC{0,200}") {
        let mut files = spec::real_files().clone();
        let i = file % files.files.len();
        files.files[i].text = text;
        spec::check_build(&files);
    }
}

/// The unmutated spec builds (so the mutants start from a valid base).
#[test]
fn the_base_builds() {
    assert_eq!(spec::check_build(spec::real_files()), 0);
}

/// Mutations are not vacuous: across a fixed sample most mutants are rejected, some are
/// accepted, and every kind of place (line:column and key path) occurs.
#[test]
fn mutants_produce_every_kind_of_diagnostic() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::new(tc_robustness::config(1));
    let (mut rejected, mut accepted) = (0, 0);
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for _ in 0..60 {
        let m: Mutant = spec::arb_mutant().new_tree(&mut runner).expect("a mutant").current();
        let files = spec::apply(spec::real_files(), &m);
        match tc_codegen::build(&files) {
            Ok(_) => accepted += 1,
            Err(diags) => {
                rejected += 1;
                for d in &diags {
                    let kind = match d.position {
                        tc_codegen::diag::Position::File => "file",
                        tc_codegen::diag::Position::Line { .. } => "line",
                        tc_codegen::diag::Position::KeyPath { at: Some(_), .. } => "path",
                        tc_codegen::diag::Position::KeyPath { at: None, .. } => "path, not located",
                    };
                    *kinds.entry(kind).or_default() += 1;
                }
            }
        }
    }
    assert!(rejected > 30 && accepted > 0, "rejected {rejected}, accepted {accepted}");
    assert!(kinds.get("line").is_some_and(|&n| n > 0) && kinds.get("path").is_some_and(|&n| n > 0), "{kinds:?}");
    // The locator is best-effort (flow collections are not entered), but nearly every key
    // path of a mutant finds its line.
    let (located, lost) = (kinds.get("path").copied().unwrap_or(0), kinds.get("path, not located").copied().unwrap_or(0));
    assert!(lost * 20 <= located, "{kinds:?}");
}

/// Invalid UTF-8 and binary bytes on disk: `read_dir` names the file and the line and column
/// of the first bad byte.
#[test]
fn garbage_bytes_on_disk_name_file_line_and_column() {
    let dir = std::env::temp_dir().join(format!("tc-robustness-spec-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for f in &spec::real_files().files {
        let path = dir.join(&f.path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(&path, &f.text).expect("write");
    }
    let victim = "tcss/structures/AssetFilters.yaml";
    let mut bytes = std::fs::read(dir.join(victim)).expect("read");
    bytes.splice(30..30, [0xff, 0xfe, 0x00]);
    std::fs::write(dir.join(victim), &bytes).expect("write");
    let diags = tc_codegen::load::read_dir(&dir).expect_err("invalid UTF-8 is refused");
    let _ = std::fs::remove_dir_all(&dir);
    let d = diags.iter().next().expect("one diagnostic");
    assert_eq!(d.file, victim);
    assert!(matches!(d.position, tc_codegen::diag::Position::Line { line, column } if line >= 1 && column >= 1), "{d}");
}

/// Duplicating names (field, structure, action file) is reported, with a key path.
#[test]
fn duplicated_names_are_reported_with_a_place() {
    let base = spec::real_files();
    let mut files: SpecFiles = base.clone();
    let action = files
        .files
        .iter_mut()
        .find(|f| f.path.ends_with("DescribeImageAutoAuthorizedTaskList.yaml"))
        .expect("the action");
    action.text = action.text.replacen("  - name: EndTime", "  - name: StartTime", 1);
    let diags = tc_codegen::build(&files).expect_err("a duplicated field");
    assert!(diags.iter().any(|d| d.message.contains("StartTime")), "{diags}");
    spec::check_build(&files);
}
