//! What a user's code looks like: it takes any implementation of the service trait, so its
//! tests can hand it a double instead of the live client.

use futures_util::TryStreamExt;
use tc_sdk::tcss::{Tcss, models};

/// The ids of every automatic licensing task in a date range, across all pages.
pub async fn task_ids(
    tcss: &impl Tcss,
    from: &str,
    to: &str,
) -> Result<Vec<i64>, tc_sdk::Error<tc_sdk::tcss::errors::DescribeImageAutoAuthorizedTaskListErrorCode>> {
    let request = models::DescribeImageAutoAuthorizedTaskListRequest::new(from, to).with_limit(2);
    tcss.describe_image_auto_authorized_task_list_pages(request).items().map_ok(|task| task.task_id).try_collect().await
}

/// How many licensing tasks failed, from one page: a function of a response, unit-tested
/// with responses built by hand.
pub fn failed(page: &models::DescribeImageAutoAuthorizedTaskListResponse) -> i64 {
    page.list.iter().map(|task| task.fail_count).sum()
}

/// The README's Rust snippets, compiled as doc tests of this crate (it has what a user has:
/// tc-sdk with every feature, futures-util, serde_json, and tc-mock for tests).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
