//! SCIM PATCH (RFC 7644 §3.5.2) and PUT (§3.5.1) applied to one resource held
//! as SCIM-shaped JSON: a User (`userName`, `name{...}`, `emails[...]`,
//! `active`, extension objects under their URN) or a Group (`displayName`,
//! `members[{value, display}]`).
//!
//! Attributes outside RFC 7643's core and enterprise schemas are kept as
//! sent: directories carry custom attributes, and shape (list, object, value)
//! is taken from the JSON where the schema does not say.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::filter::{parse_patch_path, AttrPath, CompValue, CompareOp, Filter, PatchPath};
use super::op::OpKind;
use super::quirks;

pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE_USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    User,
    Group,
}

impl ResourceKind {
    fn core_schema(self) -> &'static str {
        match self {
            ResourceKind::User => USER_SCHEMA,
            ResourceKind::Group => GROUP_SCHEMA,
        }
    }
}

/// One parsed PATCH operation, with IdP quirks already normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOp {
    pub op: OpKind,
    /// `None` targets the resource itself (add and replace only).
    pub path: Option<PatchPath>,
    /// Present for add and replace; `None` for remove.
    pub value: Option<Value>,
}

/// What a PATCH or PUT changed that the caller must act on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatchEffects {
    /// The resource differs from before (write it, emit `*.updated`).
    pub changed: bool,
    /// Users only: the new `active` when it flipped. A user without `active`
    /// counts as active, as Okta and Entra ID create users with `active: true`
    /// and only ever send `false` to deactivate.
    pub active_changed: Option<bool>,
    /// Groups only: member ids (`members[].value`) now present that were not.
    pub members_added: Vec<String>,
    /// Groups only: member ids no longer present.
    pub members_removed: Vec<String>,
    /// Users only: `emails` changed (re-check the primary email's domain).
    pub emails_changed: bool,
}

/// A PATCH or PUT that cannot be applied. Nothing is changed when any
/// operation fails (RFC 7644 §3.5.2: a PATCH applies whole or not at all).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    #[error("{0}")]
    InvalidSyntax(String),
    #[error("{0}")]
    InvalidPath(String),
    #[error("{0}")]
    NoTarget(String),
    #[error("{0}")]
    InvalidValue(String),
    #[error("{0}")]
    Mutability(String),
}

impl PatchError {
    /// RFC 7644 §3.12 `scimType`; all are HTTP 400.
    pub fn scim_type(&self) -> &'static str {
        match self {
            PatchError::InvalidSyntax(_) => "invalidSyntax",
            PatchError::InvalidPath(_) => "invalidPath",
            PatchError::NoTarget(_) => "noTarget",
            PatchError::InvalidValue(_) => "invalidValue",
            PatchError::Mutability(_) => "mutability",
        }
    }

    fn at_operation(self, index: usize) -> Self {
        let prefix = |detail: String| format!("Operations[{index}]: {detail}");
        match self {
            PatchError::InvalidSyntax(d) => PatchError::InvalidSyntax(prefix(d)),
            PatchError::InvalidPath(d) => PatchError::InvalidPath(prefix(d)),
            PatchError::NoTarget(d) => PatchError::NoTarget(prefix(d)),
            PatchError::InvalidValue(d) => PatchError::InvalidValue(prefix(d)),
            PatchError::Mutability(d) => PatchError::Mutability(prefix(d)),
        }
    }
}

fn syntax(detail: impl Into<String>) -> PatchError {
    PatchError::InvalidSyntax(detail.into())
}

fn invalid_value(detail: impl Into<String>) -> PatchError {
    PatchError::InvalidValue(detail.into())
}

fn invalid_path(detail: impl Into<String>) -> PatchError {
    PatchError::InvalidPath(detail.into())
}

