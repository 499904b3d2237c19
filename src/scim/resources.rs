//! SCIM messages and discovery documents (RFC 7643 §5-§7, RFC 7644 §3.4.2, §3.12), and the
//! `attributes` / `excludedAttributes` projection of a resource (RFC 7644 §3.4.2.5). Pure.

use serde_json::{json, Map, Value};

use super::filter::{parse_patch_path, AttrPath, PatchPath};
use super::patch::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};

pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const SPC_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
pub const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
pub const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// RFC 7644 §3.12 error body. `status` is a string there.
pub fn error_body(status: u16, scim_type: Option<&str>, detail: &str) -> Value {
    let mut body = json!({"schemas": [ERROR_SCHEMA], "status": status.to_string(), "detail": detail});
    if let Some(scim_type) = scim_type {
        body["scimType"] = json!(scim_type);
    }
    body
}

pub fn list_response(total: u64, start_index: u64, resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

/// What `attributes` / `excludedAttributes` asked for, parsed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Projection {
    only: Option<Vec<AttrPath>>,
    excluded: Vec<AttrPath>,
}

/// Parses the comma-separated attribute lists. RFC 7644 names no scimType for a malformed
/// attribute name; the caller answers 400 `invalidPath`.
pub fn parse_projection(attributes: Option<&str>, excluded: Option<&str>) -> Result<Projection, String> {
    fn paths(list: &str) -> Result<Vec<AttrPath>, String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| match parse_patch_path(s) {
                Ok(PatchPath::Attribute(path)) => Ok(path),
                Ok(PatchPath::Filtered { .. }) => Err(format!("{s:?} is not an attribute name")),
                Err(e) => Err(format!("{s:?}: {e}")),
            })
            .collect()
    }
    Ok(Projection {
        only: attributes.map(paths).transpose()?.filter(|p| !p.is_empty()),
        excluded: excluded.map(paths).transpose()?.unwrap_or_default(),
    })
}

impl Projection {
    /// True when the projection drops `attr` entirely (to skip loading it).
    pub fn excludes(&self, attr: &str) -> bool {
        let named = |p: &AttrPath| p.names(attr, None);
        self.excluded.iter().any(named)
            || self
                .only
                .as_ref()
                .is_some_and(|only| !only.iter().any(|p| p.attr.eq_ignore_ascii_case(attr)))
    }

    /// Applies the projection. `id` and `schemas` are always returned (RFC 7643 §3.1,
    /// "returned: always"); `meta` follows the request like any other attribute.
    pub fn apply(&self, resource: Value) -> Value {
        let Value::Object(mut map) = resource else {
            return resource;
        };
        if let Some(only) = &self.only {
            let mut kept = Map::new();
            for key in ["schemas", "id"] {
                if let Some(v) = map.get(key) {
                    kept.insert(key.into(), v.clone());
                }
            }
            for path in only {
                copy_path(&map, &mut kept, path);
            }
            map = kept;
        }
        for path in &self.excluded {
            if path.names("id", None) || path.names("schemas", None) {
                continue;
            }
            remove_path(&mut map, path);
        }
        Value::Object(map)
    }
}

/// The key in `map` that `path` lives under: the extension object for a schema-qualified
/// path, or the resource itself for core paths.
fn container_key(map: &Map<String, Value>, path: &AttrPath) -> Option<Option<String>> {
    match &path.schema {
        None => Some(None),
        Some(schema) if schema.eq_ignore_ascii_case(USER_SCHEMA) || schema.eq_ignore_ascii_case(GROUP_SCHEMA) => {
            Some(None)
        }
        Some(schema) => map
            .keys()
            .find(|k| k.eq_ignore_ascii_case(schema))
            .map(|k| Some(k.clone())),
    }
}

