//! Deviations from RFC 7644 that real IdPs send, each tolerated in one small
//! function so `patch.rs` reads as the RFC and this file reads as the list of
//! exceptions. Every function names the IdP and the request shape it accepts.

use serde_json::{Map, Value};

use super::filter::{parse_patch_path, AttrPath, CompValue, CompareOp, Filter, FilterError, PatchPath};
use super::op::OpKind;

/// Entra ID sends `"op": "Replace"`, `"Add"`, `"Remove"` (capitalised); its
/// docs ask servers not to require case-sensitive `op` values. RFC 7644
/// §3.5.2 only lists lower case.
pub fn op_kind_from_name(name: &str) -> Option<OpKind> {
    match name.to_ascii_lowercase().as_str() {
        "add" => Some(OpKind::Add),
        "replace" => Some(OpKind::Replace),
        "remove" => Some(OpKind::Remove),
        _ => None,
    }
}

/// Entra ID (without the `aadOptscim062020` flag) disables a user with
/// `{"op":"Replace","path":"active","value":"False"}`: a boolean as the
/// string "True"/"False". Accepts those words in any case; nothing else.
pub fn boolean_from_string(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Okta's group rename is a pathless replace that echoes the group's `id`:
/// `{"op":"replace","value":{"id":"abf4...","displayName":"x"}}`. Writing a
/// read-only attribute's current value back is a no-op, not a `mutability`
/// error; any other value still is.
pub fn read_only_echo_is_noop(current: Option<&Value>, incoming: &Value) -> bool {
    current == Some(incoming)
}

/// Entra ID removes group members with a `value` instead of a filtered path:
/// `{"op":"Remove","path":"members","value":[{"$ref":null,"value":"u1"}]}`.
/// RFC 7644 §3.5.2.2 has no such form; taken literally it would empty the
/// whole group. Rewrites it to the filtered paths it means,
/// `members[value eq "u1"]`, one per listed value. `None` when the value is
/// not a list of objects with a string `value`.
pub fn remove_by_value_as_paths(path: &AttrPath, value: &Value) -> Option<Vec<PatchPath>> {
    let entries = match value {
        Value::Array(entries) => entries.as_slice(),
        Value::Object(_) => std::slice::from_ref(value),
        _ => return None,
    };
    if path.sub_attr.is_some() || entries.is_empty() {
        return None;
    }
    entries
        .iter()
        .map(|entry| {
            let id = entry.get("value")?.as_str()?;
            Some(PatchPath::Filtered {
                path: path.clone(),
                filter: Filter::Compare {
                    path: AttrPath::attr("value"),
                    op: CompareOp::Eq,
                    value: CompValue::String(id.to_string()),
                },
                sub_attr: None,
            })
        })
        .collect()
}

/// Entra ID sets a user's work email with
/// `{"op":"Replace","path":"emails[type eq \"work\"].value","value":"x"}`
/// even when the user has no work email yet, and expects one to be created
/// (its validator's "Patch User - Add Attributes" test). RFC 7644 §3.5.2.3
/// says that is `noTarget`. When the filter is only `eq` tests joined by
/// `and`, returns the element those tests describe (`{"type":"work"}`);
/// anything else stays `noTarget`.
pub fn element_from_equality_filter(filter: &Filter) -> Option<Map<String, Value>> {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } if path.schema.is_none() && path.sub_attr.is_none() => {
            let value = match value {
                CompValue::String(text) => Value::String(text.clone()),
                CompValue::Bool(flag) => Value::Bool(*flag),
                CompValue::Number(number) => Value::Number(number.clone()),
                CompValue::Null => return None,
            };
            let mut element = Map::new();
            element.insert(path.attr.clone(), value);
            Some(element)
        }
        Filter::And(a, b) => {
            let mut element = element_from_equality_filter(a)?;
            for (key, value) in element_from_equality_filter(b)? {
                match element.get(&key) {
                    Some(existing) if existing != &value => return None,
                    _ => {
                        element.insert(key, value);
                    }
                }
            }
            Some(element)
        }
        _ => None,
    }
}

/// Entra ID sends the enterprise `manager` as the manager's id string,
/// `{"op":"Add","path":"urn:...:enterprise:2.0:User:manager","value":"271"}`,
/// where RFC 7643 §4.3 defines a complex attribute `{"value": "271"}`.
pub fn manager_from_string(value: &Value) -> Option<Value> {
    let id = value.as_str()?;
    let mut manager = Map::new();
    manager.insert("value".to_string(), Value::String(id.to_string()));
    Some(Value::Object(manager))
}

/// Entra ID with `aadOptscim062020` batches attributes into one pathless
/// replace whose keys are paths, not attribute names:
/// `{"op":"replace","value":{"name.givenName":"K","urn:...:User:employeeNumber":"A"}}`.
/// RFC 7644 §3.5.2.3 expects plain attribute names there; reading every key
/// as a path accepts both.
pub fn pathless_key_as_path(key: &str) -> Result<PatchPath, FilterError> {
    parse_patch_path(key)
}

