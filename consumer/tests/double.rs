//! A test double implementing the one action the code calls, with every action of the API
//! enabled; responses and errors built by hand, without JSON.

use std::sync::atomic::{AtomicUsize, Ordering};

use tc_consumer::{failed, task_ids};
use tc_sdk::tcss::errors::DescribeImageAutoAuthorizedTaskListErrorCode;
use tc_sdk::tcss::models::{self, ImageAutoAuthorizedTask, ImageAutoAuthorizedTaskSource, ImageAutoAuthorizedTaskType};
use tc_sdk::tcss::Tcss;
use tc_sdk::tcss::errors::TcssErrorCode;
use tc_sdk::{ActionFuture, ApiError, Error, ErrorCode};

fn task(id: i64, fail_count: i64) -> ImageAutoAuthorizedTask {
    ImageAutoAuthorizedTask {
        task_id: id,
        type_: ImageAutoAuthorizedTaskType::Auto,
        authorized_date: "2022-01-01".into(),
        source: ImageAutoAuthorizedTaskSource::Local,
        last_authorized_time: "2022-01-01 00:00:00".into(),
        success_count: 1,
        fail_count,
        latest_fail_code: "".into(),
    }
}

/// Five tasks, served two per page; fails every call after `fail_after` calls.
struct Double {
    calls: AtomicUsize,
    fail_after: usize,
}

impl Tcss for Double {
    fn describe_image_auto_authorized_task_list<'a>(
        &'a self,
        request: &'a models::DescribeImageAutoAuthorizedTaskListRequest,
    ) -> ActionFuture<'a, models::DescribeImageAutoAuthorizedTaskListResponse, DescribeImageAutoAuthorizedTaskListErrorCode>
    {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        let fail = call >= self.fail_after;
        let offset = request.offset.unwrap_or(0);
        let limit = request.limit.unwrap_or(10);
        Box::pin(async move {
            if fail {
                return Err(Error::Api(ApiError {
                    code: TcssErrorCode::from_code("InternalError.MainDBFail"),
                    message: "down".into(),
                    request_id: "req-1".into(),
                }));
            }
            let list = (offset..(offset + limit).min(5)).map(|id| task(id, id % 2)).collect();
            Ok(models::DescribeImageAutoAuthorizedTaskListResponse { list, total_count: 5, request_id: "req".into() })
        })
    }
}

#[tokio::test]
async fn a_double_of_one_action_streams_items_across_pages() {
    let double = Double { calls: AtomicUsize::new(0), fail_after: usize::MAX };
    assert_eq!(task_ids(&double, "2022-01-01", "2022-01-31").await.unwrap(), vec![0, 1, 2, 3, 4]);
    assert_eq!(double.calls.load(Ordering::SeqCst), 3, "pages of two");
}

#[tokio::test]
async fn an_error_ends_the_stream_and_keeps_its_code() {
    let double = Double { calls: AtomicUsize::new(0), fail_after: 1 };
    let err = task_ids(&double, "2022-01-01", "2022-01-31").await.unwrap_err();
    assert_eq!(err.code().map(ErrorCode::as_str), Some("InternalError.MainDBFail"));
    assert_eq!(double.calls.load(Ordering::SeqCst), 2, "the failing page is asked for once");
}

#[tokio::test]
async fn actions_the_double_leaves_out_fail_typed() {
    let double = Double { calls: AtomicUsize::new(0), fail_after: usize::MAX };
    let err = double.describe_pro_version_info(&models::DescribeProVersionInfoRequest::new()).await.unwrap_err();
    assert_eq!(err.code().map(ErrorCode::as_str), Some("UnsupportedOperation"));
}

#[test]
fn a_built_response_in_a_unit_test() {
    let page = models::DescribeImageAutoAuthorizedTaskListResponse {
        list: vec![task(1, 2), task(2, 0), task(3, 5)],
        total_count: 3,
        request_id: String::new(),
    };
    assert_eq!(failed(&page), 7);
    // `extra-traits`: responses compare and clone.
    assert_eq!(page.clone(), page);
}

#[test]
fn a_built_error_in_a_unit_test() {
    let err: Error<DescribeImageAutoAuthorizedTaskListErrorCode> = Error::Api(ApiError {
        code: TcssErrorCode::InternalErrorMainDbFail,
        message: "Database operation failed.".into(),
        request_id: "r-1".into(),
    });
    assert_eq!(err.request_id(), Some("r-1"));
    assert!(!err.is_caller_fault());
    assert!(err.to_string().contains("InternalError.MainDBFail"), "{err}");
}

#[test]
fn an_untyped_action_is_described_without_a_spec() {
    let action = tc_sdk::UntypedAction::builder("cvm", "2017-03-12", "DescribeInstances").idempotent().build().unwrap();
    assert!(action.info().idempotent);
    assert_eq!(action.info().service.default_host, "cvm.tencentcloudapi.com");
}
