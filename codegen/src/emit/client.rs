//! Emits the crate root (`src/lib.rs`) and each service's `src/<service>/mod.rs`: the
//! service descriptor, the client trait (one async method per action, so users can mock the
//! API, and a `_pages` method per paged action) and the runtime-backed client. The actions'
//! descriptors and pagers are in their own files (`actions.rs`).
//!
//! For compile time, the trait's methods return the runtime's boxed `ActionFuture` (an
//! `impl Future` per method made checking the trait quadratic in its size), the client's
//! are the runtime's named future `support::call`, and each pager is the runtime's one
//! generic `support::Pages`, driven by a small `Paging` impl per action (see `BENCHMARKS.md`).

use proc_macro2::TokenStream;
use quote::quote;

use super::actions::{info_ident, pager_type_ident};
use super::examples::doc_example;
use super::text::{doc_attrs, escape};
use super::{Options, crate_ident, features, ident};
use crate::ir::{Action, Api, Pagination, Service};

/// `src/lib.rs`.
pub(crate) fn lib_rs(api: &Api, options: &Options) -> TokenStream {
    let services: Vec<String> = api
        .services
        .iter()
        .map(|s| format!("`{}` ({}, {})", s.module, s.title, s.version))
        .collect();
    let doc = format!(
        "Tencent Cloud API 3.0 client, generated from hand-curated specs.\n\nServices, each behind the Cargo feature of the same name: {}. Each action also has a feature of its own, `<service>-<action in kebab case>` (`tcss-describe-image-authorized-info`), which compiles that action and only the types it reaches: a program that calls a few actions of a large service enables just those.\n\nEach service module has a trait with one async method per action (implement it to mock the API in tests), a client implementing it over [`tc_runtime::Client`], and its data types and error codes.\n\n```no_run\n# async fn run() -> Result<(), Box<dyn std::error::Error>> {{\nlet client = {}::Client::from_env()?;\n# let _ = client;\n# Ok(()) }}\n```",
        services.join(", "),
        crate_ident(options)
    );
    let docs = doc.lines().map(|l| {
        let l = format!(" {l}");
        quote!(#![doc = #l])
    });
    let modules = api.services.iter().map(|s| {
        let module = ident(&s.module);
        let feature = features::base(s);
        let doc = format!(
            " {} ({} `{}`): Cargo feature `{}` for every action, `{}-<action>` for one.",
            s.title, s.name, s.version, s.module, s.module
        );
        quote! {
            #[doc = #doc]
            #[cfg(feature = #feature)]
            pub mod #module;
        }
    });
    let deny_warnings = options.deny_warnings.then(|| quote!(#![deny(warnings)]));
    quote! {
        #(#docs)*
        #deny_warnings
        #![deny(missing_docs)]
        #![forbid(unsafe_code)]
        // docs.rs (`--cfg docsrs`, nightly): each gated item shows the features it needs.
        #![cfg_attr(docsrs, feature(doc_cfg))]
        // The crate itself implements and calls the actions it marks deprecated.
        #![allow(deprecated)]
        // The docs are upstream's prose, whose lists are not always Markdown-clean.
        #![allow(clippy::doc_lazy_continuation, clippy::doc_overindented_list_items)]

        pub mod common;
        #(#modules)*

        pub use tc_runtime::{ActionFuture, ApiError, Client, ClientBuilder, Error, ErrorClass, ErrorCode, UntypedAction};
        /// The runtime crate: configuration (endpoints, retries, rate limits), credentials, errors.
        pub use tc_runtime as runtime;
    }
}

/// `src/<service>/mod.rs`.
pub(crate) fn service_rs(service: &Service, options: &Options) -> TokenStream {
    let krate = crate_ident(options);
    let name = &service.name;
    let version = &service.version;
    let default_host = &service.default_host;
    let intl_host = match service.other_hosts.iter().find(|h| h.host.contains(".intl.")) {
        Some(h) => {
            let h = &h.host;
            quote!(::std::option::Option::Some(#h))
        }
        None => quote!(::std::option::Option::None),
    };
    let trait_name = ident(&service.trait_name);
    let client_name = ident(&service.client_name);
    let mut hosts = vec![format!("`{}` (default)", service.default_host)];
    hosts.extend(service.other_hosts.iter().map(|h| format!("`{}` ({})", h.host, escape(&h.description))));
    let module_doc = format!(
        "{}\n\n{}\n\nAPI version `{}`; hosts: {}.",
        service.title,
        escape(service.description.trim()),
        service.version,
        hosts.join(", ")
    );
    let module_docs = module_doc.lines().map(|l| {
        let l = format!(" {l}");
        quote!(#![doc = #l])
    });

    let trait_methods = service.actions.iter().map(|a| trait_method(service, a, &krate));
    let pager_methods = service.actions.iter().filter_map(|a| {
        a.pagination.as_ref().map(|p| pager_method(service, a, p))
    });
    let impl_methods = service.actions.iter().map(|a| {
        let method = ident(&a.method);
        let (req, resp, err) = (ident(&a.request_type), ident(&a.response_type), ident(&a.error_type));
        let info = info_ident(a);
        let cfg = features::cfg_action(service, a);
        quote! {
            #cfg
            #[inline]
            fn #method<'a>(&'a self, request: &'a models::#req) -> ::tc_runtime::ActionFuture<'a, models::#resp, errors::#err> {
                ::std::boxed::Box::pin(::tc_runtime::support::call(&self.client, &#info, request))
            }
        }
    });
    let trait_doc = doc_attrs(&format!(
        "The {} API: one async method per action.\n\n[`{}`] implements it over the network; implement it yourself to mock the API in tests (return `Box::pin(async move {{ ... }})`). Each method exists only with its action's Cargo feature and has a default body that fails with `UnsupportedOperation` naming the action, so a test double implements just the actions its code calls and keeps compiling whatever features other crates enable.",
        service.title, service.client_name
    ));
    let client_doc = doc_attrs(&format!(
        "[`{}`] over a [`tc_runtime::Client`]: signing, retries, timeouts and rate limits come from the runtime client's configuration.",
        service.trait_name
    ));
    quote! {
        #(#module_docs)*

        pub mod errors;
        pub mod models;
        mod actions;
        // Empty with no action enabled (feature `<service>-base` alone).
        #[allow(unused_imports)]
        pub use self::actions::*;

        /// Descriptor of the service for the runtime: signing name, version, hosts.
        pub static SERVICE: ::tc_runtime::ServiceInfo = ::tc_runtime::ServiceInfo {
            name: #name,
            version: #version,
            default_host: #default_host,
            intl_host: #intl_host,
        };

        #trait_doc
        pub trait #trait_name: Send + Sync {
            #(#trait_methods)*
            #(#pager_methods)*
        }

        #client_doc
        #[derive(Debug, Clone)]
        pub struct #client_name {
            client: ::tc_runtime::Client,
        }

        impl #client_name {
            /// A client over a configured runtime client (shared connection pool and limits).
            #[inline]
            pub fn new(client: ::tc_runtime::Client) -> Self {
                Self { client }
            }

            /// A client with credentials from the default chain (explicit environment
            /// variables, then the profile file) and default settings.
            #[inline]
            pub fn from_env() -> ::std::result::Result<Self, ::tc_runtime::ConfigError> {
                ::tc_runtime::Client::from_env().map(Self::new)
            }

            /// The runtime client underneath.
            #[inline]
            pub fn runtime(&self) -> &::tc_runtime::Client {
                &self.client
            }
        }

        impl #trait_name for #client_name {
            #(#impl_methods)*
        }
    }
}

fn trait_method(service: &Service, action: &Action, krate: &proc_macro2::Ident) -> TokenStream {
    let method = ident(&action.method);
    let (req, resp, err) = (ident(&action.request_type), ident(&action.response_type), ident(&action.error_type));
    let mut doc = escape(action.description.trim());
    if let Some(rate) = action.rate_limit {
        doc.push_str(&format!("\n\nRate limit: {rate} requests per second (the runtime's limiter keeps a process within it by default)."));
    }
    // The Markdown reference ships in the package; docs.rs serves a package's files, so the
    // link works wherever the crate's docs are read online.
    let page = format!("docs/{}/{}.md", service.module, action.name);
    doc.push_str(&format!(
        "\n\nAction `{}`, version `{}`. Reference: [`{page}`](https://docs.rs/crate/{}/{}/source/{page}) in this crate (parameters, examples and error codes as on Tencent Cloud's page).",
        action.name,
        service.version,
        krate.to_string().replace('_', "-"),
        super::CRATE_VERSION,
    ));
    if action.unsigned {
        doc.push_str("\n\nSent unsigned (`Authorization: SKIP`) by any client, without asking for credentials: it is what a caller uses to get them. A client that has none is made with [`ClientBuilder::unsigned`](tc_runtime::ClientBuilder::unsigned).");
    }
    if !action.errors.is_empty() {
        doc.push_str("\n\n# Errors\n\nBesides transport, decoding and credential errors, and the common codes:\n");
        for code in &action.errors {
            doc.push_str(&format!("\n- `{}`: {}", code.code, escape(code.description.trim())));
        }
    }
    doc.push_str("\n\n# Example\n\n");
    doc.push_str(&doc_example(service, action, krate));
    if action.deprecated {
        doc = format!("**Deprecated** upstream.\n\n{doc}");
    }
    let doc = doc_attrs(&doc);
    let cfg = features::cfg_action(service, action);
    let deprecated = deprecated_attr(action);
    let info = info_ident(action);
    quote! {
        #doc
        #cfg
        #deprecated
        fn #method<'a>(&'a self, request: &'a models::#req) -> ::tc_runtime::ActionFuture<'a, models::#resp, errors::#err> {
            let _ = request;
            ::tc_runtime::support::not_implemented(&#info)
        }
    }
}

/// `#[deprecated]` for an action documented as deprecated.
fn deprecated_attr(action: &Action) -> Option<TokenStream> {
    action.deprecated.then(|| {
        let note = format!("`{}` is deprecated upstream", action.name);
        quote!(#[deprecated(note = #note)])
    })
}

fn pager_method(service: &Service, action: &Action, _p: &Pagination) -> TokenStream {
    let method = ident(&format!("{}_pages", action.method));
    let req = ident(&action.request_type);
    let pager = pager_type_ident(action);
    let doc = doc_attrs(&format!(
        "Walks every page of `{}`, starting at the request's offset: see [`{}`].",
        action.name, pager
    ));
    let cfg = features::cfg_action(service, action);
    let deprecated = deprecated_attr(action);
    quote! {
        #doc
        #cfg
        #deprecated
        fn #method(&self, request: models::#req) -> #pager<'_, Self>
        where
            Self: Sized,
        {
            #pager::new(self, request)
        }
    }
}
