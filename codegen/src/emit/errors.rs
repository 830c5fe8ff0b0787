//! Emits the typed error codes: `src/common.rs` (the codes any action can return),
//! `src/<service>/errors/mod.rs` (the service's enum: its codes, the common codes, and
//! `Unknown` keeping any other code verbatim) and one file per action: an alias of the
//! service's enum, or, for an action that documents codes of its own, an enum of those with
//! the service's enum as the fallback. One service enum instead of a copy per action keeps
//! a service of hundreds of actions cheap to compile. Equality, hashing and `Debug` go by the
//! code itself: one line each instead of derives that match every variant, which matters
//! with a thousand actions.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Piece, features, gated_module, ident};
use super::text::{doc_attrs, escape};
use crate::ir::{Action, Api, ErrorCode, Service};

/// `src/common.rs`.
pub(crate) fn common_rs(api: &Api) -> TokenStream {
    let codes = &api.common.errors;
    let variants = codes.iter().map(|c| {
        let doc = doc_attrs(&format!("`{}`: {}", c.code, escape(c.description.trim())));
        let name = ident(&c.rust_name);
        quote!(#doc #name,)
    });
    let names: Vec<_> = codes.iter().map(|c| ident(&c.rust_name)).collect();
    let wires: Vec<&str> = codes.iter().map(|c| c.code.as_str()).collect();
    quote! {
        //! Error codes shared by every Tencent Cloud API 3.0 action (the "common error codes").

        /// A common error code: any action can return one of these.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum CommonErrorCode {
            #(#variants)*
        }

        impl CommonErrorCode {
            /// Every common code, in code order.
            pub const ALL: &'static [CommonErrorCode] = &[#(Self::#names),*];

            /// The code for `code`, if it is a common one.
            #[inline]
            pub fn from_code(code: &str) -> ::std::option::Option<Self> {
                match code {
                    #(#wires => ::std::option::Option::Some(Self::#names),)*
                    _ => ::std::option::Option::None,
                }
            }

            /// The code as the API sends it.
            #[inline]
            pub fn as_str(self) -> &'static str {
                match self {
                    #(Self::#names => #wires,)*
                }
            }
        }

        impl ::std::fmt::Display for CommonErrorCode {
            #[inline]
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    }
}

/// `src/<service>/errors/`: `mod.rs`, then one file per action with its error-code enum,
/// each a private module behind the action's feature and re-exported by name (as the models
/// are: a build does not read the files of the actions it leaves out). Returns `(path
/// relative to the crate root, piece)`.
pub(crate) fn errors_rs(service: &Service) -> Vec<(String, Piece<'_>)> {
    let dir = format!("src/{}/errors", service.module);
    let mut files: Vec<(String, Piece<'_>)> = vec![(
        format!("{dir}/mod.rs"),
        Box::new(move || {
            let doc = format!(
                " Error codes of each {} action: the documented ones, the common ones, and `Unknown`.",
                service.name
            );
            let modules = service.actions.iter().map(|a| {
                gated_module(&features::cfg_action(service, a), &ident(&a.method), &[ident(&a.error_type)])
            });
            let service_enum = service_error(service);
            quote! {
                #![doc = #doc]
                #service_enum
                #(#modules)*
            }
        }),
    )];
    for a in &service.actions {
        files.push((format!("{dir}/{}.rs", a.method), Box::new(move || action_error(service, a))));
    }
    files
}

