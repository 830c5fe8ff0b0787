//! Tidy checks over the sources, run by `cargo test` (as rust-analyzer's xtask does): every
//! Rust file, hand-written or generated, opens with a `//!` doc saying what it is for; and no
//! top-level module of a hand-written crate imports one that imports it back, directly or
//! through others (such a group is one room, or a type in the wrong one).

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::fs;
    use std::path::{Path, PathBuf};

    /// Directories of the workspace that are not hand-written crates.
    const SKIP: &[&str] = &["target", "generated", "generated-fixtures", "spec", "upstream", "fuzz"];

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
    }

    /// The hand-written crates: directories of the root with a `Cargo.toml` and a `src/`.
    fn crates() -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = fs::read_dir(root())
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.join("Cargo.toml").is_file() && p.join("src").is_dir())
            .filter(|p| !SKIP.iter().any(|s| p.file_name().is_some_and(|n| n == *s)))
            .collect();
        out.sort();
        out
    }

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else { return };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "target") {
                    rust_files(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// The emitted crates: `generated/` and each crate under `generated-fixtures/`.
    fn generated_crates() -> Vec<PathBuf> {
        let mut out = vec![root().join("generated")];
        if let Ok(entries) = fs::read_dir(root().join("generated-fixtures")) {
            out.extend(entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.join("Cargo.toml").is_file()));
        }
        out.sort();
        out
    }

    #[test]
    fn every_file_opens_with_a_module_doc() {
        let mut missing = Vec::new();
        for krate in crates().into_iter().chain(generated_crates()) {
            let mut files = Vec::new();
            for dir in ["src", "tests", "benches", "examples"] {
                rust_files(&krate.join(dir), &mut files);
            }
            for file in files {
                let text = fs::read_to_string(&file).unwrap();
                // A generated file's first line names the command that regenerates it.
                let mut lines =
                    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("// @generated"));
                if !lines.next().unwrap_or("").starts_with("//!") {
                    missing.push(file.strip_prefix(root()).unwrap().display().to_string());
                }
            }
        }
        assert!(missing.is_empty(), "files without a `//!` doc at the top:\n{}", missing.join("\n"));
    }

    /// The text of a file as code: without comment lines and without its `#[cfg(test)]`
    /// modules (tests may use whatever they test). Other `#[cfg(test)]` items stay: an
    /// import they make counts, which errs on the side of finding a tangle.
    fn code_of(text: &str) -> String {
        let mut out = String::new();
        let mut lines = text.lines().peekable();
        while let Some(line) = lines.next() {
            let t = line.trim();
            if t.starts_with("//") {
                continue;
            }
            let is_test_mod = |l: &str| {
                let l = l.trim_start();
                l.strip_prefix("pub(crate) ").or(l.strip_prefix("pub(super) ")).unwrap_or(l).starts_with("mod ")
            };
            if t == "#[cfg(test)]" && lines.peek().is_some_and(|next| is_test_mod(next)) {
                let head = lines.next().unwrap_or_default();
                if !head.trim_end().ends_with(';') {
                    // Skip to the brace that closes the module.
                    let mut depth = head.matches('{').count() as i64 - head.matches('}').count() as i64;
                    while depth > 0 {
                        let Some(l) = lines.next() else { break };
                        depth += l.matches('{').count() as i64 - l.matches('}').count() as i64;
                    }
                }
                continue;
            }
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    /// The first segments of the paths a file names through `crate::`, including each
    /// member of a `crate::{a, b::c}` group.
    fn crate_paths(code: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let ident = |s: &str| -> String { s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect() };
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            if let Some(group) = after.strip_prefix('{') {
                let mut depth = 0usize;
                let mut start = 0;
                for (i, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => {
                            out.insert(ident(group[start..i].trim()));
                            break;
                        }
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            out.insert(ident(group[start..i].trim()));
                            start = i + 1;
                        }
                        _ => {}
                    }
                }
            } else {
                out.insert(ident(after));
            }
            rest = after;
        }
        out.remove("");
        out
    }

    /// Names the crate root re-exports from a module (`pub use client::{Client, ClientBuilder};`):
    /// `crate::Client` in a file is then an import of `client`.
    fn root_reexports(root_text: &str, modules: &BTreeSet<String>) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for stmt in code_of(root_text).split(';') {
            let Some(path) = stmt.trim().strip_prefix("pub use ") else { continue };
            let module: String = path.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !modules.contains(&module) {
                continue;
            }
            let names = path[module.len()..].trim_start_matches("::");
            let names = names.trim_start_matches('{').trim_end_matches('}');
            for name in names.split(',') {
                let last = name.rsplit("::").next().unwrap_or("");
                let last = last.split(" as ").last().unwrap_or("").trim();
                if !last.is_empty() {
                    out.insert(last.to_owned(), module.clone());
                }
            }
        }
        out
    }

    #[test]
    fn no_modules_import_each_other() {
        let mut cycles = Vec::new();
        for krate in crates() {
            let src = krate.join("src");
            let root_file = ["lib.rs", "main.rs"].into_iter().map(|f| src.join(f)).find(|p| p.is_file());
            let Some(root_file) = root_file else { continue };
            let mut files = Vec::new();
            rust_files(&src, &mut files);
            // Top-level module of each file: `client/send.rs` → `client`.
            let top_of = |file: &Path| -> Option<String> {
                let rel = file.strip_prefix(&src).ok()?;
                let first = rel.components().next()?.as_os_str().to_str()?;
                let name = first.trim_end_matches(".rs");
                (name != "lib" && name != "main").then(|| name.to_owned())
            };
            let modules: BTreeSet<String> = files.iter().filter_map(|f| top_of(f)).collect();
            let reexports = root_reexports(&fs::read_to_string(&root_file).unwrap(), &modules);
            // edges[a][b] = a file of `a` that imports `b`.
            let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
            for file in &files {
                let Some(from) = top_of(file) else { continue };
                let code = code_of(&fs::read_to_string(file).unwrap());
                for first in crate_paths(&code) {
                    let to = if modules.contains(&first) { Some(first) } else { reexports.get(&first).cloned() };
                    if let Some(to) = to.filter(|to| *to != from) {
                        let shown = file.strip_prefix(root()).unwrap().display().to_string();
                        edges.entry(from.clone()).or_default().entry(to).or_insert(shown);
                    }
                }
            }
            let crate_name = krate.file_name().unwrap().to_string_lossy().into_owned();
            for group in tangles(&edges) {
                let mut why = Vec::new();
                for from in &group {
                    for (to, file) in edges.get(from).into_iter().flatten() {
                        if group.contains(to) {
                            why.push(format!("{file} imports {to}"));
                        }
                    }
                }
                cycles.push(format!("{crate_name}: {} ({})", group.join(", "), why.join("; ")));
            }
        }
        assert!(
            cycles.is_empty(),
            "modules that import each other, directly or through others:\n{}",
            cycles.join("\n")
        );
    }

    /// The groups of modules that reach each other through imports (the strongly connected
    /// components of more than one module), each sorted.
    fn tangles(edges: &BTreeMap<String, BTreeMap<String, String>>) -> Vec<Vec<String>> {
        let reach = |start: &str| -> BTreeSet<String> {
            let mut seen = BTreeSet::new();
            let mut todo = vec![start.to_owned()];
            while let Some(m) = todo.pop() {
                for next in edges.get(&m).into_iter().flat_map(|o| o.keys()) {
                    if seen.insert(next.clone()) {
                        todo.push(next.clone());
                    }
                }
            }
            seen
        };
        let reaches: BTreeMap<&String, BTreeSet<String>> = edges.keys().map(|m| (m, reach(m))).collect();
        let mut groups: Vec<Vec<String>> = Vec::new();
        for (m, from_m) in &reaches {
            let group: Vec<String> =
                from_m.iter().filter(|other| reaches.get(other).is_some_and(|r| r.contains(*m))).cloned().collect();
            if group.len() > 1 && !groups.contains(&group) {
                groups.push(group);
            }
        }
        groups
    }

    #[test]
    fn tangles_are_the_cycles_of_any_length() {
        let graph = |pairs: &[(&str, &str)]| {
            let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
            for (a, b) in pairs {
                edges.entry((*a).to_owned()).or_default().insert((*b).to_owned(), format!("{a}.rs"));
            }
            edges
        };
        assert!(tangles(&graph(&[("a", "b"), ("b", "c"), ("a", "c")])).is_empty());
        assert_eq!(tangles(&graph(&[("a", "b"), ("b", "a"), ("c", "a")])), [["a", "b"]]);
        assert_eq!(tangles(&graph(&[("a", "b"), ("b", "c"), ("c", "a"), ("d", "a")])), [["a", "b", "c"]]);
    }
    #[test]
    fn code_leaves_out_comments_and_test_modules_only() {
        let text = "use crate::a;\n// use crate::b;\n#[cfg(test)]\nfn len() { crate::c::f() }\n#[cfg(test)]\nmod tests {\n    use crate::d;\n    fn x() { if y { z() } }\n}\nuse crate::e;\n#[cfg(test)]\nmod more;\nuse crate::f;\n";
        let found: Vec<String> = crate_paths(&code_of(text)).into_iter().collect();
        assert_eq!(found, ["a", "c", "e", "f"]);
    }

    #[test]
    fn crate_paths_reads_single_paths_and_groups() {
        let code = "use crate::diag::LineColumn;\nuse crate::{ActionInfo, config::{Endpoint, Method}, sign};\nlet x = crate::time::now();";
        let found: Vec<String> = crate_paths(code).into_iter().collect();
        assert_eq!(found, ["ActionInfo", "config", "diag", "sign", "time"]);
        let modules: BTreeSet<String> = ["client", "config"].map(String::from).into();
        let re =
            root_reexports("pub use client::{Client, ClientBuilder as Builder};\npub use config::Endpoint;", &modules);
        assert_eq!(re.get("Builder").map(String::as_str), Some("client"));
        assert_eq!(re.get("Endpoint").map(String::as_str), Some("config"));
    }
}
