//! Emits `src/<service>/models.rs`: structures, request and response types, and the open
//! enums of documented value sets.
//!
//! Built to keep a crate of hundreds of actions cheap to compile (see `BENCHMARKS.md`):
//! serde impls follow use (what is only sent is `Serialize`, what is only received is
//! `Deserialize`; serializing a response is opt-in, feature `serialize`, for caching, logging
//! and mock servers), and they are not derived: each type implements the runtime's
//! non-generic `support::codec::Decode` / `Encode` as one table-driven call, and its serde impl
//! is a one-line call into `tc_runtime::support::codec`. A derived `Deserialize` costs rustc
//! about a millisecond per field (generic visitors, checked per type); this costs about a
//! tenth. Types only received derive `Debug` alone; `Clone` and `PartialEq` on them are opt-in
//! (feature `extra-traits`).
//!
//! Every generated function with a body is `#[inline]` (generic ones already are, in effect):
//! rustc then compiles it to machine code only in the crates that call it, not in this one.
//! A build of the generated crate does the front end's work (types, borrows, metadata) and
//! no code generation for the thousands of functions a consumer never calls.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;

use super::text::{doc_attrs, escape, field_doc};
use super::{Piece, features, field_type, gated_module, ident, int_lit, is_optional, value_type};
use crate::ir::{Action, Field, Scalar, Service, Type, Usage, ValueKind, ValueSet};

/// The codec module of the runtime, as generated code names it.
fn codec() -> TokenStream {
    quote!(::tc_runtime::support::codec)
}

