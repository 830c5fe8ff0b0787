//! Documentation text shared by the Rust emitters: escaping spec prose for rustdoc and
//! rendering a field's documented facts (values, nullability, default, bounds).

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Field, Scalar, Type, ValueSet};

/// Escapes prose from the spec so rustdoc renders it literally: square brackets would be
/// intra-doc links, angle brackets HTML tags, and backticks code spans.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '[' | ']' | '*' | '_' | '`' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            _ => out.push(c),
        }
    }
    out
}

/// `#[doc = "..."]` attributes, one per line of `text` (a leading space on each, as `///`
/// comments have). An empty text still yields one attribute so `missing_docs` holds.
pub(crate) fn doc_attrs(text: &str) -> TokenStream {
    let text = if text.trim().is_empty() { "(Not described by the API documentation.)" } else { text };
    let lines = text.lines().map(|l| {
        let line = if l.is_empty() { String::new() } else { format!(" {l}") };
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}

/// The documented type of a field, as the pages write it (`Array of AssetFilters`).
pub(crate) fn spec_type(ty: &Type) -> String {
    match ty {
        Type::Scalar(s) => scalar_name(*s).to_owned(),
        Type::Struct(name) => name.clone(),
        Type::Array(inner) => format!("Array of {}", spec_type(inner)),
    }
}

/// The spec spelling of a scalar.
pub(crate) fn scalar_name(s: Scalar) -> &'static str {
    match s {
        Scalar::String => "String",
        Scalar::Integer => "Integer",
        Scalar::UInteger => "UInt64",
        Scalar::Float => "Float",
        Scalar::Boolean => "Boolean",
        Scalar::Date => "Date",
        Scalar::DateTime => "DateTime",
        Scalar::Timestamp => "Timestamp",
    }
}

/// A JSON literal rendered for docs (`10`, `"LOCAL"`).
pub(crate) fn literal(value: &serde_json::Value) -> String {
    value.to_string()
}

/// The complete rustdoc of a field: description, then each documented fact on its own line.
pub(crate) fn field_doc(field: &Field) -> String {
    let mut doc = escape(field.description.trim());
    let mut facts = Vec::new();
    facts.push(format!("Wire name `{}`, type `{}`.", field.name, spec_type(&field.ty)));
    if field.nullable {
        facts.push("May be `None`: the API documents that this field may return null.".to_owned());
    }
    if let Some(default) = &field.default {
        facts.push(format!("Default: `{}`.", literal(default)));
    }
    if let Some(min) = field.minimum {
        facts.push(format!("Minimum: `{min}`."));
    }
    if let Some(max) = field.maximum {
        facts.push(format!("Maximum: `{max}`."));
    }
    if let Some(values) = &field.values {
        facts.push(values_line(values));
    }
    for filter in &field.filters {
        let mut line = format!("Filter `{}`", filter.name);
        if !filter.description.trim().is_empty() {
            line.push_str(&format!(": {}", escape(filter.description.trim())));
        }
        if let Some(values) = &filter.values {
            line.push_str(&format!(" ({})", values_line(values)));
        }
        line.push('.');
        facts.push(line);
    }
    if !facts.is_empty() {
        if !doc.is_empty() {
            doc.push_str("\n\n");
        }
        doc.push_str(&facts.join("\n\n"));
    }
    doc
}

/// "Valid values: `A` (what A means), `B`."
pub(crate) fn values_line(values: &ValueSet) -> String {
    let items: Vec<String> = values
        .values
        .iter()
        .map(|v| {
            if v.description.trim().is_empty() {
                format!("`{}`", literal(&v.wire))
            } else {
                format!("`{}` ({})", literal(&v.wire), escape(v.description.trim()))
            }
        })
        .collect();
    format!("Valid values ([`{}`]): {}", values.rust_name, items.join(", "))
}