/// Parses a PATCH body: `schemas` must list the PatchOp URN and `Operations`
/// must be a non-empty array. Paths are parsed here, so a bad path fails
/// before anything is applied.
///
/// Errors: `InvalidSyntax` (body shape, unknown `op`), `InvalidPath`,
/// `NoTarget` (remove without path), `InvalidValue` (add/replace without value).
pub fn parse_patch_request(body: &Value) -> Result<Vec<PatchOp>, PatchError> {
    let body = body
        .as_object()
        .ok_or_else(|| syntax("the PATCH body must be a JSON object"))?;
    let declares_patch_op = member(body, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|schemas| {
            schemas
                .iter()
                .any(|schema| schema.as_str().is_some_and(|s| s.eq_ignore_ascii_case(PATCH_OP_SCHEMA)))
        });
    if !declares_patch_op {
        return Err(syntax(format!("schemas must contain {PATCH_OP_SCHEMA}")));
    }
    let operations = member(body, "Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| syntax("Operations must be an array"))?;
    if operations.is_empty() {
        return Err(syntax("Operations must not be empty"));
    }
    let mut ops = Vec::with_capacity(operations.len());
    for (index, raw) in operations.iter().enumerate() {
        parse_operation(raw, &mut ops).map_err(|e| e.at_operation(index))?;
    }
    Ok(ops)
}

fn parse_operation(raw: &Value, ops: &mut Vec<PatchOp>) -> Result<(), PatchError> {
    let raw = raw
        .as_object()
        .ok_or_else(|| syntax("an operation must be an object"))?;
    let name = member(raw, "op")
        .and_then(Value::as_str)
        .ok_or_else(|| syntax("op is missing"))?;
    let op = quirks::op_kind_from_name(name).ok_or_else(|| syntax(format!("unknown op {name:?}")))?;
    let path = match member(raw, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => {
            Some(parse_patch_path(text).map_err(|e| invalid_path(format!("path {text:?}: {e}")))?)
        }
        Some(_) => return Err(invalid_path("path must be a string")),
    };
    let value = member(raw, "value").filter(|v| !v.is_null() || op != OpKind::Remove);
    match (op, path, value) {
        (OpKind::Add | OpKind::Replace, path, Some(value)) => ops.push(PatchOp {
            op,
            path,
            value: Some(value.clone()),
        }),
        (OpKind::Add | OpKind::Replace, _, None) => {
            return Err(invalid_value(format!("{name} needs a value")));
        }
        // RFC 7644 §3.5.2.2: "If "path" is unspecified, the operation fails
        // with HTTP status code 400 and a "scimType" error code of "noTarget"."
        (OpKind::Remove, None, _) => return Err(PatchError::NoTarget("remove needs a path".to_string())),
        (OpKind::Remove, Some(PatchPath::Attribute(path)), Some(value)) => {
            let paths = quirks::remove_by_value_as_paths(&path, value).ok_or_else(|| {
                invalid_value(format!(
                    "remove on {path} takes no value; select entries with a path filter such as {path}[value eq \"id\"]"
                ))
            })?;
            ops.extend(paths.into_iter().map(|path| PatchOp {
                op,
                path: Some(path),
                value: None,
            }));
        }
        // A filtered path already names what to remove; a value beside it adds nothing.
        (OpKind::Remove, Some(path), _) => ops.push(PatchOp {
            op,
            path: Some(path),
            value: None,
        }),
    }
    Ok(())
}

/// Applies `ops` in order to `resource` (a JSON object). On error `resource`
/// is left as it was.
///
/// Errors: `Mutability` (writing `id`, `meta`, a user's `groups`),
/// `NoTarget` (a value filter matched nothing on replace), `InvalidPath`
/// (a sub-attribute or filter on a simple value), `InvalidValue` (wrong type,
/// or a required attribute removed).
pub fn apply_patch(resource: &mut Value, ops: &[PatchOp], kind: ResourceKind) -> Result<PatchEffects, PatchError> {
    let Value::Object(before) = &*resource else {
        return Err(invalid_value("the resource must be a JSON object"));
    };
    let mut after = before.clone();
    for (index, op) in ops.iter().enumerate() {
        apply_operation(&mut after, op, kind).map_err(|e| e.at_operation(index))?;
    }
    validate(&after, kind)?;
    let effects = effects_between(before, &after, kind);
    *resource = Value::Object(after);
    Ok(effects)
}

/// Replaces `resource` with `replacement` (RFC 7644 §3.5.1 PUT), as Okta
/// sends for groups from apps built with its integration wizard. `id`,
/// `meta` and a user's `groups` are read-only: values sent for them are
/// ignored, as §3.5.1 requires, and the stored ones kept.
pub fn apply_put(resource: &mut Value, replacement: &Value, kind: ResourceKind) -> Result<PatchEffects, PatchError> {
    let Value::Object(before) = &*resource else {
        return Err(invalid_value("the resource must be a JSON object"));
    };
    let replacement = replacement
        .as_object()
        .ok_or_else(|| syntax("the PUT body must be a JSON object"))?;
    let mut after = Map::new();
    for (key, value) in before {
        if is_read_only(kind, key) {
            after.insert(key.clone(), value.clone());
        }
    }
    for (key, value) in replacement {
        if is_read_only(kind, key) {
            continue;
        }
        if key.eq_ignore_ascii_case("schemas") {
            after.insert("schemas".to_string(), value.clone());
            continue;
        }
        apply_member(&mut after, OpKind::Replace, key, value, kind)?;
    }
    validate(&after, kind)?;
    let effects = effects_between(before, &after, kind);
    *resource = Value::Object(after);
    Ok(effects)
}

fn apply_operation(root: &mut Map<String, Value>, op: &PatchOp, kind: ResourceKind) -> Result<(), PatchError> {
    match (&op.path, op.op) {
        (None, OpKind::Remove) => Err(PatchError::NoTarget("remove needs a path".to_string())),
        // RFC 7644 §3.5.2.1/§3.5.2.3: without a path the value is an object
        // of attributes to add to or replace on the resource.
        (None, _) => match &op.value {
            Some(Value::Object(attributes)) => {
                for (key, value) in attributes {
                    apply_member(root, op.op, key, value, kind)?;
                }
                Ok(())
            }
            _ => Err(invalid_value(
                "without a path, the value must be an object of attributes",
            )),
        },
        (Some(path), _) => apply_path(root, op.op, path, op.value.as_ref(), kind),
    }
}

/// One attribute of a pathless value (or of a PUT body).
fn apply_member(
    root: &mut Map<String, Value>,
    op: OpKind,
    key: &str,
    value: &Value,
    kind: ResourceKind,
) -> Result<(), PatchError> {
    if names_extension(root, kind, key, Some(value)) {
        return apply_extension_object(root, op, key, Some(value), kind);
    }
    let path = quirks::pathless_key_as_path(key).map_err(|e| invalid_path(format!("attribute {key:?}: {e}")))?;
    apply_path(root, op, &path, Some(value), kind)
}

/// RFC 7644 §3.5.2.1: an extension's attributes arrive as one object under
/// the extension's URN; each is applied as if its path carried the URN.
fn apply_extension_object(
    root: &mut Map<String, Value>,
    op: OpKind,
    urn: &str,
    value: Option<&Value>,
    kind: ResourceKind,
) -> Result<(), PatchError> {
    match (op, value) {
        (OpKind::Remove, _) | (_, Some(Value::Null)) => {
            remove_extension(root, urn);
            Ok(())
        }
        (_, Some(Value::Object(attributes))) => {
            for (key, value) in attributes {
                let path = quirks::pathless_key_as_path(key)
                    .map_err(|e| invalid_path(format!("attribute {key:?} of {urn}: {e}")))?;
                apply_path(root, op, &in_schema(path, urn), Some(value), kind)?;
            }
            Ok(())
        }
        _ => Err(invalid_value(format!("{urn} must be an object"))),
    }
}

fn in_schema(path: PatchPath, urn: &str) -> PatchPath {
    let fill = |mut attr: AttrPath| {
        attr.schema.get_or_insert_with(|| urn.to_string());
        attr
    };
    match path {
        PatchPath::Attribute(attr) => PatchPath::Attribute(fill(attr)),
        PatchPath::Filtered { path, filter, sub_attr } => PatchPath::Filtered {
            path: fill(path),
            filter,
            sub_attr,
        },
    }
}

fn apply_path(
    root: &mut Map<String, Value>,
    op: OpKind,
    path: &PatchPath,
    value: Option<&Value>,
    kind: ResourceKind,
) -> Result<(), PatchError> {
    let attr_path = match path {
        PatchPath::Attribute(attr) => attr,
        PatchPath::Filtered { path, .. } => path,
    };
    // `urn:...:enterprise:2.0:User` parses as schema `urn:...:2.0` plus
    // attribute `User`: a path to the whole extension object.
    if let (PatchPath::Attribute(attr), Some(schema)) = (path, &attr_path.schema) {
        let urn = format!("{schema}:{}", attr.attr);
        if attr.sub_attr.is_none() && names_extension(root, kind, &urn, value) {
            return apply_extension_object(root, op, &urn, value, kind);
        }
    }
    let in_core = attr_path
        .schema
        .as_deref()
        .is_none_or(|schema| schema.eq_ignore_ascii_case(kind.core_schema()));
    if in_core && is_read_only(kind, &attr_path.attr) {
        // RFC 7644 §3.5.2: "a client MUST NOT modify an attribute that has
        // mutability "readOnly"", answered with scimType "mutability".
        let whole_attribute = matches!(path, PatchPath::Attribute(AttrPath { sub_attr: None, .. }));
        let current = member(root, &attr_path.attr);
        return match (whole_attribute, op, value) {
            (true, OpKind::Add | OpKind::Replace, Some(value)) if quirks::read_only_echo_is_noop(current, value) => {
                Ok(())
            }
            _ => Err(PatchError::Mutability(format!("{} is read-only", attr_path.attr))),
        };
    }
    let value = match value {
        Some(value) => Some(normalize_value(kind, in_core, path, value.clone())?),
        None => None,
    };
    let Some(container) = container_mut(root, kind, attr_path.schema.as_deref(), op != OpKind::Remove)? else {
        // Removing from an extension the resource does not have.
        return Ok(());
    };
    match path {
        PatchPath::Attribute(AttrPath {
            attr, sub_attr: None, ..
        }) => set_attribute(container, op, attr, value),
        PatchPath::Attribute(AttrPath {
            attr,
            sub_attr: Some(sub),
            ..
        }) => set_sub_attribute(container, op, attr, sub, value),
        PatchPath::Filtered {
            path: AttrPath { sub_attr: Some(_), .. },
            ..
        } => Err(invalid_path(format!(
            "a value filter applies to an attribute, not to {attr_path}"
        ))),
        PatchPath::Filtered {
            path: AttrPath { attr, .. },
            filter,
            sub_attr,
        } => set_filtered(container, op, attr, filter, sub_attr.as_deref(), value),
    }
}

/// The object holding `schema`'s attributes: the resource for its core schema,
/// else the extension object under the URN, created for add/replace.
fn container_mut<'a>(
    root: &'a mut Map<String, Value>,
    kind: ResourceKind,
    schema: Option<&str>,
    create: bool,
) -> Result<Option<&'a mut Map<String, Value>>, PatchError> {
    let urn = match schema {
        Some(urn) if !urn.eq_ignore_ascii_case(kind.core_schema()) => urn,
        _ => return Ok(Some(root)),
    };
    let key = match existing_key(root, urn) {
        Some(key) => key,
        None if create => {
            let key = canonical_urn(urn);
            declare_schema(root, &key);
            root.insert(key.clone(), Value::Object(Map::new()));
            key
        }
        None => return Ok(None),
    };
    match root.get_mut(&key) {
        Some(Value::Object(extension)) => Ok(Some(extension)),
        _ => Err(invalid_path(format!("{urn} is not an extension object"))),
    }
}

/// RFC 7643 §3: `schemas` lists the extensions a resource carries.
fn declare_schema(root: &mut Map<String, Value>, urn: &str) {
    if let Some(Value::Array(schemas)) = root.get_mut("schemas") {
        let declared = schemas
            .iter()
            .any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)));
        if !declared {
            schemas.push(Value::String(urn.to_string()));
        }
    }
}

fn remove_extension(root: &mut Map<String, Value>, urn: &str) {
    if let Some(key) = existing_key(root, urn) {
        root.remove(&key);
    }
    if let Some(Value::Array(schemas)) = root.get_mut("schemas") {
        schemas.retain(|s| !s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)));
    }
}

/// Is `urn` a schema extension (rather than a URN-prefixed attribute path)?
/// Known extensions, ones the resource already carries or declares, and, for
/// object values, URNs ending in a capitalised resource-type name (`...:User`),
/// since RFC 7643 attribute names start in lower case.
fn names_extension(root: &Map<String, Value>, kind: ResourceKind, urn: &str, value: Option<&Value>) -> bool {
    if !urn.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:")) || urn.eq_ignore_ascii_case(kind.core_schema()) {
        return false;
    }
    let declared = member(root, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|schemas| {
            schemas
                .iter()
                .any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)))
        });
    let resource_type_name = urn
        .rsplit(':')
        .next()
        .and_then(|last| last.chars().next())
        .is_some_and(char::is_uppercase);
    (kind == ResourceKind::User && urn.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA))
        || matches!(member(root, urn), Some(Value::Object(_)))
        || declared
        || (resource_type_name && matches!(value, Some(Value::Object(_))))
}

