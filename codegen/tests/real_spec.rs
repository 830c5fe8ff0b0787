//! The real `spec/` loads and checks cleanly, and the IR of its curated actions is pinned by
//! a snapshot (the imported surface is too large to review as one; it is compiled and tested).

mod support;

#[test]
fn real_spec_builds() {
    if let Err(d) = tc_codegen::build(&support::real_spec()) {
        panic!("spec/ has errors:\n{d}");
    }
    let api = match tc_codegen::build(&support::curated_spec()) {
        Ok(api) => api,
        Err(d) => panic!("the curated part of spec/ has errors on its own:\n{d}"),
    };
    insta::assert_snapshot!("real_spec_ir", format!("{api:#?}"));
}
