//! One Offset/Limit pager for every paged action; each action says where its offset, items
//! and total are ([`Paging`]).
//!
//! [`Pages`] is a [`Stream`] of pages and [`Items`] a [`Stream`] of the listed items (use them
//! with `futures::StreamExt`), or drive them with [`Pages::next_page`] and
//! [`Pages::collect_items`] without any stream library. Both end after the last page, and
//! both end after an error: the client's retries have already had their go at it, so a pager
//! yields the error once instead of asking for the same failing page forever.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::{FusedStream, Stream};

use crate::{Error, ErrorCode};

/// How one action pages, for a client `C` (the service trait's implementor).
pub trait Paging<C: ?Sized> {
    /// The request type.
    type Request: Send + 'static;
    /// The response type (one page).
    type Response: Send + 'static;
    /// The type of the listed items.
    type Item: Send + 'static;
    /// The action's error code.
    type Code: ErrorCode;

    /// Calls the action.
    fn fetch<'a>(
        client: &'a C,
        request: &'a Self::Request,
    ) -> impl Future<Output = Result<Self::Response, Error<Self::Code>>> + Send + 'a;
    /// The request's offset (0 when unset).
    fn offset(request: &Self::Request) -> i64;
    /// Sets the request's offset.
    fn set_offset(request: &mut Self::Request, offset: i64);
    /// How many items the page holds.
    fn received(page: &Self::Response) -> usize;
    /// The total the page reports, if any.
    fn total(page: &Self::Response) -> Option<i64>;
    /// The page's items.
    fn items(page: Self::Response) -> Vec<Self::Item>;
}

/// What a page's fetch gives back: the request (moved into the fetch, so the fetch can
/// borrow it) and the page or the error.
type Fetched<C, P> = (
    <P as Paging<C>>::Request,
    Result<<P as Paging<C>>::Response, Error<<P as Paging<C>>::Code>>,
);

/// What a pager yields: a page, or the error that ends the pages.
type PageResult<C, P> = Result<<P as Paging<C>>::Response, Error<<P as Paging<C>>::Code>>;

/// What an item stream yields.
type ItemResult<C, P> = Result<<P as Paging<C>>::Item, Error<<P as Paging<C>>::Code>>;

/// A page being fetched.
type InFlight<'a, C, P> = Pin<Box<dyn Future<Output = Fetched<C, P>> + Send + 'a>>;

/// Pages of an action, a [`Stream`] of `Result<page, error>`.
///
/// Each page is fetched at the current offset, which then advances by the number of items
/// received. The stream ends after an empty page, once the reported total is reached, or
/// after yielding an error (retries, by the client's policy, happen inside each fetch).
#[must_use = "streams do nothing unless polled"]
pub struct Pages<'a, C: ?Sized, P: Paging<C>> {
    client: &'a C,
    /// The next page's request; `None` while that page is in flight.
    request: Option<P::Request>,
    in_flight: Option<InFlight<'a, C, P>>,
    done: bool,
}

// No field is pinned structurally: the only future is boxed.
impl<C: ?Sized, P: Paging<C>> Unpin for Pages<'_, C, P> {}

impl<'a, C: ?Sized + Sync, P: Paging<C>> Pages<'a, C, P> {
    /// Pages starting at `request`'s offset (0 when unset).
    pub fn new(client: &'a C, request: P::Request) -> Self {
        Self {
            client,
            request: Some(request),
            in_flight: None,
            done: false,
        }
    }

    /// The request of the next page (`None` while a page is being fetched).
    pub fn request(&self) -> Option<&P::Request> {
        self.request.as_ref()
    }

    /// Whether every page has been returned (or an error ended the pages).
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The next page, or `None` once every page has been returned or an error was.
    pub async fn next_page(&mut self) -> Option<Result<P::Response, Error<P::Code>>> {
        std::future::poll_fn(|cx| self.poll_page(cx)).await
    }