/// Quirk fixes and RFC 7643 §2.5 null handling for the value about to be written.
fn normalize_value(kind: ResourceKind, in_core: bool, path: &PatchPath, value: Value) -> Result<Value, PatchError> {
    let (attr_path, sub) = match path {
        PatchPath::Attribute(attr) => (attr, attr.sub_attr.as_deref()),
        PatchPath::Filtered { path, sub_attr, .. } => (path, sub_attr.as_deref()),
    };
    let attr = attr_path.attr.as_str();
    let is_active = kind == ResourceKind::User && in_core && attr.eq_ignore_ascii_case("active") && sub.is_none();
    let is_primary = sub.is_some_and(|s| s.eq_ignore_ascii_case("primary"));
    if is_active || is_primary {
        return boolean(attr, value);
    }
    let is_manager = kind == ResourceKind::User
        && attr_path
            .schema
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA))
        && attr.eq_ignore_ascii_case("manager")
        && sub.is_none();
    if is_manager {
        if let Some(manager) = quirks::manager_from_string(&value) {
            return Ok(manager);
        }
    }
    // A filtered value without sub-attribute is merged into the matched
    // entries, where a null still means "unassign this sub-attribute".
    if matches!(path, PatchPath::Filtered { sub_attr: None, .. }) {
        return normalize_entry(value, false);
    }
    if sub.is_none() && (is_multi_valued(attr) || value.is_array()) {
        return match value {
            Value::Array(entries) => Ok(Value::Array(
                entries
                    .into_iter()
                    .map(|entry| normalize_entry(entry, true))
                    .collect::<Result<_, _>>()?,
            )),
            other => normalize_entry(other, true),
        };
    }
    Ok(value)
}

/// An entry of a multi-valued attribute with `primary` made a boolean and,
/// for new entries, unassigned sub-attributes dropped (Entra ID sends
/// `"$ref": null`; RFC 7643 §2.5 makes null and absent the same).
fn normalize_entry(entry: Value, drop_nulls: bool) -> Result<Value, PatchError> {
    let Value::Object(mut fields) = entry else {
        return Ok(entry);
    };
    if drop_nulls {
        fields.retain(|_, v| !v.is_null());
    }
    if let Some(key) = existing_key(&fields, "primary") {
        if let Some(primary) = fields.remove(&key) {
            fields.insert("primary".to_string(), boolean("primary", primary)?);
        }
    }
    Ok(Value::Object(fields))
}

fn boolean(attr: &str, value: Value) -> Result<Value, PatchError> {
    match value {
        Value::Bool(_) | Value::Null => Ok(value),
        Value::String(text) => quirks::boolean_from_string(&text)
            .map(Value::Bool)
            .ok_or_else(|| invalid_value(format!("{attr} must be a boolean, got {text:?}"))),
        other => Err(invalid_value(format!("{attr} must be a boolean, got {other}"))),
    }
}

fn set_attribute(
    container: &mut Map<String, Value>,
    op: OpKind,
    name: &str,
    value: Option<Value>,
) -> Result<(), PatchError> {
    let key = existing_key(container, name).unwrap_or_else(|| canonical_name(name));
    let value = match (op, value) {
        (OpKind::Remove, _) | (_, Some(Value::Null)) => {
            container.remove(&key);
            return Ok(());
        }
        (_, None) => return Err(invalid_value(format!("{name} needs a value"))),
        (_, Some(value)) => value,
    };
    let current = container.remove(&key);
    let multi_valued = is_multi_valued(name) || matches!(current, Some(Value::Array(_))) || value.is_array();
    let updated = if multi_valued {
        // RFC 7644 §3.5.2.1: add appends to a multi-valued attribute;
        // §3.5.2.3: replace without a filter replaces all its values.
        let mut entries = match (op, current) {
            (OpKind::Add, Some(Value::Array(entries))) => entries,
            _ => Vec::new(),
        };
        let incoming = match value {
            Value::Array(incoming) => incoming,
            single => vec![single],
        };
        for entry in incoming {
            add_entry(&mut entries, entry);
        }
        Value::Array(entries)
    } else {
        match (current, value) {
            // RFC 7644 §3.5.2.1/§3.5.2.3: for a complex attribute, sub-attributes
            // not in the value are left unchanged.
            (Some(Value::Object(mut fields)), Value::Object(incoming)) => {
                merge_fields(&mut fields, incoming);
                Value::Object(fields)
            }
            (_, value) => value,
        }
    };
    // RFC 7643 §2.5: an empty array is the same as unassigned.
    if !matches!(&updated, Value::Array(entries) if entries.is_empty()) {
        container.insert(key, updated);
    }
    Ok(())
}

fn set_sub_attribute(
    container: &mut Map<String, Value>,
    op: OpKind,
    name: &str,
    sub: &str,
    value: Option<Value>,
) -> Result<(), PatchError> {
    let key = existing_key(container, name).unwrap_or_else(|| canonical_name(name));
    match container.get_mut(&key) {
        Some(Value::Object(fields)) => set_field(fields, op, sub, value),
        // RFC 7644 §3.5.2: a sub-attribute path into a multi-valued attribute
        // without a filter addresses that sub-attribute of every value.
        Some(Value::Array(entries)) => {
            for entry in entries.iter_mut() {
                let Value::Object(fields) = entry else {
                    return Err(invalid_path(format!("{name} has no sub-attribute {sub}")));
                };
                set_field(fields, op, sub, value.clone())?;
            }
            Ok(())
        }
        Some(_) => Err(invalid_path(format!("{name} has no sub-attribute {sub}"))),
        None => {
            let Some(value) = value.filter(|v| op != OpKind::Remove && !v.is_null()) else {
                return Ok(());
            };
            let mut fields = Map::new();
            fields.insert(canonical_name(sub), value);
            let created = if is_multi_valued(name) {
                Value::Array(vec![Value::Object(fields)])
            } else {
                Value::Object(fields)
            };
            container.insert(key, created);
            Ok(())
        }
    }
}

fn set_field(fields: &mut Map<String, Value>, op: OpKind, name: &str, value: Option<Value>) -> Result<(), PatchError> {
    let key = existing_key(fields, name).unwrap_or_else(|| canonical_name(name));
    match (op, value) {
        (OpKind::Remove, _) | (_, Some(Value::Null)) => {
            fields.remove(&key);
            Ok(())
        }
        (_, Some(value)) => {
            fields.insert(key, value);
            Ok(())
        }
        (_, None) => Err(invalid_value(format!("{name} needs a value"))),
    }
}

fn set_filtered(
    container: &mut Map<String, Value>,
    op: OpKind,
    name: &str,
    filter: &Filter,
    sub: Option<&str>,
    value: Option<Value>,
) -> Result<(), PatchError> {
    let key = existing_key(container, name).unwrap_or_else(|| canonical_name(name));
    let (mut entries, single) = match container.remove(&key) {
        Some(Value::Array(entries)) => (entries, false),
        // Entra ID removes the manager with `manager[value eq "id"]`, a
        // filter on a single-valued complex attribute: treat it as a list of one.
        Some(Value::Object(fields)) => (vec![Value::Object(fields)], true),
        Some(other) => {
            container.insert(key, other);
            return Err(invalid_path(format!("{name} has no values to filter")));
        }
        None => (Vec::new(), false),
    };
    let matched: Vec<usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, entry)| entry_matches(name, entry, filter))
        .map(|(index, _)| index)
        .collect();
    let outcome = if matched.is_empty() {
        add_entry_for_unmatched_filter(&mut entries, op, name, filter, sub, value)
    } else {
        update_matched_entries(&mut entries, &matched, op, sub, value)
    };
    match (entries.len(), single) {
        (0, _) => {}
        (_, true) => {
            if let Some(entry) = entries.pop() {
                container.insert(key, entry);
            }
        }
        (_, false) => {
            container.insert(key, Value::Array(entries));
        }
    }
    outcome
}

fn add_entry_for_unmatched_filter(
    entries: &mut Vec<Value>,
    op: OpKind,
    name: &str,
    filter: &Filter,
    sub: Option<&str>,
    value: Option<Value>,
) -> Result<(), PatchError> {
    if op == OpKind::Remove {
        // Removing what is already gone succeeds: IdPs retry removals.
        return Ok(());
    }
    let no_target = || PatchError::NoTarget(format!("no value of {name} matches the filter"));
    let mut entry = quirks::element_from_equality_filter(filter).ok_or_else(no_target)?;
    match (sub, value) {
        (_, None | Some(Value::Null)) => return Ok(()),
        (Some(sub), Some(value)) => {
            entry.insert(canonical_name(sub), value);
        }
        (None, Some(Value::Object(fields))) => merge_fields(&mut entry, fields),
        (None, Some(_)) => return Err(invalid_value(format!("a value of {name} must be an object"))),
    }
    add_entry(entries, Value::Object(entry));
    Ok(())
}

