//! What generated clients call, built so a crate of hundreds of actions stays cheap to compile
//! (the measurements are in `BENCHMARKS.md`).
//!
//! rustc checks every generic body once per definition and every trait impl once per type, at
//! a cost that grows with the body. So everything generic lives here, once, and each generated
//! action adds only small non-generic code:
//!
//! - [`codec`]: each generated type implements [`codec::Decode`] / [`codec::Encode`] as one
//!   table-driven call; its serde impls are one-line calls to [`codec::deserialize`] /
//!   [`codec::serialize`] (instead of derived visitors, about ten times dearer to check);
//! - [`call`]: the call path as a named future, [`Call`], so proving it `Send` is a look at
//!   two fields instead of an analysis of the async body of [`Client::call`] for every action;
//! - [`ActionFuture`]: what every method of a generated client trait returns, a boxed
//!   [`Call`] (or a mock's future). A trait method returning `impl Future` costs rustc an
//!   opaque type per method whose checks scan the whole trait: quadratic in the number of
//!   actions (a 1,000-method trait took 26 s of `cargo check` that way, 3 s boxed);
//! - [`Pages`] (and its [`Items`]): one pager for every paged action, a `Stream`, driven by the action's [`Paging`] impl
//!   (where the offset, the items and the total are), instead of two async methods per action.

#[doc(no_inline)]
pub use crate::codec;

mod pages;

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{ActionInfo, Client, DecodeError, DecodeErrorKind, Error, ErrorCode, RawCallFuture};

pub use pages::{Items, Pages, Paging};

/// What each method of a generated client trait returns: the action's response, or an
/// [`Error`] carrying the action's error code `C`.
///
/// Boxed, so the trait needs no opaque type per method (see the module doc), and so a mock
/// can return any future: `Box::pin(async move { Ok(response) })`. The generated client's
/// future is a boxed [`Call`]: the pointer on the caller's stack, the few words of `Call`
/// on the heap; one allocation per call, next to the request's own.
pub type ActionFuture<'a, Resp, C> = Pin<Box<dyn Future<Output = Result<Resp, Error<C>>> + Send + 'a>>;

/// The default body of every generated trait method: a test double that implements only the
/// actions its code calls stays complete when some crate enables one more action's feature.
/// Calling an action the implementation left out fails with the common code
/// `UnsupportedOperation` and a message naming the action, never a panic.
pub fn not_implemented<'a, Resp: Send + 'a, C: ErrorCode>(action: &'static ActionInfo) -> ActionFuture<'a, Resp, C> {
    Box::pin(std::future::ready(Err(Error::Api(crate::ApiError {
        code: C::from_code("UnsupportedOperation"),
        message: format!("{} is not implemented by this client (a test double that leaves it out?)", action.name),
        request_id: String::new(),
    }))))
}

/// The future of [`call`]: the boxed non-generic [`Client::call_raw`], then decoding.
#[must_use = "futures do nothing unless awaited"]
pub struct Call<'a, Resp, C> {
    state: State<'a>,
    _out: PhantomData<fn() -> (Resp, C)>,
}

enum State<'a> {
    Sent(RawCallFuture<'a>),
    /// The request did not serialize; taken when polled.
    Failed(Option<DecodeError>),
}

impl<Resp, C> std::fmt::Debug for Call<'_, Resp, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.state {
            State::Sent(_) => "Call(sent)",
            State::Failed(_) => "Call(failed)",
        })
    }
}

impl<Resp: DeserializeOwned, C: ErrorCode> Future for Call<'_, Resp, C> {
    type Output = Result<Resp, Error<C>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.get_mut().state {
            State::Sent(raw) => match raw.as_mut().poll(cx) {
                Poll::Pending => Poll::Pending,
                // The same tail as `Client::call`.
                Poll::Ready(Ok(raw)) => Poll::Ready(raw.decode().map_err(Error::Decode)),
                Poll::Ready(Err(e)) => Poll::Ready(Err(e.map_code(|c| C::from_code(&c.0)))),
            },
            State::Failed(e) => match e.take() {
                Some(e) => Poll::Ready(Err(Error::Decode(e))),
                None => panic!("`Call` polled after completion"),
            },
        }
    }
}

/// [`Client::call`] as a named future: serializes `req` now, then runs
/// [`Client::call_raw`] and decodes `Resp` or maps the error code to `C`.
pub fn call<'a, Req, Resp, C>(client: &'a Client, action: &'static ActionInfo, req: &Req) -> Call<'a, Resp, C>
where
    Req: Serialize + ?Sized,
    Resp: DeserializeOwned,
    C: ErrorCode,
{
    let state = match serde_json::to_vec(req) {
        Ok(body) => State::Sent(client.call_raw(action, body)),
        Err(e) => State::Failed(Some(DecodeError::new(DecodeErrorKind::Request, 0, b"", Some(e)))),
    };
    Call { state, _out: PhantomData }
}