fn find_key(map: &Map<String, Value>, name: &str) -> Option<String> {
    map.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

fn whole_extension(map: &Map<String, Value>, path: &AttrPath) -> Option<String> {
    let schema = path.schema.as_ref()?;
    if path.sub_attr.is_some() {
        return None;
    }
    find_key(map, &format!("{schema}:{}", path.attr))
}

fn copy_path(from: &Map<String, Value>, to: &mut Map<String, Value>, path: &AttrPath) {
    if let Some(urn) = whole_extension(from, path) {
        to.insert(urn.clone(), from[&urn].clone());
        return;
    }
    let Some(container) = container_key(from, path) else {
        return;
    };
    let (source, target) = match &container {
        None => (from, &mut *to),
        Some(urn) => {
            let Some(Value::Object(source)) = from.get(urn) else {
                return;
            };
            let target = to.entry(urn.clone()).or_insert_with(|| json!({}));
            let Value::Object(target) = target else {
                return;
            };
            (source, target)
        }
    };
    let Some(key) = find_key(source, &path.attr) else {
        return;
    };
    match &path.sub_attr {
        None => {
            target.insert(key.clone(), source[&key].clone());
        }
        Some(sub) => match &source[&key] {
            Value::Object(fields) => {
                if let Some(sub_key) = find_key(fields, sub) {
                    let entry = target.entry(key.clone()).or_insert_with(|| json!({}));
                    if let Value::Object(entry) = entry {
                        entry.insert(sub_key.clone(), fields[&sub_key].clone());
                    }
                }
            }
            Value::Array(entries) => {
                let picked: Vec<Value> = entries
                    .iter()
                    .filter_map(Value::as_object)
                    .filter_map(|e| find_key(e, sub).map(|k| json!({ k.clone(): e[&k].clone() })))
                    .collect();
                target.insert(key.clone(), Value::Array(picked));
            }
            _ => {}
        },
    }
}

fn remove_path(map: &mut Map<String, Value>, path: &AttrPath) {
    if let Some(urn) = whole_extension(map, path) {
        map.remove(&urn);
        return;
    }
    let Some(container) = container_key(map, path) else {
        return;
    };
    let target = match &container {
        None => map,
        Some(urn) => match map.get_mut(urn) {
            Some(Value::Object(target)) => target,
            _ => return,
        },
    };
    let Some(key) = find_key(target, &path.attr) else {
        return;
    };
    match &path.sub_attr {
        None => {
            target.remove(&key);
        }
        Some(sub) => match target.get_mut(&key) {
            Some(Value::Object(fields)) => {
                if let Some(k) = find_key(fields, sub) {
                    fields.remove(&k);
                }
            }
            Some(Value::Array(entries)) => {
                for entry in entries.iter_mut().filter_map(Value::as_object_mut) {
                    if let Some(k) = find_key(entry, sub) {
                        entry.remove(&k);
                    }
                }
            }
            _ => {}
        },
    }
}

/// RFC 7644 §4: patch and filter on; bulk, sort, etag and changePassword off.
pub fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": [SPC_SCHEMA],
        "documentationUri": "https://github.com/gatehouse/gatehouse/blob/main/API.md",
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": 100},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": false},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "The directory's bearer token (gh_scim_...), shown once when the directory is created",
            "primary": true,
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig")},
    })
}

pub fn resource_types(base: &str) -> Vec<Value> {
    vec![
        json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "User Account",
            "schema": USER_SCHEMA,
            "schemaExtensions": [{"schema": ENTERPRISE_USER_SCHEMA, "required": false}],
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/User")},
        }),
        json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "Group",
            "schema": GROUP_SCHEMA,
            "schemaExtensions": [],
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/Group")},
        }),
    ]
}

/// (name, type, multiValued, required, caseExact, mutability, returned, uniqueness, subAttributes)
type Attr = (
    &'static str,
    &'static str,
    bool,
    bool,
    bool,
    &'static str,
    &'static str,
    &'static str,
    Vec<Value>,
);

