//! Field checks: names (wire and Rust, collisions), types resolved against the service's
//! structures, defaults and bounds, value sets (open enums, shared by name) and filters.

use super::{Checker, SCALAR_NAMES, ServiceCx, Side, Tolerated, parse_type, scalar_name, type_name};
use crate::ir;
use crate::names::{self, Unique};
use crate::spec::{FieldSpec, ValueSpec};
use serde_json::Value;
use std::collections::BTreeMap;

impl Checker {

    /// Checks a field list. Fields whose name or type is wrong are left out of the result
    /// and returned as tolerated names.
    pub(super) fn fields(
        &mut self,
        file: &str,
        fields: &[FieldSpec],
        owner: &str,
        side: Side,
        cx: &mut ServiceCx<'_>,
    ) -> (Vec<ir::Field>, Tolerated) {
        let mut out = Vec::new();
        let mut tolerated = Tolerated::default();
        let mut wire: BTreeMap<&str, &str> = BTreeMap::new();
        let mut rust = Unique::new_snake();
        for f in fields {
            let name_path = format!("{}.name", f.path);
            if f.name.is_empty() {
                continue; // reported by the loader
            }
            if let Some(first) = wire.get(f.name.as_str()) {
                self.err(file, &name_path, format!("duplicate field `{}` (first at {first})", f.name));
                continue;
            }
            wire.insert(&f.name, &f.path);
            if side == Side::Response && f.name == "RequestId" {
                self.err_help(
                    file,
                    &name_path,
                    "`RequestId` is part of every response and is not declared",
                    "remove this field",
                );
            }
            let base = match names::snake(&f.name) {
                Ok(n) => n,
                Err(e) => {
                    self.err(file, &name_path, format!("field name `{}` cannot become a Rust identifier: {e}", f.name));
                    tolerated.names.insert(f.name.clone());
                    continue;
                }
            };
            let rust_name = rust.unique(&base);
            let ty = self.field_type(file, f, cx);
            if ty.is_none() {
                tolerated.names.insert(f.name.clone());
            }
            // A disabled member is no longer sent, so it is never required in responses.
            let required = f.required.unwrap_or(side != Side::Request) && !(f.disabled && side == Side::Response);
            let output_required = match f.output_required {
                Some(_) if side != Side::Structure => {
                    self.err_help(
                        file,
                        &format!("{}.output_required", f.path),
                        "`output_required` is for fields of structures",
                        "a request parameter or response field has `required` alone",
                    );
                    required
                }
                Some(o) => o,
                None => required,
            } && !f.disabled;
            self.bounds_and_default(file, f, ty.as_ref(), side, required);
            let values = self.value_set(file, f, ty.as_ref(), owner, cx);
            let filters = self.filters(file, f, ty.as_ref(), owner, cx);
            let Some(ty) = ty else { continue };
            out.push(ir::Field {
                name: f.name.clone(),
                rust_name,
                ty,
                required,
                output_required,
                disabled: f.disabled,
                deprecated: f.deprecated,
                example: f.example.clone(),
                nullable: f.nullable,
                description: f.description.clone(),
                default: f.default.clone(),
                minimum: f.minimum,
                maximum: f.maximum,
                values,
                filters,
                notes: f.notes.clone(),
            });
        }
        (out, tolerated)
    }

    /// Parses and resolves the field's type; `None` when it is wrong (already reported).
    pub(super) fn field_type(&mut self, file: &str, f: &FieldSpec, cx: &ServiceCx<'_>) -> Option<ir::Type> {
        let path = format!("{}.type", f.path);
        if f.ty.trim().is_empty() {
            return None; // reported by the loader
        }
        let ty = match parse_type(&f.ty) {
            Ok(t) => t,
            Err(e) => {
                self.err(file, &path, e);
                return None;
            }
        };
        let named = match &ty {
            ir::Type::Struct(n) => Some(n),
            ir::Type::Array(inner) => match inner.as_ref() {
                ir::Type::Struct(n) => Some(n),
                _ => None,
            },
            ir::Type::Scalar(_) => None,
        };
        if let Some(n) = named
            && !cx.structures.contains_key(n)
        {
            if cx.broken.contains(n.as_str()) {
                return None; // its file failed to parse; that error is enough
            }
            let candidates = SCALAR_NAMES.iter().copied().chain(cx.structures.keys().map(String::as_str));
            let msg = format!("unknown type `{n}`");
            match names::did_you_mean(n, candidates) {
                Some(s) => self.err_help(file, &path, msg, format!("did you mean `{s}`?")),
                None => self.err_help(
                    file,
                    &path,
                    msg,
                    format!("define it in `{}/structures/{n}.yaml`, or use a scalar type", cx.name),
                ),
            }
            return None;
        }
        Some(ty)
    }

