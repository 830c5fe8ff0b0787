//! tc-runtime: what generated clients call: signing, credentials, HTTP, envelope, retries.
