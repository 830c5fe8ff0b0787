//! The API 3.0 error an answer carries (`Response.Error`): its code and message, made by
//! every check (signature, validation, limits, faults) and written by the handler.

/// An error answer: code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiErr {
    pub(crate) code: String,
    pub(crate) message: String,
}

pub(crate) fn api_err(code: &str, message: impl Into<String>) -> ApiErr {
    ApiErr { code: code.to_owned(), message: message.into() }
}
