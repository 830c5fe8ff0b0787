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

use proc_macro2::{Delimiter, TokenStream, TokenTree};
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
        let sets = field.values.iter().chain(field.filters.iter().filter_map(|f| f.values.as_ref()));
        for set in sets {
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

/// Puts `cfg` before every item of `items` (a sequence of whole items, as the emitters
/// make them: attributes, then up to a `;` or a closing brace not followed by one).
pub(crate) fn gate(cfg: &TokenStream, items: TokenStream) -> TokenStream {
    let mut out = TokenStream::new();
    let mut item: Vec<TokenTree> = Vec::new();
    let mut tokens = items.into_iter().peekable();
    while let Some(tt) = tokens.next() {
        let ends = match &tt {
            TokenTree::Punct(p) => p.as_char() == ';',
            TokenTree::Group(g) => {
                g.delimiter() == Delimiter::Brace
                    && !matches!(tokens.peek(), Some(TokenTree::Punct(p)) if p.as_char() == ';')
            }
            _ => false,
        };
        item.push(tt);
        if ends {
            // After the item's doc comment, where a reader expects attributes.
            let docs = leading_docs(&item);
            out.extend(item.drain(..docs));
            out.extend(cfg.clone());
            out.extend(item.drain(..));
        }
    }
    // A trailing fragment that is not a whole item stays as it was (and fails to parse
    // where it would have anyway).
    out.extend(item);
    out
}

/// How many tokens the `#[doc = ...]` attributes at the start of `item` take.
fn leading_docs(item: &[TokenTree]) -> usize {
    let mut n = 0;
    while let [TokenTree::Punct(hash), TokenTree::Group(attr), ..] = &item[n..] {
        let is_doc = hash.as_char() == '#'
            && attr.delimiter() == Delimiter::Bracket
            && matches!(attr.stream().into_iter().next(), Some(TokenTree::Ident(i)) if i == "doc");
        if !is_doc {
            break;
        }
        n += 2;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::gate;
    use quote::quote;

    #[test]
    fn gates_each_item_of_every_shape() {
        let cfg = quote!(#[cfg(feature = "x")]);
        let items = quote! {
            /// A struct.
            #[derive(Debug)]
            pub struct A { pub a: i64 }
            pub struct Unit;
            impl<C: Tr + ?Sized> Paging<C> for A where C: Send { fn f() {} }
            pub static S: Info = Info { name: "S" };
            pub type P<'a, C> = Pages<'a, C, A>;
            pub enum E {}
        };
        let expected = quote! {
            /// A struct.
            #[cfg(feature = "x")]
            #[derive(Debug)]
            pub struct A { pub a: i64 }
            #[cfg(feature = "x")]
            pub struct Unit;
            #[cfg(feature = "x")]
            impl<C: Tr + ?Sized> Paging<C> for A where C: Send { fn f() {} }
            #[cfg(feature = "x")]
            pub static S: Info = Info { name: "S" };
            #[cfg(feature = "x")]
            pub type P<'a, C> = Pages<'a, C, A>;
            #[cfg(feature = "x")]
            pub enum E {}
        };
        assert_eq!(gate(&cfg, items).to_string(), expected.to_string());
    }
}
