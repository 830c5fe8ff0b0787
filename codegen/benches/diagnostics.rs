//! Placing and capping diagnostics: `load::parse` of one structure file with N unknown keys
//! (N diagnostics, each a key path placed on its line). Before the locator indexed each file
//! once (`locate::Outline`), this was quadratic: 20,000 keys took 14 s.
//!
//! Run: `cargo bench -p tc-codegen --bench diagnostics` (numbers in `BENCHMARKS.md`,
//! "Placing diagnostics").

use tc_codegen::SpecFiles;

/// The allocator `cargo xtask` runs the generator with (see `xtask/src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

/// A structure file with `n` unknown top-level keys, and `n` unknown keys inside list items
/// when `nested` (paths `fields[i].bogus{i}`).
fn unknown_keys(n: usize, nested: bool) -> SpecFiles {
    let mut text = String::from("structure: X\nsource: s\nfields:\n");
    if nested {
        for i in 0..n {
            text.push_str(&format!("  - name: F{i}\n    type: String\n    bogus{i}: 1\n"));
        }
    } else {
        text.push_str("  []\n");
        for i in 0..n {
            text.push_str(&format!("bogus{i}: 1\n"));
        }
    }
    let files = SpecFiles::from_pairs([("demo/structures/X.yaml", text)]);
    // Under the size cap, so the bench places N diagnostics rather than refusing the file.
    assert_eq!(tc_codegen::load::parse(&files).1.total(), n, "one diagnostic per unknown key");
    files
}

/// N unknown keys at the top level.
#[divan::bench(args = [1_000, 5_000, 20_000], sample_count = 5, sample_size = 1)]
fn parse_top_level_unknown_keys(bencher: divan::Bencher, n: usize) {
    let files = unknown_keys(n, false);
    bencher.bench(|| tc_codegen::load::parse(&files));
}

/// N unknown keys, one in each of N list items.
#[divan::bench(args = [1_000, 5_000, 20_000], sample_count = 5, sample_size = 1)]
fn parse_nested_unknown_keys(bencher: divan::Bencher, n: usize) {
    let files = unknown_keys(n, true);
    bencher.bench(|| tc_codegen::load::parse(&files));
}
