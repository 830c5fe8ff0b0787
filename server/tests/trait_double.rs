//! The generated client trait is what users implement to test their own code without a
//! network: a hand-written double returns canned pages and API errors, and the generated
//! pager and the caller's generic code run over it exactly as over the real client.

use std::sync::Mutex;

use serde_json::json;
use tc_sdk::tcss::{DescribeImageAutoAuthorizedTaskListPages, Tcss, errors, models};
use tc_sdk::{ActionFuture, Error, ErrorCode};

/// A TCSS double: serves `TotalCount` tasks in pages and records the offsets it was asked
/// for. It implements only the action the code under test calls: every other method keeps
/// its generated default body (an `UnsupportedOperation` error naming the action), so the
/// double compiles whatever actions other crates enable.
struct Double {
    total: usize,
    offsets: Mutex<Vec<i64>>,
}

impl Tcss for Double {
    fn describe_image_auto_authorized_task_list<'a>(
        &'a self,
        request: &'a models::DescribeImageAutoAuthorizedTaskListRequest,
    ) -> ActionFuture<
        'a,
        models::DescribeImageAutoAuthorizedTaskListResponse,
        errors::DescribeImageAutoAuthorizedTaskListErrorCode,
    > {
        // The future borrows the request and the double: both live as long as the call.
        Box::pin(async move {
            let offset = request.offset.unwrap_or(0);
            self.offsets.lock().unwrap().push(offset);
            let limit = usize::try_from(request.limit.unwrap_or(2)).unwrap();
            let start = usize::try_from(offset).unwrap().min(self.total);
            let end = (start + limit).min(self.total);
            let list: Vec<_> = (start..end)
                .map(|i| {
                    json!({
                        "TaskId": i, "Type": "AUTO", "AuthorizedDate": "2026-11-30", "Source": "LOCAL",
                        "LastAuthorizedTime": "", "SuccessCount": 1, "FailCount": 0, "LatestFailCode": "",
                    })
                })
                .collect();
            let page = json!({ "List": list, "TotalCount": self.total, "RequestId": format!("page-{offset}") });
            Ok(serde_json::from_value(page).expect("a well-formed page"))
        })
    }
}

/// Code under test written against the trait, as a user would.
async fn task_ids(
    api: &impl Tcss,
) -> Result<Vec<i64>, Error<errors::DescribeImageAutoAuthorizedTaskListErrorCode>> {
    let request =
        models::DescribeImageAutoAuthorizedTaskListRequest::new("2026-11-01", "2026-11-30")
            .with_limit(2);
    let tasks = api
        .describe_image_auto_authorized_task_list_pages(request)
        .collect_items()
        .await?;
    Ok(tasks.iter().map(|t| t.task_id).collect())
}

#[tokio::test]
async fn the_pager_walks_a_double_of_the_trait() {
    let double = Double {
        total: 5,
        offsets: Mutex::new(Vec::new()),
    };
    assert_eq!(task_ids(&double).await.unwrap(), vec![0, 1, 2, 3, 4]);
    // Three pages of two, stopping once TotalCount items are in: no fourth request.
    assert_eq!(*double.offsets.lock().unwrap(), vec![0, 2, 4]);

    let mut pages = DescribeImageAutoAuthorizedTaskListPages::new(
        &double,
        models::DescribeImageAutoAuthorizedTaskListRequest::new("a", "b")
            .with_limit(10)
            .with_offset(3),
    );
    let page = pages.next_page().await.unwrap().unwrap();
    assert_eq!((page.list.len(), page.request_id.as_str()), (2, "page-3"));
}

#[tokio::test]
async fn an_action_the_double_leaves_out_is_a_typed_error_naming_it() {
    let double = Double {
        total: 0,
        offsets: Mutex::new(Vec::new()),
    };
    let err = double
        .describe_pro_version_info(&models::DescribeProVersionInfoRequest::new())
        .await
        .unwrap_err();
    let Error::Api(api) = err else {
        panic!("expected an API error, got {err:?}")
    };
    assert_eq!(api.code.as_str(), "UnsupportedOperation");
    assert!(
        api.message.contains("DescribeProVersionInfo"),
        "{}",
        api.message
    );
}