fn update_matched_entries(
    entries: &mut Vec<Value>,
    matched: &[usize],
    op: OpKind,
    sub: Option<&str>,
    value: Option<Value>,
) -> Result<(), PatchError> {
    if op == OpKind::Remove && sub.is_none() {
        let mut index = 0;
        entries.retain(|_| {
            let keep = !matched.contains(&index);
            index += 1;
            keep
        });
        return Ok(());
    }
    for &index in matched {
        let Some(Value::Object(fields)) = entries.get_mut(index) else {
            return Err(invalid_path("only complex values have sub-attributes".to_string()));
        };
        match (sub, value.clone()) {
            (Some(sub), value) => set_field(fields, op, sub, value)?,
            // RFC 7644 §3.5.2.3 replaces matched values; keeping sub-attributes
            // the value leaves out (such as the `type` the filter matched on)
            // is what IdPs that send `emails[type eq "work"]` expect.
            (None, Some(Value::Object(incoming))) => merge_fields(fields, incoming),
            (None, _) => return Err(invalid_value("a filtered value must be replaced with an object")),
        }
    }
    if let Some(&first) = matched.first() {
        keep_single_primary(entries, first);
    }
    Ok(())
}

/// Appends `entry` unless an equal entry is there (then merges into it).
fn add_entry(entries: &mut Vec<Value>, entry: Value) {
    let index = match entries
        .iter()
        .position(|existing| quirks::same_multi_value_entry(existing, &entry))
    {
        Some(index) => {
            if let (Some(Value::Object(existing)), Value::Object(incoming)) = (entries.get_mut(index), entry) {
                merge_fields(existing, incoming);
            }
            index
        }
        None => {
            entries.push(entry);
            entries.len() - 1
        }
    };
    keep_single_primary(entries, index);
}

/// RFC 7643 §2.4: "primary" may be true for at most one value; RFC 7644
/// §3.5.2 has the server clear it on the others when one is set.
fn keep_single_primary(entries: &mut [Value], chosen: usize) {
    let chosen_is_primary = entries
        .get(chosen)
        .and_then(|entry| member_of(entry, "primary"))
        .and_then(Value::as_bool)
        == Some(true);
    if !chosen_is_primary {
        return;
    }
    for (index, entry) in entries.iter_mut().enumerate() {
        if index == chosen {
            continue;
        }
        if let Value::Object(fields) = entry {
            if let Some(key) = existing_key(fields, "primary") {
                fields.insert(key, Value::Bool(false));
            }
        }
    }
}

/// Sets each incoming field (null unassigns it), matching names without case.
fn merge_fields(fields: &mut Map<String, Value>, incoming: Map<String, Value>) {
    for (name, value) in incoming {
        let key = existing_key(fields, &name).unwrap_or_else(|| canonical_name(&name));
        if value.is_null() {
            fields.remove(&key);
        } else {
            fields.insert(key, value);
        }
    }
}

/// Evaluates a value filter against one value of attribute `parent`.
fn entry_matches(parent: &str, entry: &Value, filter: &Filter) -> bool {
    match filter {
        Filter::And(a, b) => entry_matches(parent, entry, a) && entry_matches(parent, entry, b),
        Filter::Or(a, b) => entry_matches(parent, entry, a) || entry_matches(parent, entry, b),
        Filter::Not(inner) => !entry_matches(parent, entry, inner),
        Filter::Present(path) => lookup(entry, path).is_some_and(|v| match v {
            Value::Null => false,
            Value::String(text) => !text.is_empty(),
            Value::Array(values) => !values.is_empty(),
            _ => true,
        }),
        Filter::Compare { path, op, value } => {
            let case_exact = is_case_exact(parent, &path.attr);
            match lookup(entry, path) {
                Some(Value::Array(values)) => values.iter().any(|v| compare(Some(v), *op, value, case_exact)),
                actual => compare(actual, *op, value, case_exact),
            }
        }
        Filter::ValuePath { path, filter } => match lookup(entry, path) {
            Some(Value::Array(values)) => values.iter().any(|v| entry_matches(&path.attr, v, filter)),
            Some(single) => entry_matches(&path.attr, single, filter),
            None => false,
        },
    }
}

fn lookup<'a>(entry: &'a Value, path: &AttrPath) -> Option<&'a Value> {
    let value = member_of(entry, &path.attr)?;
    match &path.sub_attr {
        Some(sub) => member_of(value, sub),
        None => Some(value),
    }
}

