//! Emits `src/<service>/actions/`: for each action, its descriptor for the runtime
//! (`ActionInfo`: name, service, rate limit) and, for a paged action, its pager (the
//! runtime's generic `support::Pages` and a small `Paging` impl saying which fields are the
//! offset, the items and the total).
//!
//! Each action's file is a private module behind the action's feature, re-exported by name
//! from `actions/mod.rs` and from there into the service module, as the models and error
//! codes are: a build that leaves an action out does not read its file. Kept in the service
//! module these items were a third of the lines a one-action build parsed at 1,000 actions.

use proc_macro2::TokenStream;
use quote::quote;

use super::text::doc_attrs;
use super::{Piece, features, gated_module, ident, is_optional, value_type_in};
use crate::ir::{Action, Field, Pagination, Scalar, Service, Type};

/// `src/<service>/actions/`: `mod.rs`, then one file per action. Returns `(path relative to
/// the crate root, piece)`.
pub(crate) fn actions_rs(service: &Service) -> Vec<(String, Piece<'_>)> {
    let dir = format!("src/{}/actions", service.module);
    let mut files: Vec<(String, Piece<'_>)> = vec![(
        format!("{dir}/mod.rs"),
        Box::new(move || {
            let doc = format!(" Descriptors and pagers of the {} actions, one module each.", service.name);
            let modules = service.actions.iter().map(|a| {
                let mut names = vec![info_ident(a)];
                if a.pagination.is_some() {
                    names.push(pager_type_ident(a));
                    names.push(paging_ident(a));
                }
                gated_module(&features::cfg_action(service, a), &ident(&a.method), &names)
            });
            quote! {
                #![doc = #doc]
                #(#modules)*
            }
        }),
    )];
    for a in &service.actions {
        files.push((format!("{dir}/{}.rs", a.method), Box::new(move || action_rs(service, a))));
    }
    files
}

