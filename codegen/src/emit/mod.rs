//! Emit stage: the checked IR into the files of the generated crate, one module per artifact.
//!
//! [`generate`] is pure: IR in, `BTreeMap<relative path, contents>` out (ordered, so the
//! output is deterministic). Only `xtask` writes it to disk.

mod actions;
mod cargo;
mod client;
mod docs;
mod errors;
mod examples;
mod features;
mod models;
mod sizes;
mod text;

use std::collections::BTreeMap;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::format::{self, FormatCache, FormatError};
use crate::par;
use crate::ir::{Api, Field, Scalar, Service, Type};

/// Version of every generated crate (its `Cargo.toml`; the docs.rs links of the reference).
pub(crate) const CRATE_VERSION: &str = "0.1.0";

/// Options that change what is generated (not how the spec is read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Package name of the generated crate.
    pub crate_name: String,
    /// Path from the generated crate to the runtime crate, for its `Cargo.toml`; `None`
    /// uses `tc-runtime = { workspace = true }`.
    pub runtime_path: Option<String>,
    /// Add `#![deny(warnings)]` to the crate root: for fixture crates, whose whole point is
    /// to prove the output compiles cleanly.
    pub deny_warnings: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            crate_name: "tc-sdk".to_owned(),
            runtime_path: None,
            deny_warnings: false,
        }
    }
}

/// Generates every file of the client crate, keyed by path relative to the crate root
/// (`Cargo.toml`, `src/lib.rs`, `src/tcss/models.rs`, `docs/tcss/DescribeX.md`, ...).
///
/// Rust files are made of pieces (`Piece`), emitted and formatted on every core ([`par::map`]) and
/// joined in order, so the output is the same whatever the number of threads. The first
/// piece that fails to format is the error returned.
pub fn generate(api: &Api, options: &Options) -> Result<BTreeMap<String, String>, FormatError> {
    generate_with(api, options, None).map(|(files, _)| files)
}

/// [`generate`], reusing the printed pieces of an earlier run whose tokens are unchanged
/// (see [`FormatCache`]). The output is byte-identical to [`generate`]'s; the cache
/// returned holds this run's pieces (none of the earlier run's that are no longer
/// produced), for the next run.
pub fn generate_cached(
    api: &Api,
    options: &Options,
    cache: &FormatCache,
) -> Result<(BTreeMap<String, String>, FormatCache), FormatError> {
    generate_with(api, options, Some(cache))
}

fn generate_with(
    api: &Api,
    options: &Options,
    cache: Option<&FormatCache>,
) -> Result<(BTreeMap<String, String>, FormatCache), FormatError> {
    let mut files = BTreeMap::new();
    let mut rust: Vec<(String, Piece<'_>)> = Vec::new();
    files.insert("Cargo.toml".to_owned(), cargo::manifest(api, options));
    files.insert("docs/README.md".to_owned(), docs::index(api));
    rust.push(("src/lib.rs".into(), Box::new(|| client::lib_rs(api, options))));
    rust.push(("src/common.rs".into(), Box::new(|| errors::common_rs(api))));
    rust.push(("tests/examples.rs".into(), Box::new(|| examples::tests_rs(api, options))));
    rust.push(("tests/future_sizes.rs".into(), Box::new(|| sizes::tests_rs(api, options))));
    for service in &api.services {
        let dir = format!("src/{}", service.module);
        rust.push((format!("{dir}/mod.rs"), Box::new(|| client::service_rs(service, options))));
        rust.extend(models::models_rs(service));
        rust.extend(errors::errors_rs(service));
        rust.extend(actions::actions_rs(service));
        rust.push((format!("examples/{}.rs", service.module), Box::new(|| examples::example_bin(service, options))));
        for action in &service.actions {
            files.insert(
                format!("docs/{}/{}.md", service.module, action.name),
                docs::action_page(api, service, action),
            );
        }
    }
    // Without a cache, nothing is fingerprinted: a cold run pays nothing for the feature.
    let formatted = par::map(&rust, |(path, piece)| {
        match cache {
            None => format::rust_piece(piece).map(|text| (None, text)),
            Some(cache) => format::rust_piece_cached(piece, cache).map(|(key, text, _)| (Some(key), text)),
        }
        .map_err(|e| e.in_file(path))
    });
    let mut next = FormatCache::new();
    for ((path, _), piece) in rust.iter().zip(formatted) {
        let (key, text) = piece?;
        files.entry(path.clone()).or_insert_with(format::rust_header).push_str(&text);
        if let Some(key) = key {
            next.insert(key, text);
        }
    }
    Ok((files, next))
}

/// One piece of a generated Rust file: emits its tokens (inner attributes, items). A file's
/// pieces are consecutive in [`generate`]'s list; each is formatted on its own.
pub(crate) type Piece<'a> = Box<dyn Fn() -> TokenStream + Sync + 'a>;

/// One line pair of a `mod.rs` that splits its items into files: `mod module;` and the
/// re-export of `names`, both behind `cfg` (the features that reach the file), so a build
/// without those features does not read the file at all. `models/`, `errors/` and
/// `actions/` are laid out this way.
pub(crate) fn gated_module(cfg: &TokenStream, module: &Ident, names: &[Ident]) -> TokenStream {
    quote! {
        #cfg
        mod #module;
        #cfg
        pub use self::#module::{#(#names),*};
    }
}

/// A Rust identifier from a name the checker already made valid.
pub(crate) fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// The crate-root path of the generated crate, as generated code and doc tests see it.
pub(crate) fn crate_ident(options: &Options) -> Ident {
    ident(&options.crate_name.replace('-', "_"))
}

/// A structure of the service by wire name. The IR keeps structures sorted by wire name, so
/// this is a binary search: a linear one made emitting quadratic in the spec's size.
pub(crate) fn find_structure<'a>(service: &'a Service, wire: &str) -> Option<&'a crate::ir::Structure> {
    match service.structures.binary_search_by(|s| s.name.as_str().cmp(wire)) {
        Ok(i) => service.structures.get(i),
        // Sorted is the IR's promise; stay correct if it is ever broken.
        Err(_) => service.structures.iter().find(|s| s.name == wire),
    }
}

