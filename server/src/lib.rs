//! tc-mock: an offline Tencent Cloud API 3.0 server driven by the spec.