    pub(super) fn bounds_and_default(&mut self, file: &str, f: &FieldSpec, ty: Option<&ir::Type>, side: Side, required: bool) {
        let Some(ty) = ty else { return };
        if f.minimum.is_some() || f.maximum.is_some() {
            let key = if f.minimum.is_some() { "minimum" } else { "maximum" };
            let path = format!("{}.{key}", f.path);
            let lengths = matches!(ty, ir::Type::Array(_) | ir::Type::Scalar(ir::Scalar::String));
            let numeric = matches!(ty, ir::Type::Scalar(ir::Scalar::Integer | ir::Scalar::UInteger | ir::Scalar::Float));
            if !lengths && !numeric {
                self.err(
                    file,
                    &path,
                    format!("`{key}` applies to numbers (bounds) and to strings and arrays (lengths), not to `{}`", type_name(ty)),
                );
            } else {
                let unsigned = lengths || matches!(ty, ir::Type::Scalar(ir::Scalar::UInteger));
                for (k, v) in [("minimum", f.minimum), ("maximum", f.maximum)] {
                    if let Some(v) = v
                        && unsigned
                        && v < 0
                    {
                        self.err(file, &format!("{}.{k}", f.path), format!("`{k}` of `{}` cannot be negative ({v})", type_name(ty)));
                    }
                }
                if let (Some(lo), Some(hi)) = (f.minimum, f.maximum)
                    && lo > hi
                {
                    self.err(file, &format!("{}.minimum", f.path), format!("minimum {lo} is greater than maximum {hi}"));
                }
            }
        }
        let Some(default) = &f.default else { return };
        let path = format!("{}.default", f.path);
        if required && (side == Side::Request || f.required == Some(true)) {
            self.err_help(
                file,
                &path,
                format!("required parameter `{}` has a default", f.name),
                "a default applies only when the parameter may be left out: drop `required` or `default`",
            );
        }
        let ir::Type::Scalar(s) = ty else {
            self.err(file, &path, format!("a default needs a scalar type, not `{}`", type_name(ty)));
            return;
        };
        let fits = match s {
            ir::Scalar::Integer => default.is_i64(),
            ir::Scalar::UInteger => default.is_u64(),
            ir::Scalar::Float => default.is_number(),
            ir::Scalar::Boolean => default.is_boolean(),
            ir::Scalar::String | ir::Scalar::Date | ir::Scalar::DateTime | ir::Scalar::Timestamp => default.is_string(),
        };
        if !fits {
            self.err(file, &path, format!("default `{default}` does not match the type `{}`", scalar_name(*s)));
            return;
        }
        let measure = match default {
            Value::String(st) => Some(st.chars().count() as f64),
            Value::Number(n) => n.as_f64(),
            _ => None,
        };
        if let Some(m) = measure {
            if let Some(lo) = f.minimum
                && m < lo as f64
            {
                self.err(file, &path, format!("default `{default}` is below the minimum {lo}"));
            }
            if let Some(hi) = f.maximum
                && m > hi as f64
            {
                self.err(file, &path, format!("default `{default}` is above the maximum {hi}"));
            }
        }
        if let Some(values) = &f.values
            && !values.iter().any(|v| v.value == *default)
        {
            self.err(file, &path, format!("default `{default}` is not one of the documented values"));
        }
    }

