//! The generated crate's Cargo features and the `#[cfg]`s that follow them.
//!
//! Three kinds, so a user compiles only what they call:
//! - `<service>-<action>` (`tcss-describe-image-authorized-info`): one action, its request,
//!   response and error types, and the structures and value sets they reach;
//! - `<service>` (`tcss`): every action of the service (the default features are every
//!   service);
//! - `<service>-base`: the service's module, client and trait with no action; each action's
//!   feature turns it on.
//!
//! A structure or value set shared by several actions is compiled when any of them is
//! enabled: `#[cfg(any(feature = "a", feature = "b"))]`.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Action, Field, Service};

/// The feature of one action: the service module, then the action's method name in kebab
/// case (method names are unique within a service, so these are too).
pub(crate) fn action(service: &Service, action: &Action) -> String {
    format!("{}-{}", service.module, action.method.trim_end_matches('_').replace('_', "-"))
}

/// The feature of the service's module with no action.
pub(crate) fn base(service: &Service) -> String {
    format!("{}-base", service.module)
}

/// `#[cfg(feature = "...")]` for one action.
pub(crate) fn cfg_action(service: &Service, a: &Action) -> TokenStream {
    let feature = action(service, a);
    quote!(#[cfg(feature = #feature)])
}

/// `#[cfg]` for what the actions named (by wire name) reach: any of their features.
pub(crate) fn cfg_any<'a>(service: &Service, actions: impl IntoIterator<Item = &'a str>) -> TokenStream {
    let features: Vec<String> = actions
        .into_iter()
        .filter_map(|name| service.actions.iter().find(|a| a.name == name))
        .map(|a| action(service, a))
        .collect();
    match features.as_slice() {
        // Reached by no action (an unused structure): compiled with the service.
        [] => {
            let base = base(service);
            quote!(#[cfg(feature = #base)])
        }
        [one] => quote!(#[cfg(feature = #one)]),
        many => quote!(#[cfg(any(#(feature = #many),*))]),
    }
}

/// For each value set of the service (by Rust name), the wire names of the actions that
/// reach it: through a request or response field, or through a structure they reach.
pub(crate) fn value_set_actions(service: &Service) -> BTreeMap<&str, BTreeSet<&str>> {
    fn add<'a>(out: &mut BTreeMap<&'a str, BTreeSet<&'a str>>, field: &'a Field, actions: &[&'a str]) {
        for set in field.value_sets() {
            out.entry(set.rust_name.as_str()).or_default().extend(actions.iter().copied());
        }
    }
    let mut out = BTreeMap::new();
    for a in &service.actions {
        for field in a.request.iter().chain(&a.response) {
            add(&mut out, field, &[a.name.as_str()]);
        }
    }
    for s in &service.structures {
        let actions: Vec<&str> = s.actions.iter().map(String::as_str).collect();
        for field in &s.fields {
            add(&mut out, field, &actions);
        }
    }
    out
}