/// RFC 7644 §3.4.2.2 operator semantics on one JSON value.
fn compare(actual: Option<&Value>, op: CompareOp, expected: &CompValue, case_exact: bool) -> bool {
    let actual = actual.filter(|v| !v.is_null());
    let ordering = match (actual, expected) {
        (None, CompValue::Null) => return op == CompareOp::Eq,
        (Some(_), CompValue::Null) => return op == CompareOp::Ne,
        (None, _) => return op == CompareOp::Ne,
        (Some(Value::String(have)), CompValue::String(want)) => {
            let (have, want) = if case_exact {
                (have.clone(), want.clone())
            } else {
                (have.to_lowercase(), want.to_lowercase())
            };
            match op {
                CompareOp::Co => return have.contains(&want),
                CompareOp::Sw => return have.starts_with(&want),
                CompareOp::Ew => return have.ends_with(&want),
                _ => have.cmp(&want),
            }
        }
        (Some(Value::Bool(have)), CompValue::Bool(want)) => match op {
            CompareOp::Eq => return have == want,
            CompareOp::Ne => return have != want,
            _ => return false,
        },
        (Some(Value::Number(have)), CompValue::Number(want)) => match (have.as_f64(), want.as_f64()) {
            (Some(have), Some(want)) => match have.partial_cmp(&want) {
                Some(ordering) => ordering,
                None => return false,
            },
            _ => return false,
        },
        _ => return op == CompareOp::Ne,
    };
    match op {
        CompareOp::Eq => ordering.is_eq(),
        CompareOp::Ne => ordering.is_ne(),
        CompareOp::Gt => ordering.is_gt(),
        CompareOp::Ge => ordering.is_ge(),
        CompareOp::Lt => ordering.is_lt(),
        CompareOp::Le => ordering.is_le(),
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn validate(root: &Map<String, Value>, kind: ResourceKind) -> Result<(), PatchError> {
    // RFC 7643 §4.1.1 (userName) and §4.2 (displayName) are REQUIRED; §3.12
    // "invalidValue: A required value was missing".
    let required = match kind {
        ResourceKind::User => "userName",
        ResourceKind::Group => "displayName",
    };
    match member(root, required) {
        Some(Value::String(text)) if !text.trim().is_empty() => {}
        Some(Value::String(_)) | None => return Err(invalid_value(format!("{required} is required"))),
        Some(_) => return Err(invalid_value(format!("{required} must be a string"))),
    }
    for name in ["externalId", "displayName", "nickName", "title", "userType"] {
        if member(root, name).is_some_and(|v| !v.is_string()) {
            return Err(invalid_value(format!("{name} must be a string")));
        }
    }
    if member(root, "active").is_some_and(|v| !v.is_boolean()) {
        return Err(invalid_value("active must be a boolean"));
    }
    if let Some(emails) = member(root, "emails") {
        let valid = emails.as_array().is_some_and(|entries| {
            entries
                .iter()
                .all(|e| member_of(e, "value").is_some_and(Value::is_string))
        });
        if !valid {
            return Err(invalid_value("emails must be a list of objects with a string value"));
        }
    }
    if kind == ResourceKind::Group {
        if let Some(members) = member(root, "members") {
            let valid = members.as_array().is_some_and(|entries| {
                entries
                    .iter()
                    .all(|e| member_of(e, "value").is_some_and(Value::is_string))
            });
            if !valid {
                return Err(invalid_value(
                    "members must be a list of objects with a string value (the member id)",
                ));
            }
        }
    }
    Ok(())
}

fn effects_between(before: &Map<String, Value>, after: &Map<String, Value>, kind: ResourceKind) -> PatchEffects {
    let mut effects = PatchEffects {
        changed: before != after,
        ..PatchEffects::default()
    };
    match kind {
        ResourceKind::User => {
            let is_active = |map: &Map<String, Value>| member(map, "active").and_then(Value::as_bool).unwrap_or(true);
            let now_active = is_active(after);
            if is_active(before) != now_active {
                effects.active_changed = Some(now_active);
            }
            effects.emails_changed = member(before, "emails") != member(after, "emails");
        }
        ResourceKind::Group => {
            let ids = |map: &Map<String, Value>| -> Vec<String> {
                member(map, "members")
                    .and_then(Value::as_array)
                    .map(|entries| {
                        entries
                            .iter()
                            .filter_map(|e| member_of(e, "value").and_then(Value::as_str))
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let (old, new) = (ids(before), ids(after));
            effects.members_added = missing_from(&new, &old);
            effects.members_removed = missing_from(&old, &new);
        }
    }
    effects
}

/// Ids in `from` (first occurrence, in order) that are not in `other`. Sets,
/// because groups synced from a directory can have tens of thousands of members.
fn missing_from(from: &[String], other: &[String]) -> Vec<String> {
    let other: HashSet<&String> = other.iter().collect();
    let mut seen = HashSet::new();
    from.iter()
        .filter(|id| !other.contains(id) && seen.insert(*id))
        .cloned()
        .collect()
}

// --- RFC 7643 schema facts the PATCH rules depend on -----------------------

/// RFC 7643 §4.1, §4.2, §4.3 and §3.1 attribute and sub-attribute names, to
/// store client spellings (`Value`, `Manager`) canonically.
const KNOWN_NAMES: &[&str] = &[
    "id",
    "externalId",
    "meta",
    "schemas",
    "userName",
    "name",
    "formatted",
    "familyName",
    "givenName",
    "middleName",
    "honorificPrefix",
    "honorificSuffix",
    "displayName",
    "nickName",
    "profileUrl",
    "title",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "active",
    "password",
    "emails",
    "phoneNumbers",
    "ims",
    "photos",
    "addresses",
    "streetAddress",
    "locality",
    "region",
    "postalCode",
    "country",
    "groups",
    "entitlements",
    "roles",
    "x509Certificates",
    "value",
    "display",
    "type",
    "primary",
    "$ref",
    "members",
    "employeeNumber",
    "costCenter",
    "organization",
    "division",
    "department",
    "manager",
    "created",
    "lastModified",
    "location",
    "version",
    "resourceType",
];

const MULTI_VALUED: &[&str] = &[
    "emails",
    "phoneNumbers",
    "ims",
    "photos",
    "addresses",
    "groups",
    "entitlements",
    "roles",
    "x509Certificates",
    "members",
];

fn canonical_name(name: &str) -> String {
    KNOWN_NAMES
        .iter()
        .find(|known| known.eq_ignore_ascii_case(name))
        .map_or_else(|| name.to_string(), |known| known.to_string())
}

fn canonical_urn(urn: &str) -> String {
    [ENTERPRISE_USER_SCHEMA, USER_SCHEMA, GROUP_SCHEMA]
        .iter()
        .find(|known| known.eq_ignore_ascii_case(urn))
        .map_or_else(|| urn.to_string(), |known| known.to_string())
}

fn is_multi_valued(name: &str) -> bool {
    MULTI_VALUED.iter().any(|known| known.eq_ignore_ascii_case(name))
}

/// RFC 7643 §3.1 (`id`, `meta`) and §4.1.2 (a user's `groups`) are readOnly.
fn is_read_only(kind: ResourceKind, name: &str) -> bool {
    name.eq_ignore_ascii_case("id")
        || name.eq_ignore_ascii_case("meta")
        || (kind == ResourceKind::User && name.eq_ignore_ascii_case("groups"))
}

/// RFC 7643: ids and references are caseExact; other strings compare
/// without case in filters.
fn is_case_exact(parent: &str, sub: &str) -> bool {
    let is_reference = parent.eq_ignore_ascii_case("members") || parent.eq_ignore_ascii_case("groups");
    (is_reference && (sub.eq_ignore_ascii_case("value") || sub.eq_ignore_ascii_case("$ref")))
        || sub.eq_ignore_ascii_case("id")
        || sub.eq_ignore_ascii_case("externalId")
}

/// RFC 7643 §2.1: attribute names are case-insensitive.
fn existing_key(map: &Map<String, Value>, name: &str) -> Option<String> {
    if map.contains_key(name) {
        return Some(name.to_string());
    }
    map.keys().find(|key| key.eq_ignore_ascii_case(name)).cloned()
}

fn member<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn member_of<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    value.as_object().and_then(|map| member(map, name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patch(resource: &mut Value, body: Value, kind: ResourceKind) -> Result<PatchEffects, PatchError> {
        let ops = parse_patch_request(&body)?;
        apply_patch(resource, &ops, kind)
    }

    fn user() -> Value {
        json!({
            "schemas": [USER_SCHEMA],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "externalId": "bjensen",
            "userName": "bjensen@example.com",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}
            ],
            "active": true,
            "meta": {"resourceType": "User", "created": "2011-08-01T18:29:49.793Z"}
        })
    }

    fn group(members: &[&str]) -> Value {
        let members: Vec<Value> = members.iter().map(|id| json!({"value": id, "display": id})).collect();
        json!({
            "schemas": [GROUP_SCHEMA],
            "id": "5c0e7d2a-91b4-4e1f-b8a6-3f2d9e6c1a70",
            "displayName": "Site Reliability",
            "members": members,
            "meta": {"resourceType": "Group"}
        })
    }

    fn with(mut resource: Value, edit: impl FnOnce(&mut Map<String, Value>)) -> Value {
        if let Value::Object(fields) = &mut resource {
            edit(fields);
        }
        resource
    }

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    // Okta, "SCIM 2.0 protocol reference": deactivate a user.
    #[test]
    fn okta_deactivates_user_with_pathless_replace() {
        let mut resource = user();
        let effects = patch(
            &mut resource,
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "value": {"active": false}}]
            }),
            ResourceKind::User,
        )
        .unwrap();
        assert_eq!(
            resource,
            with(user(), |u| {
                u.insert("active".into(), json!(false));
            })
        );
        assert_eq!(
            effects,
            PatchEffects {
                changed: true,
                active_changed: Some(false),
                ..PatchEffects::default()
            }
        );
    }

    // Okta: group rename echoes the group's id in a pathless replace.
    #[test]
    fn okta_renames_group_echoing_its_id() {
        let mut resource = group(&["u1"]);
        let effects = patch(
            &mut resource,
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{
                    "op": "replace",
                    "value": {"id": "5c0e7d2a-91b4-4e1f-b8a6-3f2d9e6c1a70", "displayName": "Site Reliability 2"}
                }]
            }),
            ResourceKind::Group,
        )
        .unwrap();
        assert_eq!(resource["displayName"], json!("Site Reliability 2"));
        assert_eq!(resource["id"], json!("5c0e7d2a-91b4-4e1f-b8a6-3f2d9e6c1a70"));
        assert!(effects.changed);
        assert!(effects.members_added.is_empty() && effects.members_removed.is_empty());
    }

    // Okta: membership update removes with a filter and adds with display.
    #[test]
    fn okta_updates_group_membership() {
        let mut resource = group(&["89bb1940-b905-4575-9e7f-6f887cfb368e", "keep"]);
        let effects = patch(
            &mut resource,
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{
                    "op": "remove",
                    "path": "members[value eq \"89bb1940-b905-4575-9e7f-6f887cfb368e\"]"
                },
                {
                    "op": "add",
                    "path": "members",
                    "value": [{
                        "value": "23a35c27-23d3-4c03-b4c5-6443c09e7173",
                        "display": "test.user@okta.local"
                    }]
                }]
            }),
            ResourceKind::Group,
        )
        .unwrap();
        assert_eq!(
            resource["members"],
            json!([
                {"value": "keep", "display": "keep"},
                {"value": "23a35c27-23d3-4c03-b4c5-6443c09e7173", "display": "test.user@okta.local"}
            ])
        );
        assert_eq!(effects.members_added, ids(&["23a35c27-23d3-4c03-b4c5-6443c09e7173"]));
        assert_eq!(effects.members_removed, ids(&["89bb1940-b905-4575-9e7f-6f887cfb368e"]));
    }

    // Okta: full push of membership with replace.
    #[test]
    fn okta_replaces_all_members() {
        let mut resource = group(&["old", "23a35c27-23d3-4c03-b4c5-6443c09e7173"]);
        let effects = patch(
            &mut resource,
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{
                    "op": "replace",
                    "path": "members",
                    "value": [
                        {"value": "23a35c27-23d3-4c03-b4c5-6443c09e7173", "display": "test.user@okta.local"},
                        {"value": "89bb1940-b905-4575-9e7f-6f887cfb368e", "display": "test.user@okta.local"}
                    ]
                }]
            }),
            ResourceKind::Group,
        )
        .unwrap();
        assert_eq!(resource["members"].as_array().map(Vec::len), Some(2));
        assert_eq!(effects.members_added, ids(&["89bb1940-b905-4575-9e7f-6f887cfb368e"]));
        assert_eq!(effects.members_removed, ids(&["old"]));
    }

    // Okta (apps from its integration wizard): group updates are a full PUT.
    #[test]
    fn okta_puts_whole_group() {
        let mut resource = group(&["u1", "u2"]);
        let effects = apply_put(
            &mut resource,
            &json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "id": "5c0e7d2a-91b4-4e1f-b8a6-3f2d9e6c1a70",
                "displayName": "Renamed",
                "members": [{"value": "u2", "display": "two"}, {"value": "u3", "display": "three"}],
                "meta": {"resourceType": "Tampered"}
            }),
            ResourceKind::Group,
        )
        .unwrap();
        assert_eq!(
            resource,
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "id": "5c0e7d2a-91b4-4e1f-b8a6-3f2d9e6c1a70",
                "displayName": "Renamed",
                "members": [{"value": "u2", "display": "two"}, {"value": "u3", "display": "three"}],
                "meta": {"resourceType": "Group"}
            })
        );
        assert_eq!(effects.members_added, ids(&["u3"]));
        assert_eq!(effects.members_removed, ids(&["u1"]));
    }

    #[test]
    fn put_clears_attributes_left_out_and_keeps_read_only_ones() {
        let mut resource = user();
        let effects = apply_put(
            &mut resource,
            &json!({
                "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
                "id": "forged",
                "userName": "bjensen@example.com",
                "active": "False",
                ENTERPRISE_USER_SCHEMA: {"department": "Sales", "manager": "boss-id"}
            }),
            ResourceKind::User,
        )
        .unwrap();
        assert_eq!(
            resource,
            json!({
                "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
                "id": "2819c223-7f76-453a-919d-413861904646",
                "userName": "bjensen@example.com",
                "active": false,
                ENTERPRISE_USER_SCHEMA: {"department": "Sales", "manager": {"value": "boss-id"}},
                "meta": {"resourceType": "User", "created": "2011-08-01T18:29:49.793Z"}
            })
        );
        assert_eq!(effects.active_changed, Some(false));
        assert!(effects.emails_changed);
    }

    // Entra ID, default job ("Requests to replace multiple attributes, without
    // feature flag" in Microsoft's SCIM compliance notes).
    #[test]
    fn entra_replaces_multiple_attributes() {
        let mut resource = user();
        let effects = patch(
            &mut resource,
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [
                    {"op": "Replace", "path": "displayName", "value": "Rhea"},
                    {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "TestBcwqnm@test.microsoft.com"},
                    {"op": "Replace", "path": "name.givenName", "value": "Gtfd"},
                    {"op": "Replace", "path": "name.familyName", "value": "Pkqf"},
                    {"op": "Replace", "path": "externalId", "value": "Eqpj"},
                    {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "Eqpj"}
                ]
            }),
            ResourceKind::User,
        )
        .unwrap();
        assert_eq!(
            resource,
            with(user(), |u| {
                u.insert("displayName".into(), json!("Rhea"));
                u.insert("externalId".into(), json!("Eqpj"));
                u.insert("name".into(), json!({"givenName": "Gtfd", "familyName": "Pkqf"}));
                u.insert(
                    "emails".into(),
                    json!([
                        {"value": "TestBcwqnm@test.microsoft.com", "type": "work", "primary": true},
                        {"value": "babs@jensen.org", "type": "home"}
                    ]),
                );
                u.insert("schemas".into(), json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]));
                u.insert(ENTERPRISE_USER_SCHEMA.into(), json!({"employeeNumber": "Eqpj"}));
            })
        );
        assert!(effects.emails_changed);
        assert_eq!(effects.active_changed, None);
    }

    // Entra ID with `?aadOptscim062020`: the same change as a pathless
    // replace whose keys are paths.
    #[test]
    fn entra_compliant_mode_replaces_with_path_keys() {
        let mut resource = user();
        patch(
            &mut resource,
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [
                    {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "TestMhvaes@test.microsoft.com"},
                    {"op": "replace", "value": {
                        "displayName": "Bjfe",
                        "name.givenName": "Kkom",
                        "name.familyName": "Unua",
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq"
                    }}
                ]
            }),
            ResourceKind::User,
        )
        .unwrap();
        assert_eq!(resource["displayName"], json!("Bjfe"));
        assert_eq!(resource["name"], json!({"givenName": "Kkom", "familyName": "Unua"}));
        assert_eq!(resource[ENTERPRISE_USER_SCHEMA], json!({"employeeNumber": "Aklq"}));
        assert_eq!(resource["emails"][0]["value"], json!("TestMhvaes@test.microsoft.com"));
    }

    // Entra ID disables users with a string boolean by default and a real
    // one with the compliance flag; the Microsoft docs show both.
    #[test]
    fn entra_disables_user_with_string_or_real_boolean() {
        for value in [json!("False"), json!(false), json!("false")] {
            let mut resource = user();
            let effects = patch(
                &mut resource,
                json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "Replace", "path": "active", "value": value}]
                }),
                ResourceKind::User,
            )
            .unwrap();
            assert_eq!(resource["active"], json!(false), "{value}");
            assert_eq!(effects.active_changed, Some(false), "{value}");
        }
        let mut resource = with(user(), |u| {
            u.insert("active".into(), json!(false));
        });
        let effects = patch(
            &mut resource,
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "Replace", "path": "active", "value": "True"}]
            }),
            ResourceKind::User,
        )
        .unwrap();
        assert_eq!(resource["active"], json!(true));
        assert_eq!(effects.active_changed, Some(true));
    }

    // Entra ID: "Requests to add a single-value string attribute".
    #[test]
    fn entra_adds_single_valued_attribute() {
        let mut resource = user();
        patch(
            &mut resource,
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "Add", "path": "nickName", "value": "Nessa"}]
            }),
            ResourceKind::User,
        )
        .unwrap();
        assert_eq!(resource["nickName"], json!("Nessa"));
    }

    // Entra ID: "Update Group [Add Members]", sent again when already a member.
    #[test]
    fn entra_adds_members_and_re_adding_is_a_no_op() {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{
                "op": "Add",
                "path": "members",
                "value": [{"$ref": null, "value": "7d41c0b9e2a35f86d1c4"}]
            }]
        });
        let mut resource = group(&["u1"]);
        let first = patch(&mut resource, body.clone(), ResourceKind::Group).unwrap();
        assert_eq!(first.members_added, ids(&["7d41c0b9e2a35f86d1c4"]));
        assert_eq!(
            resource["members"],
            json!([{"value": "u1", "display": "u1"}, {"value": "7d41c0b9e2a35f86d1c4"}])
        );
        let again = patch(&mut resource, body, ResourceKind::Group).unwrap();
        assert_eq!(again, PatchEffects::default());
        assert_eq!(resource["members"].as_array().map(Vec::len), Some(2));
    }

    // Entra ID: "Update Group [Remove Members]" default (value list) and
    // compliant (filtered path) forms.
    #[test]
    fn entra_removes_members_in_both_forms() {
        let bodies = [
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "u2718"}]}]
            }),
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "remove", "path": "members[value eq \"u2718\"]"}]
            }),
        ];
        for body in bodies {
            let mut resource = group(&["u2718", "u2"]);
            let effects = patch(&mut resource, body.clone(), ResourceKind::Group).unwrap();
            assert_eq!(resource["members"], json!([{"value": "u2", "display": "u2"}]), "{body}");
            assert_eq!(effects.members_removed, ids(&["u2718"]), "{body}");
            // Removing a member that is already gone succeeds and changes nothing.
            let again = patch(&mut resource, body.clone(), ResourceKind::Group).unwrap();
            assert_eq!(again, PatchEffects::default(), "{body}");
        }
    }

    #[test]
    fn removing_the_last_member_unassigns_members() {
        let mut resource = group(&["only"]);
        patch(
            &mut resource,
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "remove", "path": "members[value eq \"only\"]"}]
            }),
            ResourceKind::Group,
        )
        .unwrap();
        assert_eq!(resource.get("members"), None);
    }

    #[test]
    fn member_ids_compare_case_exactly() {
        let mut resource = group(&["ABC"]);
        let effects = patch(
            &mut resource,
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "remove", "path": "members[value eq \"abc\"]"}]
            }),
            ResourceKind::Group,
        )
        .unwrap();
        assert!(!effects.changed);
    }

    // Entra ID sends the manager's id as a bare string, then removes the
    // manager with a filter on the single-valued attribute.
    #[test]
    fn entra_sets_and_removes_manager() {
        let mut resource = user();
        patch(
            &mut resource,
            json!({
                "Operations": [{
                    "op": "Add",
                    "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
                    "value": "271"
                }],
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]
            }),
            ResourceKind::User,
        )
        .unwrap();
        assert_eq!(resource[ENTERPRISE_USER_SCHEMA], json!({"manager": {"value": "271"}}));
        assert_eq!(resource["schemas"], json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]));
        patch(
            &mut resource,
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{
                    "op": "Remove",
                    "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[value eq \"271\"]"
                }]
            }),
            ResourceKind::User,
        )
        .unwrap();
        assert_eq!(resource[ENTERPRISE_USER_SCHEMA], json!({}));
    }

    // Entra ID sets a work email (and address) the user does not have yet;
    // seen in its validator and in a snipe-it report:
    // Replace emails[type eq "work"].value, Replace addresses[...].formatted,
    // Add ...enterprise:2.0:User:department.
    #[test]
    fn entra_creates_values_its_filters_select() {
        let mut resource = with(user(), |u| {
            u.remove("emails");
        });
        patch(
            &mut resource,
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [
                    {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "AdeleV2@contoso.onmicrosoft.com"},
                    {"op": "Replace", "path": "addresses[type eq \"work\"].formatted", "value": "18/2111"},
                    {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Retail"}
                ]
            }),
            ResourceKind::User,
        )
        .unwrap();
        assert_eq!(
            resource["emails"],
            json!([{"type": "work", "value": "AdeleV2@contoso.onmicrosoft.com"}])
        );
        assert_eq!(resource["addresses"], json!([{"type": "work", "formatted": "18/2111"}]));
        assert_eq!(resource[ENTERPRISE_USER_SCHEMA], json!({"department": "Retail"}));
    }

    #[test]
    fn attribute_names_match_without_case() {
        let mut resource = user();
        patch(
            &mut resource,
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [
                    {"op": "replace", "path": "NAME.GIVENNAME", "value": "Nessa"},
                    {"op": "replace", "path": "emails[Type eq \"HOME\"].Value", "value": "b@home.org"},
                    {"op": "add", "path": "Title", "value": "CEO"}
                ]
            }),
            ResourceKind::User,
        )
        .unwrap();
        assert_eq!(resource["name"]["givenName"], json!("Nessa"));
        assert_eq!(resource["emails"][1], json!({"value": "b@home.org", "type": "home"}));
        assert_eq!(resource["title"], json!("CEO"));
    }

    #[test]
    fn setting_a_primary_clears_the_others() {
        let mut resource = user();
        patch(
            &mut resource,
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "Replace", "path": "emails[type eq \"home\"].primary", "value": "True"}]
            }),
            ResourceKind::User,
        )
        .unwrap();
        assert_eq!(resource["emails"][0]["primary"], json!(false));
        assert_eq!(resource["emails"][1]["primary"], json!(true));

        let mut resource = user();
        patch(
            &mut resource,
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "add", "path": "emails", "value": [{"value": "new@x.com", "type": "other", "primary": true}]}]
            }),
            ResourceKind::User,
        )
        .unwrap();
        let primaries: Vec<&Value> = resource["emails"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["primary"])
            .collect();
        assert_eq!(primaries, vec![&json!(false), &Value::Null, &json!(true)]);
    }

    /// RFC 7644 §3.5.2 semantics on plain (non-quirk) requests.
    #[test]
    fn applies_rfc_operations() {
        let cases: Vec<(&str, Value, Value)> = vec![
            (
                "add to a multi-valued attribute appends without duplicates",
                json!([{"op": "add", "path": "emails", "value": [
                    {"value": "babs@jensen.org", "type": "home"},
                    {"value": "b@work2.com", "type": "work"}
                ]}]),
                with(user(), |u| {
                    u.insert(
                        "emails".into(),
                        json!([
                            {"value": "bjensen@example.com", "type": "work", "primary": true},
                            {"value": "babs@jensen.org", "type": "home"},
                            {"value": "b@work2.com", "type": "work"}
                        ]),
                    );
                }),
            ),
            (
                "replace of a complex attribute keeps sub-attributes not given",
                json!([{"op": "replace", "path": "name", "value": {"givenName": "Nessa"}}]),
                with(user(), |u| {
                    u.insert("name".into(), json!({"givenName": "Nessa", "familyName": "Jensen"}));
                }),
            ),
            (
                "replace of a multi-valued attribute replaces all values",
                json!([{"op": "replace", "path": "emails", "value": [{"value": "only@x.com"}]}]),
                with(user(), |u| {
                    u.insert("emails".into(), json!([{"value": "only@x.com"}]));
                }),
            ),
            (
                "remove with a filter removes the matching values",
                json!([{"op": "remove", "path": "emails[type eq \"home\"]"}]),
                with(user(), |u| {
                    u.insert(
                        "emails".into(),
                        json!([{"value": "bjensen@example.com", "type": "work", "primary": true}]),
                    );
                }),
            ),
            (
                "remove of a sub-attribute of matched values",
                json!([{"op": "remove", "path": "emails[type eq \"work\"].primary"}]),
                with(user(), |u| {
                    u.insert(
                        "emails".into(),
                        json!([
                            {"value": "bjensen@example.com", "type": "work"},
                            {"value": "babs@jensen.org", "type": "home"}
                        ]),
                    );
                }),
            ),
            (
                "remove of a whole attribute",
                json!([{"op": "remove", "path": "emails"}, {"op": "remove", "path": "name.familyName"}]),
                with(user(), |u| {
                    u.remove("emails");
                    u.insert("name".into(), json!({"givenName": "Barbara"}));
                }),
            ),
            (
                "replace with null unassigns",
                json!([{"op": "replace", "path": "externalId", "value": null}]),
                with(user(), |u| {
                    u.remove("externalId");
                }),
            ),
            (
                "pathless add sets and merges attributes",
                json!([{"op": "add", "value": {"title": "Tour Guide", "name": {"middleName": "Ann"}}}]),
                with(user(), |u| {
                    u.insert("title".into(), json!("Tour Guide"));
                    u.insert(
                        "name".into(),
                        json!({"givenName": "Barbara", "familyName": "Jensen", "middleName": "Ann"}),
                    );
                }),
            ),
            (
                "null in a filtered replace unassigns that sub-attribute",
                json!([{"op": "replace", "path": "emails[type eq \"work\"]", "value": {"primary": null}}]),
                with(user(), |u| {
                    u.insert(
                        "emails".into(),
                        json!([
                            {"value": "bjensen@example.com", "type": "work"},
                            {"value": "babs@jensen.org", "type": "home"}
                        ]),
                    );
                }),
            ),
            (
                "a filtered replace merges into the matched value",
                json!([{"op": "replace", "path": "emails[value ew \"jensen.org\"]", "value": {"display": "Nessa"}}]),
                with(user(), |u| {
                    u.insert(
                        "emails".into(),
                        json!([
                            {"value": "bjensen@example.com", "type": "work", "primary": true},
                            {"value": "babs@jensen.org", "type": "home", "display": "Nessa"}
                        ]),
                    );
                }),
            ),
            (
                "extension object under its URN",
                json!([{"op": "add", "value": {ENTERPRISE_USER_SCHEMA: {"costCenter": "4130", "manager": {"value": "26118915"}}}}]),
                with(user(), |u| {
                    u.insert("schemas".into(), json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]));
                    u.insert(
                        ENTERPRISE_USER_SCHEMA.into(),
                        json!({"costCenter": "4130", "manager": {"value": "26118915"}}),
                    );
                }),
            ),
            (
                "core schema prefix is the resource itself",
                json!([{"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:userName", "value": "babs"}]),
                with(user(), |u| {
                    u.insert("userName".into(), json!("babs"));
                }),
            ),
            (
                "custom extension attributes are kept",
                json!([{"op": "add", "path": "urn:example:custom:2.0:User:badge", "value": "77"}]),
                with(user(), |u| {
                    u.insert("schemas".into(), json!([USER_SCHEMA, "urn:example:custom:2.0:User"]));
                    u.insert("urn:example:custom:2.0:User".into(), json!({"badge": "77"}));
                }),
            ),
            (
                "dotted path into the enterprise extension",
                json!([{"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value", "value": "boss"}]),
                with(user(), |u| {
                    u.insert("schemas".into(), json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]));
                    u.insert(ENTERPRISE_USER_SCHEMA.into(), json!({"manager": {"value": "boss"}}));
                }),
            ),
            (
                "removing from an absent extension is a no-op",
                json!([{"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"}]),
                user(),
            ),
        ];
        for (name, operations, want) in cases {
            let mut resource = user();
            let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": operations});
            patch(&mut resource, body, ResourceKind::User).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(resource, want, "{name}");
        }
    }

    #[test]
    fn whole_extension_path_and_removal() {
        let mut resource = user();
        let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [
            {"op": "add", "path": ENTERPRISE_USER_SCHEMA, "value": {"department": "R&D"}}
        ]});
        patch(&mut resource, body, ResourceKind::User).unwrap();
        assert_eq!(resource[ENTERPRISE_USER_SCHEMA], json!({"department": "R&D"}));
        let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [
            {"op": "remove", "path": ENTERPRISE_USER_SCHEMA}
        ]});
        patch(&mut resource, body, ResourceKind::User).unwrap();
        assert_eq!(resource, user());
    }

    #[test]
    fn rejects_malformed_requests() {
        let ops = |operations: Value| json!({"schemas": [PATCH_OP_SCHEMA], "Operations": operations});
        let cases: Vec<(&str, Value, &str)> = vec![
            ("body is an array", json!([]), "invalidSyntax"),
            (
                "no schemas",
                json!({"Operations": [{"op": "add", "path": "title", "value": "x"}]}),
                "invalidSyntax",
            ),
            (
                "wrong schema",
                json!({"schemas": [USER_SCHEMA], "Operations": [{"op": "add", "path": "title", "value": "x"}]}),
                "invalidSyntax",
            ),
            ("no Operations", json!({"schemas": [PATCH_OP_SCHEMA]}), "invalidSyntax"),
            (
                "Operations not a list",
                json!({"schemas": [PATCH_OP_SCHEMA], "Operations": {}}),
                "invalidSyntax",
            ),
            ("empty Operations", ops(json!([])), "invalidSyntax"),
            ("operation not an object", ops(json!(["add"])), "invalidSyntax"),
            (
                "op missing",
                ops(json!([{"path": "title", "value": "x"}])),
                "invalidSyntax",
            ),
            (
                "unknown op",
                ops(json!([{"op": "delete", "path": "title"}])),
                "invalidSyntax",
            ),
            (
                "op not a string",
                ops(json!([{"op": 1, "path": "title"}])),
                "invalidSyntax",
            ),
            (
                "path not a string",
                ops(json!([{"op": "add", "path": 5, "value": "x"}])),
                "invalidPath",
            ),
            (
                "unclosed filter",
                ops(json!([{"op": "remove", "path": "members[value eq \"x\""}])),
                "invalidPath",
            ),
            (
                "unterminated string",
                ops(json!([{"op": "remove", "path": "members[value eq \"x]"}])),
                "invalidPath",
            ),
            (
                "empty path",
                ops(json!([{"op": "add", "path": "", "value": "x"}])),
                "invalidPath",
            ),
            (
                "bad path",
                ops(json!([{"op": "add", "path": "name..givenName", "value": "x"}])),
                "invalidPath",
            ),
            ("remove without path", ops(json!([{"op": "remove"}])), "noTarget"),
            (
                "Entra-style remove without path",
                ops(json!([{"op": "Remove", "value": [{"value": "x"}]}])),
                "noTarget",
            ),
            (
                "add without value",
                ops(json!([{"op": "add", "path": "title"}])),
                "invalidValue",
            ),
            ("replace without value", ops(json!([{"op": "replace"}])), "invalidValue"),
            (
                "remove with a scalar value",
                ops(json!([{"op": "remove", "path": "members", "value": "x"}])),
                "invalidValue",
            ),
        ];
        for (name, body, scim_type) in cases {
            let err = parse_patch_request(&body).expect_err(name);
            assert_eq!(err.scim_type(), scim_type, "{name}: {err}");
        }
    }

    #[test]
    fn rejects_operations_that_cannot_apply() {
        let cases: Vec<(&str, ResourceKind, Value, &str)> = vec![
            (
                "replace id",
                ResourceKind::User,
                json!([{"op": "replace", "path": "id", "value": "other"}]),
                "mutability",
            ),
            (
                "pathless id change",
                ResourceKind::Group,
                json!([{"op": "replace", "value": {"id": "other", "displayName": "x"}}]),
                "mutability",
            ),
            (
                "remove id",
                ResourceKind::User,
                json!([{"op": "remove", "path": "id"}]),
                "mutability",
            ),
            (
                "meta sub-attribute",
                ResourceKind::User,
                json!([{"op": "replace", "path": "meta.created", "value": "2020-01-01T00:00:00Z"}]),
                "mutability",
            ),
            (
                "user groups",
                ResourceKind::User,
                json!([{"op": "add", "path": "groups", "value": [{"value": "g1"}]}]),
                "mutability",
            ),
            (
                "active not boolean",
                ResourceKind::User,
                json!([{"op": "replace", "path": "active", "value": "maybe"}]),
                "invalidValue",
            ),
            (
                "active number",
                ResourceKind::User,
                json!([{"op": "replace", "value": {"active": 0}}]),
                "invalidValue",
            ),
            (
                "primary not boolean",
                ResourceKind::User,
                json!([{"op": "add", "path": "emails", "value": [{"value": "a@b", "primary": "yes"}]}]),
                "invalidValue",
            ),
            (
                "remove userName",
                ResourceKind::User,
                json!([{"op": "remove", "path": "userName"}]),
                "invalidValue",
            ),
            (
                "empty userName",
                ResourceKind::User,
                json!([{"op": "replace", "path": "userName", "value": " "}]),
                "invalidValue",
            ),
            (
                "userName not a string",
                ResourceKind::User,
                json!([{"op": "replace", "path": "userName", "value": ["a"]}]),
                "invalidValue",
            ),
            (
                "remove displayName",
                ResourceKind::Group,
                json!([{"op": "remove", "path": "displayName"}]),
                "invalidValue",
            ),
            (
                "member without id",
                ResourceKind::Group,
                json!([{"op": "add", "path": "members", "value": [{"display": "x"}]}]),
                "invalidValue",
            ),
            (
                "member as bare string",
                ResourceKind::Group,
                json!([{"op": "add", "path": "members", "value": ["u1"]}]),
                "invalidValue",
            ),
            (
                "email without value",
                ResourceKind::User,
                json!([{"op": "add", "path": "emails", "value": [{"type": "work"}]}]),
                "invalidValue",
            ),
            (
                "pathless value not an object",
                ResourceKind::User,
                json!([{"op": "replace", "value": "x"}]),
                "invalidValue",
            ),
            (
                "extension not an object",
                ResourceKind::User,
                json!([{"op": "add", "value": {ENTERPRISE_USER_SCHEMA: "x"}}]),
                "invalidValue",
            ),
            (
                "filtered replace with scalar",
                ResourceKind::User,
                json!([{"op": "replace", "path": "emails[type eq \"work\"]", "value": "x"}]),
                "invalidValue",
            ),
            (
                "no match for a non-equality filter",
                ResourceKind::User,
                json!([{"op": "replace", "path": "emails[value co \"nobody\"].value", "value": "x"}]),
                "noTarget",
            ),
            (
                "no match for an or filter",
                ResourceKind::User,
                json!([{"op": "replace", "path": "emails[type eq \"a\" or type eq \"b\"].value", "value": "x"}]),
                "noTarget",
            ),
            (
                "sub-attribute of a simple value",
                ResourceKind::User,
                json!([{"op": "replace", "path": "userName.first", "value": "x"}]),
                "invalidPath",
            ),
            (
                "filter on a simple value",
                ResourceKind::User,
                json!([{"op": "remove", "path": "userName[value eq \"x\"]"}]),
                "invalidPath",
            ),
            (
                "filter after a sub-attribute",
                ResourceKind::User,
                json!([{"op": "remove", "path": "name.givenName[value eq \"x\"]"}]),
                "invalidPath",
            ),
            (
                "pathless key that is not a path",
                ResourceKind::User,
                json!([{"op": "replace", "value": {"not a path": 1}}]),
                "invalidPath",
            ),
        ];
        for (name, kind, operations, scim_type) in cases {
            let mut resource = match kind {
                ResourceKind::User => user(),
                ResourceKind::Group => group(&["u1"]),
            };
            let original = resource.clone();
            let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": operations});
            let err = patch(&mut resource, body, kind).expect_err(name);
            assert_eq!(err.scim_type(), scim_type, "{name}: {err}");
            assert_eq!(resource, original, "{name}: resource changed on error");
        }
    }

    #[test]
    fn a_failing_operation_undoes_earlier_ones() {
        let mut resource = user();
        let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [
            {"op": "replace", "path": "active", "value": false},
            {"op": "replace", "path": "id", "value": "other"}
        ]});
        let err = patch(&mut resource, body, ResourceKind::User).unwrap_err();
        assert_eq!(
            err,
            PatchError::Mutability("Operations[1]: id is read-only".to_string())
        );
        assert_eq!(resource, user());
    }

    #[test]
    fn rejects_a_resource_that_is_not_an_object() {
        let mut resource = json!("user");
        assert_eq!(
            apply_patch(&mut resource, &[], ResourceKind::User).map_err(|e| e.scim_type()),
            Err("invalidValue")
        );
        assert_eq!(
            apply_put(&mut resource, &json!({}), ResourceKind::User).map_err(|e| e.scim_type()),
            Err("invalidValue")
        );
    }

    #[test]
    fn value_filters_evaluate_in_memory() {
        let entry = json!({"value": "Bjensen@Example.com", "type": "work", "primary": true, "rank": 3});
        let cases = [
            ("value eq \"bjensen@example.com\"", true),
            ("value ne \"bjensen@example.com\"", false),
            ("value co \"EXAMPLE\"", true),
            ("value sw \"bj\"", true),
            ("value ew \".org\"", false),
            ("type eq \"work\" and primary eq true", true),
            ("type eq \"home\" or primary eq true", true),
            ("not (type eq \"work\")", false),
            ("display pr", false),
            ("value pr", true),
            ("display eq null", true),
            ("display ne \"x\"", true),
            ("rank gt 2", true),
            ("rank le 2", false),
            ("primary gt false", false),
            ("value gt \"a\"", true),
            ("rank eq \"3\"", false),
        ];
        for (text, want) in cases {
            let Ok(PatchPath::Filtered { filter, .. }) = parse_patch_path(&format!("emails[{text}]")) else {
                panic!("{text} does not parse");
            };
            assert_eq!(entry_matches("emails", &entry, &filter), want, "{text}");
        }
    }
}
