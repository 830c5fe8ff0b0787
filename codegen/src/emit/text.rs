//! Documentation text shared by the Rust emitters: escaping spec prose for rustdoc and
//! rendering a field's documented facts (values, nullability, default, bounds).

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Field, Scalar, Type, ValueSet};

/// Escapes prose from the spec so rustdoc renders it literally: square brackets would be
/// intra-doc links, angle brackets HTML tags, and backticks code spans. The few HTML tags
/// upstream descriptions use for layout (`<p>`, `<br>`, `<li>`, ...) become line breaks or
/// go; any other `<...>` stays visible as text.
pub(crate) fn escape(text: &str) -> String {
    let text = strip_layout_tags(text);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        // A bare URL becomes an autolink (`<https://...>`), unescaped: rustdoc warns on bare
        // URLs, and escaping would change them.
        if (c == 'h') && (text[i..].starts_with("https://") || text[i..].starts_with("http://")) {
            let url = url_at(&text[i..]);
            out.push('<');
            out.push_str(url);
            out.push('>');
            while chars.peek().is_some_and(|(j, _)| *j < i + url.len()) {
                chars.next();
            }
            continue;
        }
        match c {
            '[' | ']' | '*' | '_' | '`' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            // A tab renders unpredictably in rustdoc (and clippy says so).
            '\t' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// The URL at the start of `text`: up to whitespace, a quote, a bracket or an angle bracket,
/// without trailing sentence punctuation.
fn url_at(text: &str) -> &str {
    let end = text.find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '(' | ')' | '[' | ']' | '`')).unwrap_or(text.len());
    text[..end].trim_end_matches(['.', ',', ';', ':', '!', '?'])
}

/// Layout tags of upstream's descriptions: those that end a line, and those that just go.
const BREAK_TAGS: &[&str] = &["p", "br", "li", "ul", "ol", "div", "tr"];
const DROP_TAGS: &[&str] = &["b", "strong", "i", "em", "span", "code", "a", "font", "td", "table", "tbody", "u"];

fn strip_layout_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let Some(end) = tail.find('>') else {
            out.push_str(tail);
            return out;
        };
        let tag = tail[1..end].trim_start_matches('/').trim_end_matches('/');
        let name = tag.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
        if BREAK_TAGS.contains(&name.as_str()) {
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
        } else if !DROP_TAGS.contains(&name.as_str()) {
            out.push_str(&tail[..=end]);
        }
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out.trim_end().to_owned()
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

#[cfg(test)]
mod tests {
    #[test]
    fn layout_tags_become_lines_others_stay_text() {
        assert_eq!(super::escape("<p>Total</p><p>Used</p>"), "Total\nUsed");
        assert_eq!(super::escape("a <b>bold</b> word"), "a bold word");
        assert_eq!(super::escape("x <y> z"), "x &lt;y&gt; z");
        assert_eq!(super::escape("1 < 2"), "1 &lt; 2");
        assert_eq!(super::escape("<a href=\"x\">link</a>"), "link");
        assert_eq!(super::escape("see https://a.b/c_d?x=1#y."), "see <https://a.b/c_d?x=1#y>.");
        assert_eq!(super::escape("[CAM](https://c.t/cam)"), "\\[CAM\\](<https://c.t/cam>)");
    }
}
