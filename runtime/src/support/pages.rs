//! One Offset/Limit pager for every paged action; each action says where its offset, items
//! and total are ([`Paging`]).

use std::fmt;
use std::future::Future;

use crate::{Error, ErrorCode};

/// How one action pages, for a client `C` (the service trait's implementor).
pub trait Paging<C: ?Sized> {
    /// The request type.
    type Request;
    /// The response type (one page).
    type Response;
    /// The type of the listed items.
    type Item;
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

/// Pages of an action: each call to [`next_page`](Pages::next_page) fetches the page at the
/// current offset and advances it by the number of items received; it stops after an empty
/// page, or once the reported total is reached.
pub struct Pages<'a, C: ?Sized, P: Paging<C>> {
    client: &'a C,
    request: P::Request,
    done: bool,
}

impl<'a, C: ?Sized, P: Paging<C>> Pages<'a, C, P> {
    /// Pages starting at `request`'s offset (0 when unset).
    pub fn new(client: &'a C, request: P::Request) -> Self {
        Self { client, request, done: false }
    }

    /// The request of the next page.
    pub fn request(&self) -> &P::Request {
        &self.request
    }

    /// The next page, or `None` once every page has been returned. After an error the same
    /// page is fetched again on the next call.
    pub async fn next_page(&mut self) -> Option<Result<P::Response, Error<P::Code>>> {
        if self.done {
            return None;
        }
        let page = match P::fetch(self.client, &self.request).await {
            Ok(page) => page,
            Err(error) => return Some(Err(error)),
        };
        let received = i64::try_from(P::received(&page)).unwrap_or(i64::MAX);
        let next = P::offset(&self.request).saturating_add(received);
        P::set_offset(&mut self.request, next);
        if received == 0 {
            self.done = true;
        }
        if let Some(total) = P::total(&page) {
            if next >= total {
                self.done = true;
            }
        }
        Some(Ok(page))
    }

    /// Fetches every remaining page and returns all their items, in order.
    pub async fn collect_items(mut self) -> Result<Vec<P::Item>, Error<P::Code>> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await {
            all.extend(P::items(page?));
        }
        Ok(all)
    }
}

impl<C: ?Sized, P: Paging<C>> fmt::Debug for Pages<'_, C, P>
where
    P::Request: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages").field("request", &self.request).field("done", &self.done).finish_non_exhaustive()
    }
}