/// The service's enum: its own codes (those that are not common ones), `Common`, `Unknown`.
fn service_error(service: &Service) -> TokenStream {
    let name = ident(&service.error_type);
    let doc = doc_attrs(&format!(
        "Error code of every {} action: the service's codes, then the common codes any action can return, then `Unknown` with the raw code.\n\nFrom [`tc_runtime::ErrorCode`]: `is_retryable()` is true for throttling and internal errors, `is_caller_fault()` for codes that say the request is wrong (credentials, parameters, permissions), `class()` gives the [`tc_runtime::ErrorClass`].",
        service.name
    ));
    let codes: Vec<&ErrorCode> = service.errors.iter().collect();
    let body = code_enum(&name, &codes, quote! {
        /// A common error code (see [`CommonErrorCode`](crate::common::CommonErrorCode)).
        Common(crate::common::CommonErrorCode),
        /// A code neither the service nor the common list documents, kept verbatim.
        Unknown(::std::string::String),
    }, quote! {
        match crate::common::CommonErrorCode::from_code(code) {
            ::std::option::Option::Some(common) => Self::Common(common),
            ::std::option::Option::None => Self::Unknown(code.to_owned()),
        }
    }, quote! {
        Self::Common(common) => common.as_str(),
        Self::Unknown(code) => code,
    }, quote!(::std::matches!(self, Self::Unknown(_))));
    quote!(#doc #body)
}

fn action_error(service: &Service, action: &Action) -> TokenStream {
    let file_doc = format!(" `{}`: its error-code type.", action.name);
    let item = action_error_type(service, action);
    quote! {
        #![doc = #file_doc]
        #item
    }
}

fn action_error_type(service: &Service, action: &Action) -> TokenStream {
    let name = ident(&action.error_type);
    let service_type = ident(&service.error_type);
    if action.own_errors.is_empty() {
        let doc = doc_attrs(&format!(
            "Error code of `{}`: the service's enum [`{}`](super::{}), as the action documents no codes beyond the service's and the common ones.",
            action.name, service.error_type, service.error_type
        ));
        return quote! {
            #doc
            pub type #name = super::#service_type;
        };
    }
    let doc = doc_attrs(&format!(
        "Error code of `{}`: the codes its documentation lists that the service's enum does not hold, then the service's enum [`{}`](super::{}) (the service's codes, the common codes, `Unknown`).",
        action.name, service.error_type, service.error_type
    ));
    let codes: Vec<&ErrorCode> = action.own_errors.iter().collect();
    let body = code_enum(&name, &codes, quote! {
        /// Any other code: the service's, a common one, or an unknown one.
        Service(super::#service_type),
    }, quote! {
        Self::Service(<super::#service_type as ::tc_runtime::ErrorCode>::from_code(code))
    }, quote! {
        Self::Service(other) => ::tc_runtime::ErrorCode::as_str(other),
    }, quote!(::std::matches!(self, Self::Service(super::#service_type::Unknown(_)))));
    quote!(#doc #body)
}

/// An open error-code enum: a variant per code in `codes`, then `extra` variants; unknown
/// codes go through `fallback`; `extra_str` gives the extra variants' codes.
fn code_enum(
    name: &proc_macro2::Ident,
    codes: &[&ErrorCode],
    extra: TokenStream,
    fallback: TokenStream,
    extra_str: TokenStream,
    is_unknown: TokenStream,
) -> TokenStream {
    let variants = codes.iter().map(|c| {
        let doc = doc_attrs(&format!("`{}`: {}", c.code, escape(c.description.trim())));
        let variant = ident(&c.rust_name);
        quote!(#doc #variant,)
    });
    let names: Vec<_> = codes.iter().map(|c| ident(&c.rust_name)).collect();
    let wires: Vec<&str> = codes.iter().map(|c| c.code.as_str()).collect();
    let from_code = if codes.is_empty() {
        fallback
    } else {
        quote! {
            match code {
                #(#wires => Self::#names,)*
                _ => #fallback,
            }
        }
    };
    quote! {
        #[derive(Clone)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            #extra
        }

        impl ::tc_runtime::ErrorCode for #name {
            #[inline]
            fn from_code(code: &str) -> Self {
                #from_code
            }

            #[inline]
            fn as_str(&self) -> &str {
                match self {
                    #(Self::#names => #wires,)*
                    #extra_str
                }
            }
        }

        impl ::std::fmt::Display for #name {
            #[inline]
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(::tc_runtime::ErrorCode::as_str(self))
            }
        }

        impl ::std::fmt::Debug for #name {
            #[inline]
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::tc_runtime::support::codec::debug_str(f, ::tc_runtime::ErrorCode::as_str(self), #is_unknown)
            }
        }

        impl ::std::cmp::PartialEq for #name {
            #[inline]
            fn eq(&self, other: &Self) -> bool {
                ::tc_runtime::ErrorCode::as_str(self) == ::tc_runtime::ErrorCode::as_str(other)
            }
        }

        impl ::std::cmp::Eq for #name {}

        impl ::std::hash::Hash for #name {
            fn hash<H: ::std::hash::Hasher>(&self, state: &mut H) {
                ::std::hash::Hash::hash(::tc_runtime::ErrorCode::as_str(self), state)
            }
        }
    }
}