/// Entra ID re-adds members that are already present (every sync cycle), as
/// `[{"$ref":null,"value":"id"}]`, and Okta as `[{"value":"id","display":"x"}]`.
/// Two entries of a multi-valued attribute are the same when their `value`s
/// are equal and their `type`s do not differ (ignoring case, RFC 7643 §2.4
/// canonical values), whatever `display`/`$ref` say; entries without a
/// `value` are compared whole.
pub fn same_multi_value_entry(a: &Value, b: &Value) -> bool {
    match (a.get("value"), b.get("value")) {
        (Some(left), Some(right)) => {
            let types_agree = match (
                a.get("type").and_then(Value::as_str),
                b.get("type").and_then(Value::as_str),
            ) {
                (Some(left), Some(right)) => left.eq_ignore_ascii_case(right),
                _ => true,
            };
            left == right && types_agree
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn op_names_ignore_case() {
        let cases = [
            ("add", Some(OpKind::Add)),
            ("Add", Some(OpKind::Add)),
            ("Replace", Some(OpKind::Replace)),
            ("REMOVE", Some(OpKind::Remove)),
            ("delete", None),
            ("", None),
        ];
        for (name, want) in cases {
            assert_eq!(op_kind_from_name(name), want, "{name}");
        }
    }

    #[test]
    fn booleans_from_strings() {
        let cases = [
            ("True", Some(true)),
            ("False", Some(false)),
            ("true", Some(true)),
            ("FALSE", Some(false)),
            ("yes", None),
            ("1", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(boolean_from_string(text), want, "{text}");
        }
    }

    #[test]
    fn read_only_echo() {
        let id = json!("abf4dd94");
        assert!(read_only_echo_is_noop(Some(&id), &json!("abf4dd94")));
        assert!(!read_only_echo_is_noop(Some(&id), &json!("other")));
        assert!(!read_only_echo_is_noop(None, &json!("abf4dd94")));
    }

    #[test]
    fn remove_by_value_becomes_filtered_paths() {
        let members = AttrPath::attr("members");
        let filtered = |id: &str| PatchPath::Filtered {
            path: AttrPath::attr("members"),
            filter: Filter::Compare {
                path: AttrPath::attr("value"),
                op: CompareOp::Eq,
                value: CompValue::String(id.to_string()),
            },
            sub_attr: None,
        };
        let cases = [
            (json!([{"value": "u2718"}]), Some(vec![filtered("u2718")])),
            (
                json!([{"$ref": null, "value": "a"}, {"value": "b"}]),
                Some(vec![filtered("a"), filtered("b")]),
            ),
            (json!({"value": "a"}), Some(vec![filtered("a")])),
            (json!([]), None),
            (json!(["a"]), None),
            (json!([{"display": "a"}]), None),
            (json!([{"value": 5}]), None),
            (json!("a"), None),
        ];
        for (value, want) in cases {
            assert_eq!(remove_by_value_as_paths(&members, &value), want, "{value}");
        }
        assert_eq!(
            remove_by_value_as_paths(&AttrPath::sub("members", "value"), &json!([{"value": "a"}])),
            None
        );
    }

    #[test]
    fn element_from_filter() {
        let filter = |text: &str| {
            let PatchPath::Filtered { filter, .. } = parse_patch_path(&format!("emails[{text}]")).unwrap() else {
                panic!("not filtered");
            };
            filter
        };
        let cases = [
            ("type eq \"work\"", Some(json!({"type": "work"}))),
            (
                "type eq \"work\" and primary eq true",
                Some(json!({"type": "work", "primary": true})),
            ),
            ("type eq \"work\" and type eq \"home\"", None),
            ("type eq \"work\" or type eq \"home\"", None),
            ("type ne \"work\"", None),
            ("value co \"@x\"", None),
            ("type eq null", None),
            ("not (type eq \"work\")", None),
        ];
        for (text, want) in cases {
            let got = element_from_equality_filter(&filter(text)).map(Value::Object);
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn manager_string_becomes_object() {
        assert_eq!(manager_from_string(&json!("271")), Some(json!({"value": "271"})));
        assert_eq!(manager_from_string(&json!({"value": "271"})), None);
        assert_eq!(manager_from_string(&json!(271)), None);
    }

    #[test]
    fn pathless_keys_parse_as_paths() {
        let cases = [
            ("displayName", PatchPath::Attribute(AttrPath::attr("displayName"))),
            (
                "name.givenName",
                PatchPath::Attribute(AttrPath::sub("name", "givenName")),
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
                PatchPath::Attribute(
                    AttrPath::attr("employeeNumber")
                        .in_schema("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
                ),
            ),
        ];
        for (key, want) in cases {
            assert_eq!(pathless_key_as_path(key), Ok(want), "{key}");
        }
        assert!(pathless_key_as_path("not a path").is_err());
    }

    #[test]
    fn multi_value_entries_compare_by_value_and_type() {
        let cases = [
            (
                json!({"value": "u1", "$ref": null}),
                json!({"value": "u1", "display": "A"}),
                true,
            ),
            (json!({"value": "u1"}), json!({"value": "u2"}), false),
            (
                json!({"value": "a@x", "type": "work"}),
                json!({"value": "a@x", "type": "Work"}),
                true,
            ),
            (
                json!({"value": "a@x", "type": "work"}),
                json!({"value": "a@x", "type": "home"}),
                false,
            ),
            (json!({"value": "a@x", "type": "work"}), json!({"value": "a@x"}), true),
            (json!({"display": "x"}), json!({"display": "x"}), true),
            (json!({"display": "x"}), json!({"display": "y"}), false),
            (json!("plain"), json!("plain"), true),
        ];
        for (a, b, want) in cases {
            assert_eq!(same_multi_value_entry(&a, &b), want, "{a} vs {b}");
        }
    }
}
