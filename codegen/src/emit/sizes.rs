//! Emits `tests/future_sizes.rs`: the size of the future every client method returns (and
//! of each pager's `next_page` future), printed and checked against a bound.
//!
//! A future lives on the caller's stack, or inside the task that awaits it, for the whole
//! call: a generated method that captured its request by value or inlined the HTTP state
//! machine would cost every caller kilobytes. The runtime boxes the non-generic core, so each
//! method's future is a few words; this test keeps it so. It is a size check, not a timing:
//! the futures are created and dropped, never polled. Run it with `--nocapture` to read the
//! sizes (`future_size <service> <Action> <bytes>` lines; `bench/sizes.sh` collects them).
//! A call's future is boxed ([`tc_runtime::ActionFuture`]): `<Action>` is the pointer the
//! caller holds, `<Action>.boxed` what it points to.

use proc_macro2::TokenStream;
use quote::quote;

use super::examples::{first_example_params, request_expr};
use super::{Options, crate_ident, features, ident};
use crate::ir::Api;

/// The bound every future must stay under, in bytes.
pub(crate) const MAX_FUTURE_BYTES: usize = 4096;

/// `tests/future_sizes.rs`.
pub(crate) fn tests_rs(api: &Api, options: &Options) -> TokenStream {
    let krate = crate_ident(options);
    let tests = api.services.iter().map(|service| {
        let module = ident(&service.module);
        let feature = features::base(service);
        let trait_name = ident(&service.trait_name);
        let client_name = ident(&service.client_name);
        let test = ident(&format!("{}_future_sizes", service.module));
        let line = format!("future_size {} {{}} {{}}", service.name);
        let measures = service.actions.iter().map(|action| {
            let method = ident(&action.method);
            let name = &action.name;
            let boxed = format!("{name}.boxed");
            let request = request_expr(service, action, &first_example_params(action));
            let pager = action.pagination.as_ref().map(|_| {
                let pages = ident(&format!("{}_pages", action.method));
                let label = format!("{name}.next_page");
                quote! {
                    let mut pages = client.#pages(request.clone());
                    sizes.push((#label, ::std::mem::size_of_val(&pages.next_page())));
                }
            });
            let cfg = features::cfg_action(service, action);
            quote! {
                #cfg
                {
                    let request = #request;
                    let call = client.#method(&request);
                    sizes.push((#name, ::std::mem::size_of_val(&call)));
                    sizes.push((#boxed, ::std::mem::size_of_val(&*call)));
                    drop(call);
                    #pager
                }
            }
        });
        quote! {
            #[cfg(feature = #feature)]
            #[test]
            fn #test() {
                #[allow(unused_imports)]
                use #krate::#module::{models, #trait_name, #client_name};
                let runtime = #krate::Client::builder()
                    .credentials(#krate::runtime::Credentials::new("AKIDsizes", "sizes"))
                    .build()
                    .expect("client builds");
                let client = #client_name::new(runtime);
                let _ = &client;
                #[allow(unused_mut)]
                let mut sizes: ::std::vec::Vec<(&str, usize)> = ::std::vec::Vec::new();
                #(#measures)*
                for (action, size) in &sizes {
                    println!(#line, action, size);
                }
                let too_big: ::std::vec::Vec<_> = sizes.iter().filter(|(_, size)| *size >= MAX_FUTURE_BYTES).collect();
                assert!(too_big.is_empty(), "futures of {} bytes or more: {:?}", MAX_FUTURE_BYTES, too_big);
            }
        }
    });
    let max = proc_macro2::Literal::usize_unsuffixed(MAX_FUTURE_BYTES);
    quote! {
        //! The future of every call (and of every pager's `next_page`) stays small: it is held
        //! on the caller's stack for the whole call. Run with `--nocapture` to print the sizes.
        #![allow(clippy::unreadable_literal)]
        #![allow(deprecated)]

        /// The bound, in bytes.
        const MAX_FUTURE_BYTES: usize = #max;

        #(#tests)*
    }
}
