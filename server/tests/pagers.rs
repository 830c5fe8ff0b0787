//! Pagers of the generated client against the offline server (issue 15): the README's loop
//! ends after a lasting error instead of asking for the failing page forever, and pages and
//! items are `Stream`s usable with `StreamExt`.

mod support;

use futures_util::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use support::client;
use tc_mock::MockServer;
use tc_runtime::{ErrorCode, Method};
use tc_sdk::tcss::{Tcss, TcssClient, models as tm};

const ACTION: &str = "DescribeImageAutoAuthorizedTaskList";

fn tasks(n: i64) -> Vec<Value> {
    (0..n)
        .map(|i| {
            json!({"TaskId": i, "Type": "AUTO", "AuthorizedDate": "2022-01-01", "Source": "LOCAL",
                   "LastAuthorizedTime": "2022-01-01 00:00:00", "SuccessCount": i, "FailCount": 0,
                   "LatestFailCode": ""})
        })
        .collect()
}

fn request() -> tm::DescribeImageAutoAuthorizedTaskListRequest {
    tm::DescribeImageAutoAuthorizedTaskListRequest::new("2022-01-01", "2022-01-31").with_limit(10)
}

#[tokio::test]
async fn the_readme_loop_ends_after_a_lasting_error() {
    let server = MockServer::start().await.unwrap();
    server.fail_with(
        ACTION,
        "InternalError.MainDBFail",
        "the database is down (injected)",
    );
    let tcss = TcssClient::new(client(&server, Method::Post));
    let mut pages = tcss.describe_image_auto_authorized_task_list_pages(request());
    let mut errors = Vec::new();
    let mut turns = 0;
    while let Some(page) = pages.next_page().await {
        turns += 1;
        assert!(turns <= 3, "the pager keeps fetching the failing page");
        match page {
            Ok(page) => panic!("unexpected page {page:?}"),
            Err(e) => errors.push(e.code().map(|c| c.as_str().to_owned())),
        }
    }
    assert_eq!(errors, vec![Some("InternalError.MainDBFail".to_owned())]);
    // InternalError.* is not retried (it may not be transient), so one request in all.
    assert_eq!(server.requests_for(ACTION).len(), 1);
}

#[tokio::test]
async fn items_are_a_stream_across_pages() {
    let server = MockServer::start().await.unwrap();
    server.set_items(ACTION, tasks(25));
    let tcss = TcssClient::new(client(&server, Method::Get));
    let ids: Vec<i64> = tcss
        .describe_image_auto_authorized_task_list_pages(request())
        .items()
        .map_ok(|task| task.task_id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, (0..25).collect::<Vec<_>>());
    assert_eq!(server.requests_for(ACTION).len(), 3, "three pages of ten");

    let first_two: Vec<usize> = tcss
        .describe_image_auto_authorized_task_list_pages(request())
        .take(2)
        .map(|page| page.unwrap().list.len())
        .collect()
        .await;
    assert_eq!(
        first_two,
        vec![10, 10],
        "a stream is lazy: only what is taken is fetched"
    );
    assert_eq!(server.requests_for(ACTION).len(), 5);
}
