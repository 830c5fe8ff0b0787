//! The pager on its own, over a scripted double of a paged action: it advances the offset,
//! stops at the total or an empty page, ends after an error (issue 15: it used to fetch the
//! same failing page forever), and is a `Stream` of pages and of items.

use std::collections::VecDeque;
use std::sync::Mutex;

use futures_util::StreamExt;
use futures_util::stream::FusedStream;
use tc_runtime::support::{Pages, Paging};
use tc_runtime::{ApiError, Error, RawCode};

/// A request with a `u64` offset, as upstream types `Offset`.
#[derive(Debug, Default)]
struct Request {
    offset: Option<u64>,
}

#[derive(Debug)]
struct Page {
    items: Vec<u32>,
    total: Option<u64>,
}

/// Answers each fetch with the next scripted reply and records the offsets asked for.
#[derive(Default)]
struct Double {
    replies: Mutex<VecDeque<Result<Page, &'static str>>>,
    asked: Mutex<Vec<u64>>,
}

impl Double {
    fn new(replies: Vec<Result<Page, &'static str>>) -> Self {
        Self {
            replies: Mutex::new(replies.into()),
            asked: Mutex::default(),
        }
    }

    fn asked(&self) -> Vec<u64> {
        self.asked.lock().unwrap().clone()
    }
}

fn page(items: std::ops::Range<u32>, total: Option<u64>) -> Result<Page, &'static str> {
    Ok(Page {
        items: items.collect(),
        total,
    })
}

enum Listing {}

impl Paging<Double> for Listing {
    type Request = Request;
    type Response = Page;
    type Item = u32;
    type Code = RawCode;

    async fn fetch<'a>(client: &'a Double, request: &'a Request) -> Result<Page, Error<RawCode>> {
        client
            .asked
            .lock()
            .unwrap()
            .push(request.offset.unwrap_or(0));
        tokio::task::yield_now().await; // a real fetch is pending at least once
        let reply = client
            .replies
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(Err("InternalError.NoMoreScript"));
        reply.map_err(|code| {
            Error::Api(ApiError {
                code: RawCode(code.to_owned()),
                message: "scripted".into(),
                request_id: String::new(),
            })
        })
    }
    fn offset(request: &Request) -> i64 {
        i64::try_from(request.offset.unwrap_or(0)).unwrap_or(i64::MAX)
    }
    fn set_offset(request: &mut Request, offset: i64) {
        request.offset = Some(u64::try_from(offset).unwrap_or(0));
    }
    fn received(page: &Page) -> usize {
        page.items.len()
    }
    fn total(page: &Page) -> Option<i64> {
        page.total.map(|t| i64::try_from(t).unwrap_or(i64::MAX))
    }
    fn items(page: Page) -> Vec<u32> {
        page.items
    }
}

fn pages(double: &Double) -> Pages<'_, Double, Listing> {
    Pages::new(double, Request::default())
}

#[tokio::test]
async fn a_lasting_error_is_yielded_once_and_ends_the_pages() {
    // The README's loop against a persistent `InternalError.MainDBFail` used to turn forever.
    let double = Double::new(vec![
        page(0..2, Some(10)),
        Err("InternalError.MainDBFail"),
        Err("InternalError.MainDBFail"),
    ]);
    let mut pages = pages(&double);
    let mut turns = Vec::new();
    while let Some(page) = pages.next_page().await {
        turns.push(
            page.map(|p| p.items.len())
                .map_err(|e| e.code().map(|c| c.0.clone())),
        );
        assert!(turns.len() <= 3, "the pager did not end: {turns:?}");
    }
    assert_eq!(
        turns,
        vec![Ok(2), Err(Some("InternalError.MainDBFail".to_owned()))]
    );
    assert_eq!(
        double.asked(),
        vec![0, 2],
        "the failed page is asked for once"
    );
    assert!(pages.is_done());
    assert_eq!(
        pages.request().and_then(|r| r.offset),
        Some(2),
        "the failed page's request is kept"
    );
    assert!(pages.next_page().await.is_none(), "and it stays ended");
}

#[tokio::test]
async fn pages_advance_by_what_was_received_and_stop_at_the_total() {
    let double = Double::new(vec![
        page(0..3, Some(7)),
        page(3..6, Some(7)),
        page(6..7, Some(7)),
        page(0..5, None),
    ]);
    let all = pages(&double).collect_items().await.unwrap();
    assert_eq!(all, (0..7).collect::<Vec<_>>());
    assert_eq!(double.asked(), vec![0, 3, 6]);
}

#[tokio::test]
async fn pages_without_a_total_stop_after_an_empty_page() {
    let double = Double::new(vec![page(0..2, None), page(2..3, None), page(0..0, None)]);
    let all = pages(&double).collect_items().await.unwrap();
    assert_eq!(all, vec![0, 1, 2]);
    assert_eq!(double.asked(), vec![0, 2, 3]);
}

#[tokio::test]
async fn pages_are_a_fused_stream() {
    let double = Double::new(vec![page(0..2, Some(4)), page(2..4, Some(4))]);
    let mut stream = pages(&double);
    let sizes: Vec<usize> = stream
        .by_ref()
        .map(|p| p.unwrap().items.len())
        .collect()
        .await;
    assert_eq!(sizes, vec![2, 2]);
    assert!(stream.is_terminated());
    assert!(stream.next().await.is_none());
}

#[tokio::test]
async fn items_are_a_stream_across_pages() {
    let double = Double::new(vec![
        page(0..2, Some(5)),
        page(2..4, Some(5)),
        page(4..5, Some(5)),
    ]);
    let items: Vec<u32> = pages(&double).items().map(Result::unwrap).collect().await;
    assert_eq!(items, vec![0, 1, 2, 3, 4]);
    let double = Double::new(vec![page(0..3, Some(5)), page(3..5, Some(5))]);
    let mut items = pages(&double).items();
    let mut seen = Vec::new();
    while let Some(item) = items.next_item().await {
        seen.push(item.unwrap());
    }
    assert_eq!(seen, vec![0, 1, 2, 3, 4]);
}

#[tokio::test]
async fn items_end_after_an_error_with_the_items_before_it() {
    let double = Double::new(vec![page(0..2, Some(9)), Err("InternalError.MainDBFail")]);
    let got: Vec<Result<u32, String>> = pages(&double)
        .items()
        .map(|i| i.map_err(|e| e.code().unwrap().0.clone()))
        .collect()
        .await;
    assert_eq!(
        got,
        vec![Ok(0), Ok(1), Err("InternalError.MainDBFail".to_owned())]
    );
    assert_eq!(double.asked(), vec![0, 2]);
}

#[tokio::test]
async fn an_offset_past_i64_does_not_wrap() {
    let double = Double::new(vec![page(0..1, None), page(0..0, None)]);
    let mut pages = Pages::<Double, Listing>::new(
        &double,
        Request {
            offset: Some(u64::MAX),
        },
    );
    assert!(pages.next_page().await.unwrap().is_ok());
    assert_eq!(double.asked(), vec![u64::MAX]);
    assert_eq!(
        pages.request().unwrap().offset,
        Some(i64::MAX as u64),
        "saturates, never wraps to 0"
    );
}

#[test]
fn pages_and_items_are_send() {
    fn send<T: Send>(_: &T) {}
    let double = Double::default();
    let pages = pages(&double);
    send(&pages);
    send(&pages.items());
}