/// `src/<service>/models/`: `mod.rs`, then one file per action (its request and response
/// types), per structure and per shared value set; a value set that one action or one
/// structure alone uses lives in that item's file. Each file is a private module behind the
/// `#[cfg]` of the Cargo features that reach it, its items re-exported by name from
/// `models`: rustc does not even read the files of the actions a build leaves out, so a
/// program using one action of a large service parses that action, not the service.
///
/// Returns `(path relative to the crate root, piece)`; every file is one piece.
pub(crate) fn models_rs(service: &Service) -> Vec<(String, Piece<'_>)> {
    let dir = format!("src/{}/models", service.module);
    let units = units(service);
    let mut files: Vec<(String, Piece<'_>)> = Vec::new();
    let head = units.iter().map(|u| (u.module.clone(), u.cfg_actions.clone(), u.exports.clone())).collect::<Vec<_>>();
    files.push((
        format!("{dir}/mod.rs"),
        Box::new(move || {
            let module_doc = format!(
                " Data types of {} ({} `{}`): requests, responses, structures and value sets.",
                service.title, service.name, service.version
            );
            let modules = head.iter().map(|(module, actions, exports)| {
                let exports: Vec<_> = exports.iter().map(|e| ident(e)).collect();
                gated_module(&features::cfg_any(service, actions.iter().copied()), &ident(module), &exports)
            });
            quote! {
                #![doc = #module_doc]
                #(#modules)*
            }
        }),
    ));
    for unit in units {
        let path = format!("{dir}/{}.rs", unit.module);
        files.push((
            path,
            Box::new(move || {
                let file_doc = match unit.item {
                    Item::Action(a) => format!(" `{}`: its request and response.", a.name),
                    Item::Structure(s) => format!(" The structure `{}`.", s.name),
                    Item::Values(set) => format!(" The value set `{}`.", set.rust_name),
                };
                let main = match unit.item {
                    Item::Action(a) => action_types(service, a),
                    Item::Structure(s) => {
                        let doc = doc_attrs(&escape(&s.description));
                        let fields: Vec<&Field> = s.fields.iter().collect();
                        struct_item(service, &s.rust_name, doc, s.usage, false, &fields)
                    }
                    Item::Values(set) => open_enum(set),
                };
                let enums = unit.sets.iter().copied().map(open_enum);
                // Explicit names: a glob `use super::*` in each of thousands of modules made
                // name resolution quadratic (minutes at 1,000 actions).
                let imports = (!unit.imports.is_empty()).then(|| {
                    let names = unit.imports.iter().map(|n| ident(n));
                    quote! {
                        #[allow(unused_imports)]
                        use super::{#(#names),*};
                    }
                });
                quote! {
                    #![doc = #file_doc]
                    #imports
                    #main
                    #(#enums)*
                }
            }),
        ));
    }
    files
}

/// What one file of `models/` holds.
enum Item<'a> {
    Action(&'a Action),
    Structure(&'a crate::ir::Structure),
    Values(&'a ValueSet),
}

/// One file of `models/`: its item, the value sets only that item uses, the actions whose
/// features compile it, the module name and the names `models` re-exports.
struct Unit<'a> {
    item: Item<'a>,
    sets: Vec<&'a ValueSet>,
    cfg_actions: Vec<&'a str>,
    module: String,
    exports: Vec<String>,
    /// The other structures and value sets the file names (types and doc links).
    imports: BTreeSet<String>,
}

/// The files of `models/`, in order: actions, structures, shared value sets.
fn units(service: &Service) -> Vec<Unit<'_>> {
    // Which items use each value set (by Rust name): an action's own fields, or a structure's.
    let mut users: BTreeMap<&str, BTreeSet<(u8, usize)>> = BTreeMap::new();
    for (i, a) in service.actions.iter().enumerate() {
        for f in a.request.iter().chain(&a.response) {
            for v in f.value_sets() {
                users.entry(v.rust_name.as_str()).or_default().insert((0, i));
            }
        }
    }
    for (i, s) in service.structures.iter().enumerate() {
        for f in &s.fields {
            for v in f.value_sets() {
                users.entry(v.rust_name.as_str()).or_default().insert((1, i));
            }
        }
    }
    let sets = value_sets(service);
    let mut own: BTreeMap<(u8, usize), Vec<&ValueSet>> = BTreeMap::new();
    let mut shared: Vec<&ValueSet> = Vec::new();
    for (name, set) in &sets {
        match users.get(name).map(|u| u.iter().copied().collect::<Vec<_>>()).as_deref() {
            Some([only]) => own.entry(*only).or_default().push(set),
            _ => shared.push(set),
        }
    }
    let mut reach = features::value_set_actions(service);
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut module = |prefix: &str, name: &str| {
        let base = format!("{prefix}_{}", heck::ToSnakeCase::to_snake_case(name));
        let mut candidate = base.clone();
        let mut n = 2;
        while !taken.insert(candidate.clone()) {
            candidate = format!("{base}_{n}");
            n += 1;
        }
        candidate
    };
    let mut units = Vec::new();
    for (i, a) in service.actions.iter().enumerate() {
        let sets = own.remove(&(0, i)).unwrap_or_default();
        let mut exports = vec![a.request_type.clone(), a.response_type.clone()];
        exports.extend(sets.iter().map(|s| s.rust_name.clone()));
        units.push(Unit { item: Item::Action(a), sets, cfg_actions: vec![a.name.as_str()], module: module("action", &a.method), exports, imports: BTreeSet::new() });
    }
    for (i, s) in service.structures.iter().enumerate() {
        let sets = own.remove(&(1, i)).unwrap_or_default();
        let mut exports = vec![s.rust_name.clone()];
        exports.extend(sets.iter().map(|s| s.rust_name.clone()));
        let cfg_actions = s.actions.iter().map(String::as_str).collect();
        units.push(Unit { item: Item::Structure(s), sets, cfg_actions, module: module("structure", &s.rust_name), exports, imports: BTreeSet::new() });
    }
    for set in shared {
        let cfg_actions = reach.remove(set.rust_name.as_str()).unwrap_or_default().into_iter().collect();
        units.push(Unit {
            item: Item::Values(set),
            sets: Vec::new(),
            cfg_actions,
            module: module("values", &set.rust_name),
            exports: vec![set.rust_name.clone()],
            imports: BTreeSet::new(),
        });
    }
    for unit in &mut units {
        let fields: Vec<&Field> = match unit.item {
            Item::Action(a) => a.request.iter().chain(&a.response).collect(),
            Item::Structure(s) => s.fields.iter().collect(),
            Item::Values(_) => Vec::new(),
        };
        for f in fields {
            if let Some(name) = f.ty.structure() {
                unit.imports.insert(super::struct_rust_name(service, name).to_owned());
            }
            for set in f.value_sets() {
                unit.imports.insert(set.rust_name.clone());
            }
        }
        for own in &unit.exports {
            unit.imports.remove(own);
        }
    }
    units
}

/// Every value set of the service (fields of structures, requests, responses, filters),
/// keyed and deduplicated by Rust name: a shared `enum:` name yields one enum.
pub(crate) fn value_sets(service: &Service) -> BTreeMap<&str, &ValueSet> {
    let mut sets = BTreeMap::new();
    let fields = service
        .structures
        .iter()
        .flat_map(|s| &s.fields)
        .chain(service.actions.iter().flat_map(|a| a.request.iter().chain(&a.response)));
    for values in fields.flat_map(Field::value_sets) {
        sets.entry(values.rust_name.as_str()).or_insert(values);
    }
    sets
}

const INPUT: Usage = Usage { input: true, output: false };
const OUTPUT: Usage = Usage { input: false, output: true };

fn action_types(service: &Service, action: &Action) -> TokenStream {
    let request_name = ident(&action.request_type);
    let request_doc = doc_attrs(&format!(
        "Parameters of [`{}`](super::super::{}::{}).\n\nRequired parameters are the arguments of [`{}::new`]; optional ones are set with the `with_*` methods.",
        action.name, service.trait_name, action.method, action.request_type
    ));
    let fields: Vec<&Field> = action.request.iter().collect();
    let request = struct_item(service, &action.request_type, request_doc, INPUT, true, &fields);

    let required: Vec<&Field> = action.request.iter().filter(|f| !is_optional(f)).collect();
    let params = required.iter().map(|f| {
        let name = ident(&f.rust_name);
        if takes_into_string(f) {
            quote!(#name: impl ::std::convert::Into<::std::string::String>)
        } else {
            let ty = value_type(service, f);
            quote!(#name: #ty)
        }
    });
    let inits = action.request.iter().map(|f| {
        let name = ident(&f.rust_name);
        if is_optional(f) {
            quote!(#name: ::std::option::Option::None)
        } else if takes_into_string(f) {
            quote!(#name: #name.into())
        } else {
            quote!(#name)
        }
    });
    let new_doc = if required.is_empty() {
        "A request with no parameters set.".to_owned()
    } else {
        let names: Vec<String> = required.iter().map(|f| format!("`{}`", f.name)).collect();
        format!("A request with its required parameters: {}.", names.join(", "))
    };
    let setters = action.request.iter().filter(|f| is_optional(f)).map(|f| setter(service, f));
    // Every required parameter is an argument of `new`, however many the action has.
    let many_params = (required.len() > 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    let default_impl = required.is_empty().then(|| {
        quote! {
            impl ::std::default::Default for #request_name {
                #[inline]
                fn default() -> Self { Self::new() }
            }
        }
    });

    let response_doc = doc_attrs(&format!(
        "Result of [`{}`](super::super::{}::{}).",
        action.name, service.trait_name, action.method
    ));
    let request_id = request_id_field();
    let fields: Vec<&Field> = action.response.iter().chain([&request_id]).collect();
    let response = struct_item(service, &action.response_type, response_doc, OUTPUT, false, &fields);
    quote! {
        #request
        impl #request_name {
            #[doc = #new_doc]
            #many_params
            #[allow(clippy::new_without_default)]
            #[inline]
            pub fn new(#(#params),*) -> Self {
                Self { #(#inits),* }
            }
            #(#setters)*
        }
        #default_impl
        #response
    }
}

/// Strings (and the date types, which are strings) are taken as `impl Into<String>`.
fn takes_into_string(field: &Field) -> bool {
    field.values.is_none()
        && matches!(
            field.ty,
            Type::Scalar(Scalar::String | Scalar::Date | Scalar::DateTime | Scalar::Timestamp)
        )
}

fn setter(service: &Service, field: &Field) -> TokenStream {
    let name = ident(&field.rust_name);
    let method = ident(&format!("with_{}", field.rust_name.trim_end_matches('_')));
    let doc = format!("Sets `{}`.\n\n{}", field.name, field_doc(field));
    let doc = doc_attrs(&doc);
    if takes_into_string(field) {
        quote! {
            #doc
            #[must_use]
            pub fn #method(mut self, value: impl ::std::convert::Into<::std::string::String>) -> Self {
                self.#name = ::std::option::Option::Some(value.into());
                self
            }
        }
    } else {
        let ty = value_type(service, field);
        quote! {
            #doc
            #[must_use]
            #[inline]
            pub fn #method(mut self, value: #ty) -> Self {
                self.#name = ::std::option::Option::Some(value);
                self
            }
        }
    }
}

/// `RequestId`, which every response carries.
fn request_id_field() -> Field {
    Field {
        name: "RequestId".to_owned(),
        rust_name: "request_id".to_owned(),
        ty: Type::Scalar(Scalar::String),
        required: true,
        output_required: true,
        disabled: false,
        deprecated: false,
        example: None,
        nullable: false,
        description: "Unique ID of the request, generated by the server; give it to support when reporting a problem.".to_owned(),
        default: None,
        minimum: None,
        maximum: None,
        values: None,
        filters: Vec::new(),
        notes: Vec::new(),
    }
}

/// A struct with its derives and its codec and serde impls, as its usage needs them.
fn struct_item(
    service: &Service,
    name: &str,
    doc: TokenStream,
    usage: Usage,
    non_exhaustive: bool,
    fields: &[&Field],
) -> TokenStream {
    let name = ident(name);
    let non_exhaustive = non_exhaustive.then(|| quote!(#[non_exhaustive]));
    let members = fields.iter().map(|f| {
        let name = ident(&f.rust_name);
        let ty = field_type(service, f);
        let doc = doc_attrs(&field_doc(f));
        quote! {
            #doc
            pub #name: #ty,
        }
    });
    let decode = usage.output.then(|| decode_impls(service, &name, fields));
    let encode = (usage.input || usage.output).then(|| {
        let impls = encode_impls(&name, fields);
        if usage.input {
            quote!(#(#impls)*)
        } else {
            // Serializing what is only received is opt-in.
            let mut gated = TokenStream::new();
            for item in impls {
                gated.extend(quote!(#[cfg(feature = "serialize")] #item));
            }
            gated
        }
    });
    // What is only received needs `Debug` and decoding; `Clone` and `PartialEq` cost as much
    // to compile again, so there they come with the `extra-traits` feature.
    let derives = if usage.input {
        quote!(#[derive(Debug, Clone, PartialEq)])
    } else {
        quote! {
            #[derive(Debug)]
            #[cfg_attr(feature = "extra-traits", derive(Clone, PartialEq))]
        }
    };
    quote! {
        #doc
        #derives
        #non_exhaustive
        pub struct #name { #(#members)* }
        #decode
        #encode
    }
}

/// Wire names, for the codec tables.
fn wire_names(fields: &[&Field]) -> TokenStream {
    let names = fields.iter().map(|f| f.name.as_str());
    quote!(&[#(#names),*])
}

/// Whether the field holds a structure directly (not in an array).
fn holds_struct(field: &Field) -> bool {
    matches!(field.ty, Type::Struct(_))
}

/// `codec::Decode` (one table-driven `read` into typed locals) and the `Deserialize` that
/// calls it.
fn decode_impls(service: &Service, name: &proc_macro2::Ident, fields: &[&Field]) -> TokenStream {
    let codec = codec();
    let names = wire_names(fields);
    let required: Vec<proc_macro2::Literal> = fields
        .iter()
        .enumerate()
        .filter(|(_, f)| !is_optional(f))
        .map(|(i, _)| proc_macro2::Literal::usize_unsuffixed(i))
        .collect();
    let mut locals = Vec::new();
    let mut slots = Vec::new();
    let mut inits = Vec::new();
    for f in fields {
        let local = ident(&f.rust_name);
        let ty = field_type(service, f);
        let optional = is_optional(f);
        let wire = &f.name;
        match &f.values {
            Some(set) => {
                let enum_name = ident(&set.rust_name);
                let array = matches!(f.ty, Type::Array(_));
                let wrapper = ident(match (set.kind, optional, array) {
                    (ValueKind::String, false, false) => "Str",
                    (ValueKind::String, true, false) => "OptStr",
                    (ValueKind::String, false, true) => "Strs",
                    (ValueKind::String, true, true) => "OptStrs",
                    (ValueKind::Integer, false, false) => "Int",
                    (ValueKind::Integer, true, false) => "OptInt",
                    (ValueKind::Integer, false, true) => "Ints",
                    (ValueKind::Integer, true, true) => "OptInts",
                });
                let init = if optional || array {
                    quote!(::std::default::Default::default())
                } else {
                    quote!(#enum_name::Unknown(::std::default::Default::default()))
                };
                locals.push(quote!(let mut #local: #ty = #init;));
                slots.push(quote!(&mut #codec::#wrapper(&mut #local)));
                inits.push(quote!(#local));
            }
            None if holds_struct(f) && !optional => {
                // No placeholder exists for a structure: read into an Option, then unwrap.
                locals.push(quote!(let mut #local: ::std::option::Option<#ty> = ::std::option::Option::None;));
                slots.push(quote!(&mut #local));
                inits.push(quote!(#local: #codec::required(#local, #wire)?));
            }
            None => {
                locals.push(quote!(let mut #local: #ty = ::std::default::Default::default();));
                slots.push(quote!(&mut #local));
                inits.push(quote!(#local));
            }
        }
    }
    quote! {
        impl #codec::Decode for #name {
            #[inline]
            fn decode(fields: &mut dyn #codec::Fields) -> #codec::Result<Self> {
                #(#locals)*
                #codec::read(fields, #names, &[#(#required),*], &mut [#(#slots),*])?;
                ::std::result::Result::Ok(Self { #(#inits),* })
            }
        }
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                #codec::deserialize(deserializer)
            }
        }
    }
}

/// `codec::Encode` (one table-driven `write`) and the `Serialize` that calls it, as two
/// items so the caller can gate them.
fn encode_impls(name: &proc_macro2::Ident, fields: &[&Field]) -> [TokenStream; 2] {
    let codec = codec();
    let names = wire_names(fields);
    let values = fields.iter().map(|f| {
        let field = ident(&f.rust_name);
        match &f.values {
            Some(set) => {
                let enum_name = ident(&set.rust_name);
                match set.kind {
                    ValueKind::String => quote!(&#codec::EncStr(&self.#field, #enum_name::as_str)),
                    ValueKind::Integer => quote!(&#codec::EncInt(&self.#field, #enum_name::value)),
                }
            }
            None => quote!(&self.#field),
        }
    });
    [
        quote! {
            impl #codec::Encode for #name {
                #[inline]
                fn encode(&self, out: &mut dyn #codec::Entries) {
                    #codec::write(out, #names, &[#(#values),*]);
                }
            }
        },
        quote! {
            impl ::serde::Serialize for #name {
                fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                    #codec::serialize(self, serializer)
                }
            }
        },
    ]
}

/// An open enum: the documented values, plus `Unknown` keeping any other value verbatim.
///
/// Equality, hashing and `Debug` go by the wire value (one line each, instead of derives
/// that match on every variant); serde impls are not needed to (de)serialize the types that
/// hold the enum (the codec uses `as_str`/`value` and `From`), so they come with the
/// `serialize` feature only.
fn open_enum(set: &ValueSet) -> TokenStream {
    let name = ident(&set.rust_name);
    let codec = codec();
    let doc = doc_attrs(
        "A documented value set. Values the documentation does not list are kept in `Unknown`, so a response never fails to decode because the API added a value.\n\nTwo values are equal when their wire values are.",
    );
    let variants = set.values.iter().map(|v| {
        let variant = ident(&v.rust_name);
        let doc = doc_attrs(&format!("`{}`: {}", v.wire, escape(v.description.trim())));
        quote!(#doc #variant,)
    });
    let names: Vec<_> = set.values.iter().map(|v| ident(&v.rust_name)).collect();
    match set.kind {
        ValueKind::String => {
            let wires: Vec<String> = set
                .values
                .iter()
                .map(|v| v.wire.as_str().map(str::to_owned).unwrap_or_else(|| v.wire.to_string()))
                .collect();
            quote! {
                #doc
                #[derive(Clone)]
                #[non_exhaustive]
                pub enum #name {
                    #(#variants)*
                    /// A value the documentation does not list, kept as received.
                    Unknown(::std::string::String),
                }
                impl #name {
                    /// The value as sent on the wire.
                    #[inline]
                    pub fn as_str(&self) -> &str {
                        match self {
                            #(Self::#names => #wires,)*
                            Self::Unknown(value) => value,
                        }
                    }
                }
                impl ::std::convert::From<&str> for #name {
                    #[inline]
                    fn from(value: &str) -> Self {
                        match value {
                            #(#wires => Self::#names,)*
                            other => Self::Unknown(other.to_owned()),
                        }
                    }
                }
                impl ::std::fmt::Display for #name {
                    #[inline]
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(self.as_str())
                    }
                }
                impl ::std::fmt::Debug for #name {
                    #[inline]
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        #codec::debug_str(f, self.as_str(), ::std::matches!(self, Self::Unknown(_)))
                    }
                }
                impl ::std::cmp::PartialEq for #name {
                    #[inline]
                    fn eq(&self, other: &Self) -> bool {
                        self.as_str() == other.as_str()
                    }
                }
                impl ::std::cmp::Eq for #name {}
                impl ::std::hash::Hash for #name {
                    fn hash<H: ::std::hash::Hasher>(&self, state: &mut H) {
                        ::std::hash::Hash::hash(self.as_str(), state)
                    }
                }
                #[cfg(feature = "serialize")]
                impl ::serde::Serialize for #name {
                    fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                        serializer.serialize_str(self.as_str())
                    }
                }
                #[cfg(feature = "serialize")]
                impl<'de> ::serde::Deserialize<'de> for #name {
                    fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                        #codec::deserialize_str(deserializer)
                    }
                }
            }
        }
        ValueKind::Integer => {
            let wires: Vec<TokenStream> =
                set.values.iter().map(|v| int_lit(v.wire.as_i64().unwrap_or_default(), false)).collect();
            quote! {
                #doc
                #[derive(Clone, Copy)]
                #[non_exhaustive]
                pub enum #name {
                    #(#variants)*
                    /// A value the documentation does not list, kept as received.
                    Unknown(i64),
                }
                impl #name {
                    /// The value as sent on the wire.
                    #[inline]
                    pub fn value(self) -> i64 {
                        match self {
                            #(Self::#names => #wires,)*
                            Self::Unknown(value) => value,
                        }
                    }
                }
                impl ::std::convert::From<i64> for #name {
                    #[inline]
                    fn from(value: i64) -> Self {
                        match value {
                            #(#wires => Self::#names,)*
                            other => Self::Unknown(other),
                        }
                    }
                }
                impl ::std::fmt::Display for #name {
                    #[inline]
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        ::std::fmt::Display::fmt(&self.value(), f)
                    }
                }
                impl ::std::fmt::Debug for #name {
                    #[inline]
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        #codec::debug_int(f, self.value(), ::std::matches!(self, Self::Unknown(_)))
                    }
                }
                impl ::std::cmp::PartialEq for #name {
                    #[inline]
                    fn eq(&self, other: &Self) -> bool {
                        self.value() == other.value()
                    }
                }
                impl ::std::cmp::Eq for #name {}
                impl ::std::hash::Hash for #name {
                    fn hash<H: ::std::hash::Hasher>(&self, state: &mut H) {
                        ::std::hash::Hash::hash(&self.value(), state)
                    }
                }
                #[cfg(feature = "serialize")]
                impl ::serde::Serialize for #name {
                    fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                        serializer.serialize_i64(self.value())
                    }
                }
                #[cfg(feature = "serialize")]
                impl<'de> ::serde::Deserialize<'de> for #name {
                    fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                        ::tc_runtime::de::i64(deserializer).map(Self::from)
                    }
                }
            }
        }
    }
}