    /// Checks a `values:` list and names its enum.
    pub(super) fn value_set(&mut self, file: &str, f: &FieldSpec, ty: Option<&ir::Type>, owner: &str, cx: &mut ServiceCx<'_>) -> Option<ir::ValueSet> {
        let Some(values) = &f.values else {
            if f.enum_name.is_some() {
                self.err(file, &format!("{}.enum", f.path), "`enum` names the enum of `values`, but there are none");
            }
            return None;
        };
        let ty = ty?;
        let element = match ty {
            ir::Type::Array(inner) => inner.as_ref(),
            t => t,
        };
        let kind = match element {
            ir::Type::Scalar(ir::Scalar::String) => ir::ValueKind::String,
            ir::Type::Scalar(ir::Scalar::Integer | ir::Scalar::UInteger) => ir::ValueKind::Integer,
            other => {
                self.err(
                    file,
                    &format!("{}.values", f.path),
                    format!("a value set needs a String or Integer field, not `{}`", type_name(other)),
                );
                return None;
            }
        };
        let unsigned = matches!(element, ir::Type::Scalar(ir::Scalar::UInteger));
        let field_camel = names::upper_camel(&f.name).unwrap_or_default();
        let default_name = format!("{owner}{field_camel}");
        let rust_name = self.enum_name(file, &format!("{}.enum", f.path), f.enum_name.as_deref(), &default_name)?;
        let set_values = self.values(file, values, kind, unsigned)?;
        let set = ir::ValueSet { rust_name, kind, values: set_values };
        self.register_enum(file, &format!("{}.values", f.path), set, cx)
    }

    pub(super) fn enum_name(&mut self, file: &str, path: &str, given: Option<&str>, default_name: &str) -> Option<String> {
        match given {
            Some(n) => match names::upper_camel(n) {
                Ok(c) if c == n => Some(c),
                Ok(c) => {
                    self.err_help(file, path, format!("enum name `{n}` is not UpperCamelCase"), format!("write `{c}`"));
                    None
                }
                Err(e) => {
                    self.err(file, path, format!("enum name `{n}` cannot become a Rust identifier: {e}"));
                    None
                }
            },
            None => Some(default_name.to_owned()),
        }
    }

    /// Registers an enum name in the service: a second use is fine only for the same values.
    pub(super) fn register_enum(&mut self, file: &str, path: &str, set: ir::ValueSet, cx: &mut ServiceCx<'_>) -> Option<ir::ValueSet> {
        if let Some(existing) = cx.types.enums.get(&set.rust_name) {
            if *existing != set {
                self.err_help(
                    file,
                    path,
                    format!("enum `{}` is already declared with other values", set.rust_name),
                    "fields share an enum only when their values (wire, name, description) are identical; choose another `enum` name",
                );
                return None;
            }
            return Some(set);
        }
        if let Some(user) = cx.types.used.get(&set.rust_name) {
            self.err_help(
                file,
                path,
                format!("enum name `{}` is already used by {user}", set.rust_name),
                "choose another name with `enum:`",
            );
            return None;
        }
        cx.types.used.insert(set.rust_name.clone(), format!("enum `{}`", set.rust_name));
        cx.types.enums.insert(set.rust_name.clone(), set.clone());
        Some(set)
    }

    pub(super) fn values(&mut self, file: &str, values: &[ValueSpec], kind: ir::ValueKind, unsigned: bool) -> Option<Vec<ir::EnumValue>> {
        let mut out = Vec::new();
        let mut seen_wire: BTreeMap<String, &str> = BTreeMap::new();
        let mut seen_rust: BTreeMap<String, &str> = BTreeMap::new();
        let mut ok = true;
        for v in values {
            let vpath = format!("{}.value", v.path);
            let wire_ok = match (kind, &v.value) {
                (ir::ValueKind::String, Value::String(_)) => true,
                (ir::ValueKind::Integer, Value::Number(n)) => !unsigned || n.is_u64(),
                _ => false,
            };
            if !wire_ok {
                let want = match kind {
                    ir::ValueKind::String => "a string (the field is a String)",
                    ir::ValueKind::Integer if unsigned => "a non-negative integer (the field is a UInt64)",
                    ir::ValueKind::Integer => "an integer (the field is an Integer)",
                };
                self.err(file, &vpath, format!("value `{}` must be {want}", v.value));
                ok = false;
                continue;
            }
            let key = v.value.to_string();
            if let Some(first) = seen_wire.get(&key) {
                self.err(file, &vpath, format!("duplicate value `{}` (first at {first})", v.value));
                ok = false;
                continue;
            }
            seen_wire.insert(key, &v.path);
            let rust_name = match (&v.name, &v.value) {
                (Some(n), _) => match names::upper_camel(n) {
                    Ok(c) if c == *n => c,
                    Ok(c) => {
                        self.err_help(file, &format!("{}.name", v.path), format!("variant name `{n}` is not UpperCamelCase"), format!("write `{c}`"));
                        ok = false;
                        continue;
                    }
                    Err(e) => {
                        self.err(file, &format!("{}.name", v.path), format!("variant name `{n}` cannot become a Rust identifier: {e}"));
                        ok = false;
                        continue;
                    }
                },
                (None, Value::Number(n)) => {
                    self.err_help(
                        file,
                        &v.path,
                        format!("integer value {n} has no `name`"),
                        "integer values need a Rust variant name, e.g. `{value: 3, name: ProEffective}`",
                    );
                    ok = false;
                    continue;
                }
                (None, value) => {
                    let s = value.as_str().unwrap_or_default();
                    match names::upper_camel(s) {
                        Ok(c) => c,
                        Err(e) => {
                            self.err_help(
                                file,
                                &vpath,
                                format!("value `{s}` cannot become a Rust variant name: {e}"),
                                "give it a `name`",
                            );
                            ok = false;
                            continue;
                        }
                    }
                }
            };
            if rust_name == "Unknown" {
                self.err_help(file, &v.path, "variant name `Unknown` is reserved for undocumented values", "give it another `name`");
                ok = false;
                continue;
            }
            if let Some(first) = seen_rust.get(&rust_name) {
                self.err_help(
                    file,
                    &v.path,
                    format!("values at {first} and here both become the Rust variant `{rust_name}`"),
                    "give one of them a `name`",
                );
                ok = false;
                continue;
            }
            seen_rust.insert(rust_name.clone(), &v.path);
            out.push(ir::EnumValue { wire: v.value.clone(), rust_name, description: v.description.clone() });
        }
        ok.then_some(out)
    }

