//! Emits code built from the documented examples: the doc example of each trait method,
//! `examples/<service>.rs` (a runnable program per service) and `tests/examples.rs` (each
//! documented example round-trips through the generated types).
//!
//! One function, [`request_expr`], turns an example's parameters into the Rust expression
//! that builds the request, so docs, programs and tests agree.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;
use serde_json::Value;

use super::{Options, crate_ident, features, ident, int_lit, is_optional, struct_rust_name};
use crate::ir::{Action, Api, ExampleMethod, Field, Scalar, Service, Type, ValueKind};

/// The Rust expression building `action`'s request from the first documented example (or
/// placeholders where it gives no value), with paths relative to `models`.
pub(crate) fn request_expr(service: &Service, action: &Action, params: &Value) -> TokenStream {
    let req = ident(&action.request_type);
    let args = action.request.iter().filter(|f| !is_optional(f)).map(|f| {
        let value = params.get(&f.name);
        if takes_str(f) {
            let text = value.map(json_text).unwrap_or_default();
            quote!(#text)
        } else {
            value_expr(service, f, &f.ty, value)
        }
    });
    let setters = action.request.iter().filter(|f| is_optional(f)).filter_map(|f| {
        let value = params.get(&f.name)?;
        let method = ident(&format!("with_{}", f.rust_name.trim_end_matches('_')));
        let value = if takes_str(f) {
            let text = json_text(value);
            quote!(#text)
        } else {
            value_expr(service, f, &f.ty, Some(value))
        };
        Some(quote!(.#method(#value)))
    });
    quote!(models::#req::new(#(#args),*) #(#setters)*)
}

fn takes_str(field: &Field) -> bool {
    field.values.is_none()
        && matches!(
            field.ty,
            Type::Scalar(Scalar::String | Scalar::Date | Scalar::DateTime | Scalar::Timestamp)
        )
}

/// A JSON value as text: strings verbatim, anything else in its JSON form.
fn json_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The expression of a value of type `ty` (an element type, or the field's full type minus
/// `Option`) from a documented JSON value; a type-correct placeholder when there is none.
fn value_expr(service: &Service, field: &Field, ty: &Type, value: Option<&Value>) -> TokenStream {
    if let Some(set) = &field.values {
        if !matches!(ty, Type::Array(_)) {
            let name = ident(&set.rust_name);
            return match set.kind {
                ValueKind::String => {
                    let text = value.map(json_text).or_else(|| set.values.first().map(|v| json_text(&v.wire))).unwrap_or_default();
                    quote!(models::#name::from(#text))
                }
                ValueKind::Integer => {
                    let n = value.and_then(as_i64).or_else(|| set.values.first().and_then(|v| v.wire.as_i64())).unwrap_or(0);
                    let lit = int_lit(n, false);
                    quote!(models::#name::from(#lit))
                }
            };
        }
    }
    match ty {
        Type::Scalar(s) => scalar_expr(*s, value),
        Type::Array(inner) => {
            let items: Vec<TokenStream> = match value {
                Some(Value::Array(items)) => {
                    items.iter().map(|v| value_expr(service, field, inner, Some(v))).collect()
                }
                _ => Vec::new(),
            };
            quote!(::std::vec![#(#items),*])
        }
        Type::Struct(name) => struct_expr(service, name, value),
    }
}

fn struct_expr(service: &Service, wire: &str, value: Option<&Value>) -> TokenStream {
    let name = ident(struct_rust_name(service, wire));
    let Some(structure) = super::find_structure(service, wire) else {
        return quote!(models::#name {});
    };
    let fields = structure.fields.iter().map(|f| {
        let fname = ident(&f.rust_name);
        let v = value.and_then(|v| v.get(&f.name)).filter(|v| !v.is_null());
        let expr = value_expr(service, f, &f.ty, v);
        let expr = if is_optional(f) {
            match v {
                Some(_) => quote!(::std::option::Option::Some(#expr)),
                None => quote!(::std::option::Option::None),
            }
        } else {
            expr
        };
        quote!(#fname: #expr)
    });
    quote!(models::#name { #(#fields),* })
}

fn as_i64(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn scalar_expr(s: Scalar, value: Option<&Value>) -> TokenStream {
    match s {
        Scalar::String | Scalar::Date | Scalar::DateTime | Scalar::Timestamp => {
            let text = value.map(json_text).unwrap_or_default();
            quote!(::std::string::String::from(#text))
        }
        Scalar::Integer => {
            int_lit(value.and_then(as_i64).unwrap_or(0), true)
        }
        Scalar::UInteger => {
            let n = match value {
                Some(Value::Number(n)) => n.as_u64(),
                Some(Value::String(s)) => s.trim().parse().ok(),
                _ => None,
            };
            let lit = Literal::u64_suffixed(n.unwrap_or(0));
            quote!(#lit)
        }
        Scalar::Float => {
            let n = match value {
                Some(Value::Number(n)) => n.as_f64(),
                Some(Value::String(s)) => s.trim().parse().ok(),
                _ => None,
            };
            let n = n.filter(|n| n.is_finite()).unwrap_or(0.0);
            let lit = Literal::f64_suffixed(n);
            quote!(#lit)
        }
        Scalar::Boolean => {
            let b = match value {
                Some(Value::Bool(b)) => *b,
                Some(Value::String(s)) => s == "true",
                _ => false,
            };
            quote!(#b)
        }
    }
}

pub(crate) fn first_example_params(action: &Action) -> Value {
    action.examples.first().map(|e| e.request.clone()).unwrap_or(Value::Object(Default::default()))
}

/// The `# Example` section of a trait method: a `no_run` doc test that compiles, building the
/// request from the documented example's required parameters only. The trait holds every
/// action's method, so every build of the service parses these; the example in full is in
/// `docs/<service>/<Action>.md` and in `tests/examples.rs`.
pub(crate) fn doc_example(service: &Service, action: &Action, krate: &Ident) -> String {
    let module = ident(&service.module);
    let trait_name = ident(&service.trait_name);
    let method = ident(&action.method);
    let params = match first_example_params(action) {
        Value::Object(all) => Value::Object(
            all.into_iter()
                .filter(|(name, _)| action.request.iter().any(|f| &f.name == name && !is_optional(f)))
                .collect(),
        ),
        other => other,
    };
    let request = request_expr(service, action, &params);
    let client_name = ident(&service.client_name);
    let runtime_client = if action.unsigned {
        quote!(#krate::Client::builder().unsigned().build()?)
    } else {
        quote!(#krate::Client::from_env()?)
    };
    let tokens = quote! {
        async fn example() -> Result<(), Box<dyn std::error::Error>> {
            use #krate::#module::{models, #client_name, #trait_name};
            let client = #client_name::new(#runtime_client);
            let request = #request;
            let response = client.#method(&request).await?;
            println!("{response:?}");
            Ok(())
        }
    };
    // The tokens always parse (they are built, not typed in); should that ever break, the
    // unformatted tokens still go into the doc test, which then fails and shows them,
    // rather than an empty example hiding the bug.
    let body = match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => tokens.to_string(),
    };
    let mut lines: Vec<String> = Vec::new();
    for line in body.lines() {
        if line.trim_start().starts_with("let client =") {
            let indent = &line[..line.len() - line.trim_start().len()];
            lines.push(if action.unsigned {
                format!("{indent}// Unsigned: this action needs no credentials.")
            } else {
                format!(
                    "{indent}// Credentials from TENCENTCLOUD_SECRET_ID/_KEY or ~/.tencentcloud/credentials; make one client and clone it."
                )
            });
        }
        lines.push(line.to_owned());
    }
    // Hide the wrapper function: readers see the client, the request and the call; rustdoc
    // compiles the whole.
    let body_start = lines.iter().position(|l| l.trim_start().starts_with("use ")).unwrap_or(1);
    for line in lines.iter_mut().take(body_start) {
        *line = format!("# {line}");
    }
    if let Some(last) = lines.last_mut() {
        *last = format!("# {last}");
    }
    if let Some(ok) = lines.iter_mut().rev().nth(1) {
        *ok = format!("# {}", ok.trim_start());
    }
    format!("```no_run\n{}\n```", lines.join("\n"))
}

/// The action `examples/<service>.rs` calls: the first read-only, current one whose request
/// needs no parameters, else the first read-only one, else the first.
pub(crate) fn example_action(service: &Service) -> Option<&Action> {
    let read_only = || service.actions.iter().filter(|a| a.idempotent && !a.deprecated);
    read_only()
        .find(|a| a.request.iter().all(is_optional))
        .or_else(|| read_only().next())
        .or_else(|| service.actions.first())
}

/// `examples/<service>.rs`: a program that reads credentials the standard way and calls the
/// service's first action whose request needs no parameters (or the documented example's).
pub(crate) fn example_bin(service: &Service, options: &Options) -> TokenStream {
    let krate = crate_ident(options);
    let module = ident(&service.module);
    let trait_name = ident(&service.trait_name);
    let client_name = ident(&service.client_name);
    let action = example_action(service);
    let call = action.map(|action| {
        let method = ident(&action.method);
        let request = request_expr(service, action, &first_example_params(action));
        quote! {
            let request = #request;
            let response = client.#method(&request).await?;
            println!("{response:#?}");
        }
    });
    let doc = format!(
        " Calls {} with credentials from the default chain (`TENCENTCLOUD_SECRET_ID` / `TENCENTCLOUD_SECRET_KEY`, then `~/.tencentcloud/credentials`).\n\n Run: `cargo run -p {} --example {}`; set `TENCENTCLOUD_ENDPOINT` (e.g. `http://127.0.0.1:9000`) to call another endpoint, such as the offline server `tc-mock`, and `TENCENTCLOUD_REGION` to send a region.",
        service.title, options.crate_name, service.module
    );
    let docs = doc.lines().map(|l| quote!(#![doc = #l]));
    quote! {
        #(#docs)*

        use #krate::#module::{models, #trait_name, #client_name};

        #[tokio::main(flavor = "current_thread")]
        async fn main() -> ::std::result::Result<(), ::std::boxed::Box<dyn ::std::error::Error>> {
            let mut builder = #krate::Client::builder();
            if let Ok(endpoint) = ::std::env::var("TENCENTCLOUD_ENDPOINT") {
                builder = builder.endpoint(#krate::runtime::Endpoint::custom(&endpoint)?);
            }
            if let Ok(region) = ::std::env::var("TENCENTCLOUD_REGION") {
                builder = builder.region(region);
            }
            let client = #client_name::new(builder.build()?);
            #call
            Ok(())
        }
    }
}

/// `tests/examples.rs`: every documented example's response decodes into the generated
/// response type and serializes back to the same JSON (an error reply: decodes as the API
/// error with the documented code, known to the action's enum), and its request is built
/// from the generated request type and serializes to the same parameters.
pub(crate) fn tests_rs(api: &Api, options: &Options) -> TokenStream {
    let krate = crate_ident(options);
    let tests = api.services.iter().flat_map(|service| {
        let krate = krate.clone();
        service.actions.iter().flat_map(move |action| {
            let krate = krate.clone();
            action.examples.iter().enumerate().map(move |(i, example)| {
                let module = ident(&service.module);
                let cfg = features::cfg_action(service, action);
                let resp = ident(&action.response_type);
                let name = ident(&format!("{}_{}_example_{}", service.module, action.method, i + 1));
                let response_text = &example.response_text;
                let typed = example.response.to_string();
                let request = request_expr(service, action, &example.request);
                let params = example.request.to_string();
                let compare = match example.method {
                    ExampleMethod::Get => quote!(assert_eq!(query(&built), query(&documented));),
                    ExampleMethod::Post => quote!(assert_eq!(normalize(built), normalize(documented));),
                };
                // A documented error reply decodes as the API error it is, its code one the
                // action's enum knows; a success reply round-trips through the response type.
                let (imports, response) = if example.response.get("Error").is_some() {
                    let err = ident(&action.error_type);
                    let unknown = if action.own_errors.is_empty() {
                        quote!(errors::#err::Unknown(_))
                    } else {
                        let service_err = ident(&service.error_type);
                        quote!(errors::#err::Service(errors::#service_err::Unknown(_)))
                    };
                    let response = quote! {
                        let decoded = ::tc_runtime::decode_response::<models::#resp, errors::#err>(200, text.as_bytes());
                        let ::std::result::Result::Err(::tc_runtime::Error::Api(error)) = decoded else {
                            panic!("documented error reply decodes as an API error: {decoded:?}");
                        };
                        let documented = &documented["Response"];
                        assert_eq!(::tc_runtime::ErrorCode::as_str(&error.code), documented["Error"]["Code"]);
                        assert!(!::std::matches!(error.code, #unknown), "{:?} is a known code", error.code);
                        assert_eq!(error.message, documented["Error"]["Message"]);
                        assert_eq!(error.request_id, documented["RequestId"]);
                    };
                    (quote!(use #krate::#module::{errors, models};), response)
                } else {
                    let response = quote! {
                        let inner = documented["Response"].clone();
                        let decoded: models::#resp = ::serde_json::from_value(inner).expect("documented response decodes");
                        let encoded = ::serde_json::to_value(&decoded).expect("response serializes");
                        // The documented reply with quoted numbers read as their declared type.
                        let expected: ::serde_json::Value = ::serde_json::from_str(#typed).expect("JSON");
                        assert_eq!(normalize(encoded), normalize(expected));
                    };
                    (quote!(use #krate::#module::models;), response)
                };
                quote! {
                    #cfg
                    #[test]
                    fn #name() {
                        #imports
                        let text = #response_text;
                        let documented: ::serde_json::Value = ::serde_json::from_str(text).expect("documented example is JSON");
                        #response

                        let documented: ::serde_json::Value = ::serde_json::from_str(#params).expect("parameters are JSON");
                        let built = ::serde_json::to_value(#request).expect("request serializes");
                        #compare
                    }
                }
            })
        })
    });
    quote! {
        //! Each documented example round-trips through the generated types.
        #![cfg(feature = "serialize")]
        #![allow(clippy::unreadable_literal)]
        // Deprecated actions are tested as much as the others.
        #![allow(deprecated)]

        /// Drops `null` members (absent and null are the same to the API) and compares
        /// numbers by value, so `1` and `1.0` agree.
        fn normalize(value: ::serde_json::Value) -> ::serde_json::Value {
            use ::serde_json::Value;
            match value {
                Value::Object(map) => Value::Object(
                    map.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, normalize(v))).collect(),
                ),
                Value::Array(items) => Value::Array(items.into_iter().map(normalize).collect()),
                Value::Number(n) => n.as_f64().and_then(::serde_json::Number::from_f64).map_or(Value::Number(n), Value::Number),
                other => other,
            }
        }

        /// The parameters as a GET query sends them, sorted: `Filters.0.Name=Source`.
        #[allow(dead_code)]
        fn query(value: &::serde_json::Value) -> ::std::vec::Vec<(::std::string::String, ::std::string::String)> {
            let mut pairs = ::tc_runtime::query::flatten(value);
            pairs.sort();
            pairs
        }

        #(#tests)*
    }
}
