//! Tencent's machine-readable API description, as vendored under `upstream/`: the
//! `tccli-intl-en` package's `api.json` and `examples.json` per service version, and the
//! service's error codes from `tencentcloud-sdk-python-intl-en`'s `errorcodes.py`.
//!
//! [`parse`] turns the three texts into plain data ([`Service`]); [`crate::import`] drafts
//! spec files from it and [`crate::drift`] compares it with the spec. Nothing here reads the
//! disk.

use serde::Deserialize;
use std::collections::BTreeMap;

/// One service version as upstream describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// Host prefix and signing name, e.g. `tcss` (`metadata.serviceShortName`).
    pub name: String,
    /// API version, e.g. `2020-11-01` (`metadata.apiVersion`).
    pub version: String,
    /// Actions by name.
    pub actions: BTreeMap<String, Action>,
    /// Objects (request and response objects, and the data structures) by name.
    pub objects: BTreeMap<String, Object>,
    /// Examples by action name, in upstream order.
    pub examples: BTreeMap<String, Vec<Example>>,
    /// The service's error codes, sorted by code.
    pub errors: Vec<ErrorCode>,
}

/// One action of `api.json`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Action {
    /// Description.
    #[serde(default)]
    pub document: String,
    /// Name of the request object.
    pub input: String,
    /// Title (`name` upstream), e.g. `Obtains the authorization overview information`.
    #[serde(default, rename = "name")]
    pub title: String,
    /// Name of the response object.
    pub output: String,
    /// `online` or `deprecated`.
    #[serde(default)]
    pub status: String,
}

impl Action {
    /// Whether upstream marks the action deprecated.
    pub fn deprecated(&self) -> bool {
        self.status == "deprecated"
    }

    /// Whether the documentation says to call it unsigned (`Authorization` should be SKIP),
    /// as it does for the STS actions a caller uses to get its first credentials.
    pub fn unsigned(&self) -> bool {
        self.document.contains("`Authorization` should be SKIP")
    }
}

/// One object of `api.json`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Object {
    /// Description.
    #[serde(default)]
    pub document: String,
    /// Members in upstream order.
    #[serde(default)]
    pub members: Vec<Member>,
    /// `in`, `out` or `both` for data structures; absent for request/response objects.
    #[serde(default)]
    pub usage: Option<String>,
}

/// Which requiredness of a member a spec field's `required` stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// A request parameter, or a structure only requests use: `required`.
    In,
    /// A response field, or a structure only responses use: `output_required`.
    Out,
    /// A structure both use: `required`, and `output_required` beside it.
    Both,
}

impl Object {
    /// How a data structure is used (`usage`); responses' when upstream does not say.
    pub fn side(&self) -> Side {
        match self.usage.as_deref() {
            Some("in") => Side::In,
            Some("both") => Side::Both,
            _ => Side::Out,
        }
    }
}

/// One member of an object.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Member {
    /// Wire name.
    pub name: String,
    /// `string`, `int`, `bool`, `float`, `list` or `object`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Element or precise type: `string`, `int64`, `uint64`, `bool`, `float`, `date`,
    /// `datetime`, `datetime_iso`, or an object name.
    pub member: String,
    /// Description.
    #[serde(default)]
    pub document: String,
    /// Required in requests.
    #[serde(default)]
    pub required: Option<bool>,
    /// Always present in responses.
    #[serde(default)]
    pub output_required: Option<bool>,
    /// May be `null`.
    #[serde(default)]
    pub value_allowed_null: Option<bool>,
    /// No longer sent or read by the API.
    #[serde(default)]
    pub disabled: Option<bool>,
    /// An example value, as text.
    #[serde(default)]
    pub example: Option<String>,
}

impl Member {
    /// The spec's `required` and, for [`Side::Both`], `output_required` of this member. A
    /// disabled member is never required in responses.
    pub fn requiredness(&self, side: Side) -> (bool, Option<bool>) {
        let input = self.required.unwrap_or(false);
        let output = self.output_required.unwrap_or(false) && !self.disabled.unwrap_or(false);
        match side {
            Side::In => (input, None),
            Side::Out => (output, None),
            Side::Both => (input, Some(output)),
        }
    }