/// One action's file: the names it uses from the service module, its descriptor and pager.
fn action_rs(service: &Service, action: &Action) -> TokenStream {
    let module = ident(&service.module);
    let pager = action.pagination.as_ref().map(|p| pager_type(service, action, p));
    let imports = if pager.is_some() {
        let trait_name = ident(&service.trait_name);
        quote!(use crate::#module::{SERVICE, #trait_name, errors, models};)
    } else {
        quote!(use crate::#module::SERVICE;)
    };
    let info = info_ident(action);
    let wire = &action.name;
    let rate = match action.rate_limit {
        Some(r) => quote!(::std::option::Option::Some(#r)),
        None => quote!(::std::option::Option::None),
    };
    let idempotent = action.idempotent;
    let unsigned = action.unsigned;
    let token = match &action.idempotency_token {
        Some(t) => quote!(::std::option::Option::Some(#t)),
        None => quote!(::std::option::Option::None),
    };
    let doc = doc_attrs(&format!("Descriptor of `{wire}` for the runtime."));
    let file_doc = match pager {
        Some(_) => format!(" `{wire}`: its descriptor for the runtime and its pager."),
        None => format!(" `{wire}`: its descriptor for the runtime."),
    };
    quote! {
        #![doc = #file_doc]
        #imports

        #doc
        pub static #info: ::tc_runtime::ActionInfo = ::tc_runtime::ActionInfo {
            service: &SERVICE,
            name: #wire,
            rate_limit: #rate,
            idempotent: #idempotent,
            idempotency_token: #token,
            unsigned: #unsigned,
        };

        #pager
    }
}

/// The descriptor static of an action: `DESCRIBE_IMAGE_AUTHORIZED_INFO`.
pub(crate) fn info_ident(action: &Action) -> proc_macro2::Ident {
    ident(&heck::ToShoutySnakeCase::to_shouty_snake_case(action.name.as_str()))
}

/// The pager type alias of a paged action: `DescribeXPages`.
pub(crate) fn pager_type_ident(action: &Action) -> proc_macro2::Ident {
    ident(&format!("{}Pages", action.name))
}

fn paging_ident(action: &Action) -> proc_macro2::Ident {
    ident(&format!("{}Paging", action.name))
}

fn find<'a>(fields: &'a [Field], wire: &str) -> Option<&'a Field> {
    fields.iter().find(|f| f.name == wire)
}

fn pager_type(service: &Service, action: &Action, p: &Pagination) -> TokenStream {
    let pager = pager_type_ident(action);
    let paging = paging_ident(action);
    let trait_name = ident(&service.trait_name);
    let (req, resp, err) = (ident(&action.request_type), ident(&action.response_type), ident(&action.error_type));
    let method = ident(&action.method);
    let (Some(offset), Some(items)) = (find(&action.request, &p.offset), find(&action.response, &p.items)) else {
        return quote!();
    };
    let offset_field = ident(&offset.rust_name);
    let items_field = ident(&items.rust_name);
    let item_ty = match &items.ty {
        Type::Array(inner) => super::element_type_in(service, inner, items, &quote!(models::)),
        _ => value_type_in(service, items, &quote!(models::)),
    };
    let (take_items, items_len) = if is_optional(items) {
        (quote!(page.#items_field.unwrap_or_default()), quote!(page.#items_field.as_ref().map_or(0, ::std::vec::Vec::len)))
    } else {
        (quote!(page.#items_field), quote!(page.#items_field.len()))
    };
    // The pager counts in i64; an offset declared UInt64 converts (saturating: an offset
    // past i64::MAX is no page anyone fetches).
    let unsigned = offset.ty == Type::Scalar(Scalar::UInteger);
    let value = if is_optional(offset) { quote!(request.#offset_field.unwrap_or(0)) } else { quote!(request.#offset_field) };
    let (offset_value, write) = if unsigned {
        (quote!(i64::try_from(#value).unwrap_or(i64::MAX)), quote!(u64::try_from(offset).unwrap_or(0)))
    } else {
        (value, quote!(offset))
    };
    let set_offset = if is_optional(offset) {
        quote!(request.#offset_field = ::std::option::Option::Some(#write);)
    } else {
        quote!(request.#offset_field = #write;)
    };
    let total = p.total.as_ref().and_then(|t| find(&action.response, t));
    let total_value = match total {
        None => quote!(::std::option::Option::None),
        Some(total) => {
            let field = ident(&total.rust_name);
            let value = if is_optional(total) { quote!(page.#field) } else { quote!(::std::option::Option::Some(page.#field)) };
            if total.ty == Type::Scalar(Scalar::Integer) {
                value
            } else {
                quote!(#value.map(|total| i64::try_from(total).unwrap_or(i64::MAX)))
            }
        }
    };
    let doc = doc_attrs(&format!(
        "Pages of `{}`, a `Stream` of pages ([`items`](::tc_runtime::support::Pages::items) streams their `{}`), or call [`next_page`](::tc_runtime::support::Pages::next_page): each page is fetched at the current `{}`, which then advances by the number of items received. The pages end after an empty page, once `{}` items are counted, or after an error (the client's retries have run by then), which is yielded once.",
        action.name,
        p.items,
        p.offset,
        p.total.as_deref().unwrap_or("all"),
    ));
    let paging_doc = doc_attrs(&format!("How `{}` pages: offset `{}`, items `{}`.", action.name, p.offset, p.items));
    let unused_page = total.is_none().then(|| quote!(let _ = page;));
    quote! {
        #doc
        pub type #pager<'a, C> = ::tc_runtime::support::Pages<'a, C, #paging>;

        #paging_doc
        #[derive(Debug)]
        pub enum #paging {}

        impl<C: #trait_name + ?Sized> ::tc_runtime::support::Paging<C> for #paging {
            type Request = models::#req;
            type Response = models::#resp;
            type Item = #item_ty;
            type Code = errors::#err;
            fn fetch<'a>(client: &'a C, request: &'a models::#req)
                -> impl ::std::future::Future<Output = ::std::result::Result<models::#resp, ::tc_runtime::Error<errors::#err>>> + Send + 'a
            {
                client.#method(request)
            }
            #[inline]
            fn offset(request: &models::#req) -> i64 {
                #offset_value
            }
            #[inline]
            fn set_offset(request: &mut models::#req, offset: i64) {
                #set_offset
            }
            #[inline]
            fn received(page: &models::#resp) -> usize {
                #items_len
            }
            #[inline]
            fn total(page: &models::#resp) -> ::std::option::Option<i64> {
                #unused_page
                #total_value
            }
            #[inline]
            fn items(page: models::#resp) -> ::std::vec::Vec<#item_ty> {
                #take_items
            }
        }
    }
}