    /// Fetches every remaining page and returns all their items, in order; the first error
    /// ends it.
    pub async fn collect_items(mut self) -> Result<Vec<P::Item>, Error<P::Code>> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await {
            all.extend(P::items(page?));
        }
        Ok(all)
    }

    /// The items of every remaining page, one by one: a [`Stream`] of `Result<item, error>`.
    pub fn items(self) -> Items<'a, C, P> {
        Items {
            pages: self,
            buffered: Vec::new().into_iter(),
        }
    }

    fn poll_page(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<PageResult<C, P>>> {
        if self.done {
            return Poll::Ready(None);
        }
        let in_flight = match &mut self.in_flight {
            Some(in_flight) => in_flight,
            None => {
                let Some(request) = self.request.take() else {
                    self.done = true;
                    return Poll::Ready(None);
                };
                let client = self.client;
                self.in_flight.insert(Box::pin(async move {
                    let result = P::fetch(client, &request).await;
                    (request, result)
                }))
            }
        };
        let (mut request, result) = ready!(in_flight.as_mut().poll(cx));
        self.in_flight = None;
        let page = match result {
            Ok(page) => page,
            Err(error) => {
                self.request = Some(request);
                self.done = true;
                return Poll::Ready(Some(Err(error)));
            }
        };
        let received = i64::try_from(P::received(&page)).unwrap_or(i64::MAX);
        let next = P::offset(&request).saturating_add(received);
        P::set_offset(&mut request, next);
        self.request = Some(request);
        if received == 0 || P::total(&page).is_some_and(|total| next >= total) {
            self.done = true;
        }
        Poll::Ready(Some(Ok(page)))
    }
}

impl<C: ?Sized + Sync, P: Paging<C>> Stream for Pages<'_, C, P> {
    type Item = Result<P::Response, Error<P::Code>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_page(cx)
    }
}

impl<C: ?Sized + Sync, P: Paging<C>> FusedStream for Pages<'_, C, P> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl<C: ?Sized, P: Paging<C>> fmt::Debug for Pages<'_, C, P>
where
    P::Request: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("request", &self.request)
            .field("in_flight", &self.in_flight.is_some())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// The items of an action's pages, a [`Stream`] of `Result<item, error>`, from
/// [`Pages::items`]: it ends after the last item, or after yielding an error.
#[must_use = "streams do nothing unless polled"]
pub struct Items<'a, C: ?Sized, P: Paging<C>> {
    pages: Pages<'a, C, P>,
    buffered: std::vec::IntoIter<P::Item>,
}

impl<C: ?Sized, P: Paging<C>> Unpin for Items<'_, C, P> {}

impl<C: ?Sized + Sync, P: Paging<C>> Items<'_, C, P> {
    /// The next item, or `None` once every item has been returned or an error was.
    pub async fn next_item(&mut self) -> Option<Result<P::Item, Error<P::Code>>> {
        std::future::poll_fn(|cx| self.poll_item(cx)).await
    }

    fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<ItemResult<C, P>>> {
        loop {
            if let Some(item) = self.buffered.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            match ready!(self.pages.poll_page(cx)) {
                Some(Ok(page)) => self.buffered = P::items(page).into_iter(),
                Some(Err(error)) => return Poll::Ready(Some(Err(error))),
                None => return Poll::Ready(None),
            }
        }
    }
}

impl<C: ?Sized + Sync, P: Paging<C>> Stream for Items<'_, C, P> {
    type Item = Result<P::Item, Error<P::Code>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_item(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let buffered = self.buffered.len();
        (
            buffered,
            if self.pages.done {
                Some(buffered)
            } else {
                None
            },
        )
    }
}

impl<C: ?Sized + Sync, P: Paging<C>> FusedStream for Items<'_, C, P> {
    fn is_terminated(&self) -> bool {
        self.pages.done && self.buffered.len() == 0
    }
}

impl<C: ?Sized, P: Paging<C>> fmt::Debug for Items<'_, C, P>
where
    P::Request: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items")
            .field("pages", &self.pages)
            .field("buffered", &self.buffered.len())
            .finish_non_exhaustive()
    }
}