    /// The spec type this member declares (`Array of UInt64`, `Integer`, `AssetFilters`), or
    /// the upstream words when they are outside the vocabulary.
    pub fn spec_type(&self) -> String {
        let scalar = match self.member.as_str() {
            "string" => "String",
            "int64" => "Integer",
            "uint64" => "UInt64",
            "bool" => "Boolean",
            "float" => "Float",
            "date" => "Date",
            "datetime" => "DateTime",
            "datetime_iso" => "Timestamp",
            other => other,
        };
        match self.kind.as_str() {
            "list" => format!("Array of {scalar}"),
            _ => scalar.to_owned(),
        }
    }
}

/// One example of `examples.json`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Example {
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Description (`document`).
    #[serde(default, rename = "document")]
    pub description: String,
    /// The request, in the URL or HTTP form of the pages.
    pub input: String,
    /// The response body.
    pub output: String,
}

/// One service error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorCode {
    /// The code, e.g. `FailedOperation.AgentOffline`.
    pub code: String,
    /// The comment above it in `errorcodes.py`.
    pub description: String,
}

#[derive(Deserialize)]
struct ApiJson {
    actions: BTreeMap<String, Action>,
    objects: BTreeMap<String, Object>,
    metadata: Metadata,
}

#[derive(Deserialize)]
struct Metadata {
    #[serde(rename = "apiVersion")]
    api_version: String,
    #[serde(rename = "serviceShortName")]
    short_name: String,
}

#[derive(Deserialize)]
struct ExamplesJson {
    actions: BTreeMap<String, Vec<Example>>,
}

/// Parses one service from its `api.json`, `examples.json` and `errorcodes.py` texts.
pub fn parse(api_json: &str, examples_json: &str, errorcodes_py: &str) -> Result<Service, String> {
    let api: ApiJson = serde_json::from_str(api_json).map_err(|e| format!("api.json: {e}"))?;
    let examples: ExamplesJson = serde_json::from_str(examples_json).map_err(|e| format!("examples.json: {e}"))?;
    Ok(Service {
        name: api.metadata.short_name,
        version: api.metadata.api_version,
        actions: api.actions,
        objects: api.objects,
        examples: examples.actions,
        errors: parse_error_codes(errorcodes_py),
    })
}

/// Reads `# description` / `NAME = 'Code'` pairs of an `errorcodes.py`; sorted by code.
pub fn parse_error_codes(text: &str) -> Vec<ErrorCode> {
    let mut codes = Vec::new();
    let mut comment: Vec<&str> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(c) = line.strip_prefix('#') {
            comment.push(c.trim());
        } else if let Some((_, value)) = line.split_once('=') {
            let value = value.trim().trim_matches(|c| c == '\'' || c == '"');
            if !value.is_empty() {
                codes.push(ErrorCode { code: value.to_owned(), description: comment.join(" ") });
            }
            comment.clear();
        } else if line.is_empty() {
            comment.clear();
        }
    }
    codes.sort_by(|a, b| a.code.cmp(&b.code));
    codes.dedup_by(|a, b| a.code == b.code);
    codes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_take_the_comment_above() {
        let text = "# -*- coding: utf8 -*-\n# Copyright\n\n\n# The agent is offline.\nFAILEDOPERATION_AGENTOFFLINE = 'FailedOperation.AgentOffline'\n\n# CAM error.\nAUTHFAILURE = 'AuthFailure'\n";
        let codes = parse_error_codes(text);
        assert_eq!(
            codes,
            vec![
                ErrorCode { code: "AuthFailure".into(), description: "CAM error.".into() },
                ErrorCode { code: "FailedOperation.AgentOffline".into(), description: "The agent is offline.".into() },
            ]
        );
    }

    #[test]
    fn member_types() {
        let m = |kind: &str, member: &str| Member {
            name: "X".into(),
            kind: kind.into(),
            member: member.into(),
            document: String::new(),
            required: None,
            output_required: None,
            value_allowed_null: None,
            disabled: None,
            example: None,
        };
        assert_eq!(m("int", "uint64").spec_type(), "UInt64");
        assert_eq!(m("int", "int64").spec_type(), "Integer");
        assert_eq!(m("list", "AssetFilters").spec_type(), "Array of AssetFilters");
        assert_eq!(m("string", "datetime_iso").spec_type(), "Timestamp");
    }
}
