//! Generator time: load (parse) + check + emit + format, in memory, for the real spec and for
//! synthetic specs of 100, 300 and 1,000 actions.
//!
//! The synthetic specs are read from `$TC_BENCH_SPECS/spec-N` (default `/tmp/tcbench`), where
//! `bench/generator.sh` writes them with `cargo xtask synth`; reading the files is not timed.
//! Run: `bench/generator.sh` (or `cargo bench -p tc-codegen --bench generate` after it).

use std::path::PathBuf;

use tc_codegen::SpecFiles;
use tc_codegen::emit::{Options, generate, generate_cached};
use tc_codegen::format::FormatCache;

/// The allocator `cargo xtask` runs the generator with (see `xtask/src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

fn spec(name: &str) -> SpecFiles {
    let dir = if name == "real" {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec")
    } else {
        let root = std::env::var("TC_BENCH_SPECS").unwrap_or_else(|_| "/tmp/tcbench".to_owned());
        PathBuf::from(root).join(format!("spec-{name}"))
    };
    tc_codegen::load::read_dir(&dir)
        .unwrap_or_else(|_| panic!("{} missing: run bench/generator.sh, which synthesizes it", dir.display()))
}

/// The whole generator: parse and check (`build`), then emit and format every file.
#[divan::bench(args = ["real", "100", "300", "1000"], sample_count = 3, sample_size = 1)]
fn load_check_emit_format(bencher: divan::Bencher, name: &str) {
    let files = spec(name);
    bencher.bench(|| {
        let api = tc_codegen::build(&files).expect("spec builds");
        generate(&api, &Options::default()).expect("emits")
    });
}

/// Parse and check alone.
#[divan::bench(args = ["real", "100", "300", "1000"], sample_count = 3, sample_size = 1)]
fn load_check(bencher: divan::Bencher, name: &str) {
    let files = spec(name);
    bencher.bench(|| tc_codegen::build(&files).expect("spec builds"));
}

/// Emit and format alone.
#[divan::bench(args = ["real", "100", "300", "1000"], sample_count = 3, sample_size = 1)]
fn emit_format(bencher: divan::Bencher, name: &str) {
    let api = tc_codegen::build(&spec(name)).expect("spec builds");
    bencher.bench(|| generate(&api, &Options::default()).expect("emits"));
}

/// The whole generator again, as on a second `cargo xtask gen` with nothing changed: load
/// and check, emit, and every piece's printed text found in the cache of the run before.
#[divan::bench(args = ["real", "100", "300", "1000"], sample_count = 3, sample_size = 1)]
fn load_check_emit_cached(bencher: divan::Bencher, name: &str) {
    let files = spec(name);
    let api = tc_codegen::build(&files).expect("spec builds");
    let (_, cache) = generate_cached(&api, &Options::default(), &FormatCache::new()).expect("emits");
    bencher.bench(|| {
        let api = tc_codegen::build(&files).expect("spec builds");
        generate_cached(&api, &Options::default(), &cache).expect("emits")
    });
}

/// The floor of any generator that formats its output with `syn` + `prettyplease`: parsing
/// the final Rust text and printing it again, on one thread, with no emitting at all. The
/// generator's emit + format does this work (from tokens, not text) on every core.
#[divan::bench(args = ["real", "100", "300", "1000"], sample_count = 3, sample_size = 1)]
fn reparse_and_print_output(bencher: divan::Bencher, name: &str) {
    let api = tc_codegen::build(&spec(name)).expect("spec builds");
    let files = generate(&api, &Options::default()).expect("emits");
    let rust: Vec<&String> = files.iter().filter(|(path, _)| path.ends_with(".rs")).map(|(_, text)| text).collect();
    bencher.bench(|| {
        for text in &rust {
            let file = syn::parse_file(text).expect("generated Rust parses");
            divan::black_box(prettyplease::unparse(&file));
        }
    });
}