/// Resolves a structure's wire name to its Rust name within a service.
pub(crate) fn struct_rust_name<'a>(service: &'a Service, wire: &'a str) -> &'a str {
    find_structure(service, wire)
        .map(|s| s.rust_name.as_str())
        // The checker rejects unresolved references; fall back to the wire name so a
        // broken IR still produces a compile error that names it, never a panic.
        .unwrap_or(wire)
}

/// The Rust type of one element (no `Option`, no `Vec`): scalar, structure or value-set enum.
/// `models` is the path to the models module from where the type is written (empty inside
/// it, `models::` from the service module).
pub(crate) fn element_type_in(service: &Service, ty: &Type, field: &Field, models: &TokenStream) -> TokenStream {
    element_type(service, ty, field, models)
}

fn element_type(service: &Service, ty: &Type, field: &Field, models: &TokenStream) -> TokenStream {
    if let Some(values) = &field.values {
        let name = ident(&values.rust_name);
        return quote!(#models #name);
    }
    match ty {
        Type::Scalar(s) => scalar_type(*s),
        Type::Struct(name) => {
            let name = ident(struct_rust_name(service, name));
            quote!(#models #name)
        }
        // Arrays never nest (checked); render an inner array anyway rather than panic.
        Type::Array(inner) => {
            let inner = element_type(service, inner, field, models);
            quote!(::std::vec::Vec<#inner>)
        }
    }
}

fn scalar_type(s: Scalar) -> TokenStream {
    match s {
        Scalar::String | Scalar::Date | Scalar::DateTime | Scalar::Timestamp => {
            quote!(::std::string::String)
        }
        Scalar::Integer => quote!(i64),
        Scalar::UInteger => quote!(u64),
        Scalar::Float => quote!(f64),
        Scalar::Boolean => quote!(bool),
    }
}

/// The Rust type of a field without its `Option`.
pub(crate) fn value_type(service: &Service, field: &Field) -> TokenStream {
    value_type_in(service, field, &TokenStream::new())
}

/// [`value_type`] written from outside the models module, through the path `models`.
pub(crate) fn value_type_in(service: &Service, field: &Field, models: &TokenStream) -> TokenStream {
    match &field.ty {
        Type::Array(inner) => {
            let inner = element_type(service, inner, field, models);
            quote!(::std::vec::Vec<#inner>)
        }
        other => element_type(service, other, field, models),
    }
}

/// Whether the field is `Option<T>` in Rust: nullable, or not required.
pub(crate) fn is_optional(field: &Field) -> bool {
    field.nullable || !field.required || !field.output_required
}

/// The full Rust type of a field.
pub(crate) fn field_type(service: &Service, field: &Field) -> TokenStream {
    let ty = value_type(service, field);
    if is_optional(field) {
        quote!(::std::option::Option<#ty>)
    } else {
        ty
    }
}

/// An integer literal (`-1`, or `-1i64` with `suffix`): a negative value is `-` followed by
/// the magnitude, the form `syn` parses both in expressions and in patterns.
pub(crate) fn int_lit(n: i64, suffix: bool) -> TokenStream {
    let magnitude = n.unsigned_abs();
    let text = if suffix { format!("{magnitude}i64") } else { magnitude.to_string() };
    let lit: proc_macro2::Literal = text.parse().unwrap_or_else(|_| proc_macro2::Literal::u64_unsuffixed(magnitude));
    if n < 0 { quote!(-#lit) } else { quote!(#lit) }
}