    pub(super) fn filters(&mut self, file: &str, f: &FieldSpec, ty: Option<&ir::Type>, owner: &str, cx: &mut ServiceCx<'_>) -> Vec<ir::Filter> {
        if f.filters.is_empty() {
            return Vec::new();
        }
        let path = format!("{}.filters", f.path);
        let Some(ty) = ty else { return Vec::new() };
        let ir::Type::Array(inner) = ty else {
            self.err(file, &path, format!("`filters` belong to an `Array of <filter structure>`, not `{}`", type_name(ty)));
            return Vec::new();
        };
        let ir::Type::Struct(sname) = inner.as_ref() else {
            self.err(file, &path, format!("`filters` belong to an `Array of <filter structure>`, not `{}`", type_name(ty)));
            return Vec::new();
        };
        if let Some(st) = cx.structures.get(sname) {
            let has = |n: &str, t: &str| st.fields.iter().any(|x| x.name == n && x.ty.trim() == t);
            if !(has("Name", "String") && has("Values", "Array of String")) {
                self.err(
                    file,
                    &path,
                    format!("`{sname}` is not a filter structure (it needs `Name: String` and `Values: Array of String`)"),
                );
            }
        }
        let field_camel = names::upper_camel(&f.name).unwrap_or_default();
        let mut out = Vec::new();
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for flt in &f.filters {
            let npath = format!("{}.name", flt.path);
            if flt.name.is_empty() {
                continue; // reported by the loader
            }
            if let Some(first) = seen.get(flt.name.as_str()) {
                self.err(file, &npath, format!("duplicate filter `{}` (first at {first})", flt.name));
                continue;
            }
            seen.insert(&flt.name, &flt.path);
            let filter_camel = match names::upper_camel(&flt.name) {
                Ok(c) => c,
                Err(e) => {
                    self.err(file, &npath, format!("filter name `{}` cannot become a Rust identifier: {e}", flt.name));
                    continue;
                }
            };
            let values = match &flt.values {
                None => {
                    if flt.enum_name.is_some() {
                        self.err(file, &format!("{}.enum", flt.path), "`enum` names the enum of `values`, but there are none");
                    }
                    None
                }
                Some(vs) => {
                    let default_name = format!("{owner}{field_camel}{filter_camel}");
                    let name = self.enum_name(file, &format!("{}.enum", flt.path), flt.enum_name.as_deref(), &default_name);
                    let set_values = self.values(file, vs, ir::ValueKind::String, false);
                    match (name, set_values) {
                        (Some(rust_name), Some(values)) => self.register_enum(
                            file,
                            &format!("{}.values", flt.path),
                            ir::ValueSet { rust_name, kind: ir::ValueKind::String, values },
                            cx,
                        ),
                        _ => None,
                    }
                }
            };
            out.push(ir::Filter { name: flt.name.clone(), description: flt.description.clone(), values });
        }
        out
    }
}