fn attribute(a: Attr) -> Value {
    let (name, kind, multi, required, case_exact, mutability, returned, uniqueness, sub) = a;
    let mut v = json!({
        "name": name, "type": kind, "multiValued": multi, "description": name, "required": required,
        "caseExact": case_exact, "mutability": mutability, "returned": returned, "uniqueness": uniqueness,
    });
    if !sub.is_empty() {
        v["subAttributes"] = Value::Array(sub);
    }
    if kind == "reference" {
        v["referenceTypes"] = json!(["User", "Group"]);
    }
    v
}

fn sub_attribute(name: &'static str, kind: &'static str, case_exact: bool, mutability: &'static str) -> Value {
    attribute((
        name,
        kind,
        false,
        false,
        case_exact,
        mutability,
        "default",
        "none",
        vec![],
    ))
}

fn simple(name: &'static str) -> Value {
    attribute((
        name,
        "string",
        false,
        false,
        false,
        "readWrite",
        "default",
        "none",
        vec![],
    ))
}

fn multi(name: &'static str, value_type: &'static str) -> Value {
    attribute((
        name,
        "complex",
        true,
        false,
        false,
        "readWrite",
        "default",
        "none",
        vec![
            attribute((
                "value",
                value_type,
                false,
                false,
                false,
                "readWrite",
                "default",
                "none",
                vec![],
            )),
            simple("display"),
            simple("type"),
            attribute((
                "primary",
                "boolean",
                false,
                false,
                false,
                "readWrite",
                "default",
                "none",
                vec![],
            )),
        ],
    ))
}

pub fn schemas(base: &str) -> Vec<Value> {
    let schema = |id: &str, name: &str, attributes: Vec<Value>| {
        json!({
            "schemas": [SCHEMA_SCHEMA],
            "id": id, "name": name, "description": name, "attributes": attributes,
            "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{id}")},
        })
    };
    let user = vec![
        attribute((
            "userName",
            "string",
            false,
            true,
            false,
            "readWrite",
            "default",
            "server",
            vec![],
        )),
        attribute((
            "name",
            "complex",
            false,
            false,
            false,
            "readWrite",
            "default",
            "none",
            [
                "formatted",
                "familyName",
                "givenName",
                "middleName",
                "honorificPrefix",
                "honorificSuffix",
            ]
            .into_iter()
            .map(simple)
            .collect(),
        )),
        simple("displayName"),
        simple("nickName"),
        simple("profileUrl"),
        simple("title"),
        simple("userType"),
        simple("preferredLanguage"),
        simple("locale"),
        simple("timezone"),
        attribute((
            "active",
            "boolean",
            false,
            false,
            false,
            "readWrite",
            "default",
            "none",
            vec![],
        )),
        attribute((
            "password",
            "string",
            false,
            false,
            false,
            "writeOnly",
            "never",
            "none",
            vec![],
        )),
        multi("emails", "string"),
        multi("phoneNumbers", "string"),
        multi("ims", "string"),
        multi("photos", "reference"),
        attribute((
            "addresses",
            "complex",
            true,
            false,
            false,
            "readWrite",
            "default",
            "none",
            [
                "formatted",
                "streetAddress",
                "locality",
                "region",
                "postalCode",
                "country",
                "type",
            ]
            .into_iter()
            .map(simple)
            .collect(),
        )),
        attribute((
            "groups",
            "complex",
            true,
            false,
            false,
            "readOnly",
            "default",
            "none",
            // RFC 7643 §4.1.2: computed from group membership; "type" is "direct" here.
            vec![
                sub_attribute("value", "string", false, "readOnly"),
                sub_attribute("$ref", "reference", false, "readOnly"),
                sub_attribute("display", "string", false, "readOnly"),
                sub_attribute("type", "string", false, "readOnly"),
            ],
        )),
        multi("entitlements", "string"),
        multi("roles", "string"),
        multi("x509Certificates", "binary"),
    ];
    let enterprise = vec![
        simple("employeeNumber"),
        simple("costCenter"),
        simple("organization"),
        simple("division"),
        simple("department"),
        attribute((
            "manager",
            "complex",
            false,
            false,
            false,
            "readWrite",
            "default",
            "none",
            vec![simple("value"), simple("displayName")],
        )),
    ];
    let group = vec![
        attribute((
            "displayName",
            "string",
            false,
            true,
            false,
            "readWrite",
            "default",
            "none",
            vec![],
        )),
        attribute((
            "members",
            "complex",
            true,
            false,
            false,
            "readWrite",
            "default",
            "none",
            vec![
                sub_attribute("value", "string", true, "immutable"),
                sub_attribute("$ref", "reference", false, "immutable"),
                sub_attribute("display", "string", false, "readOnly"),
                sub_attribute("type", "string", false, "immutable"),
            ],
        )),
    ];
    vec![
        schema(USER_SCHEMA, "User", user),
        schema(ENTERPRISE_USER_SCHEMA, "EnterpriseUser", enterprise),
        schema(GROUP_SCHEMA, "Group", group),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> Value {
        json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
            "id": "u1",
            "userName": "ann@x.com",
            "name": {"givenName": "Ann", "familyName": "Lee"},
            "emails": [{"value": "ann@x.com", "type": "work", "primary": true}],
            "active": true,
            ENTERPRISE_USER_SCHEMA: {"department": "Eng", "costCenter": "42"},
            "meta": {"resourceType": "User"},
        })
    }

    #[test]
    fn projects_attributes_and_exclusions() {
        let cases: [(Option<&str>, Option<&str>, Value); 6] = [
            (
                Some("userName"),
                None,
                json!({"schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], "id": "u1", "userName": "ann@x.com"}),
            ),
            (
                Some("name.givenName,EMAILS.value"),
                None,
                json!({"schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], "id": "u1",
                       "name": {"givenName": "Ann"}, "emails": [{"value": "ann@x.com"}]}),
            ),
            (
                Some(&format!("{ENTERPRISE_USER_SCHEMA}:department")),
                None,
                json!({"schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], "id": "u1",
                       ENTERPRISE_USER_SCHEMA: {"department": "Eng"}}),
            ),
            (
                Some(&format!("{USER_SCHEMA}:userName")),
                None,
                json!({"schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], "id": "u1", "userName": "ann@x.com"}),
            ),
            (
                None,
                Some(&format!("emails,name.familyName,id,{ENTERPRISE_USER_SCHEMA},meta")),
                json!({"schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], "id": "u1", "userName": "ann@x.com",
                       "name": {"givenName": "Ann"}, "active": true}),
            ),
            (None, None, user()),
        ];
        for (attributes, excluded, want) in cases {
            let projection = parse_projection(attributes, excluded).unwrap();
            assert_eq!(projection.apply(user()), want, "{attributes:?} / {excluded:?}");
        }
    }

    #[test]
    fn projection_reports_dropped_attributes_and_rejects_bad_names() {
        assert!(parse_projection(None, Some("members")).unwrap().excludes("members"));
        assert!(parse_projection(Some("displayName"), None).unwrap().excludes("members"));
        assert!(!parse_projection(Some("members.value"), None)
            .unwrap()
            .excludes("members"));
        assert!(!parse_projection(None, None).unwrap().excludes("members"));
        for bad in ["emails[type eq \"work\"]", "na me", "\"x\""] {
            assert!(parse_projection(Some(bad), None).is_err(), "{bad}");
        }
    }

    #[test]
    fn error_bodies_carry_status_as_text() {
        assert_eq!(
            error_body(409, Some("uniqueness"), "taken"),
            json!({"schemas": [ERROR_SCHEMA], "status": "409", "scimType": "uniqueness", "detail": "taken"})
        );
        assert_eq!(error_body(404, None, "no")["scimType"], Value::Null);
    }
}
