//! The normalized profile an IdP login yields, and the attribute mappings that produce it
//! from what each IdP calls its attributes.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Generic,
    Okta,
    Entra,
    Google,
}

impl Preset {
    pub const ALL: [&'static str; 4] = ["generic", "okta", "entra", "google"];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "generic" => Some(Self::Generic),
            "okta" => Some(Self::Okta),
            "entra" => Some(Self::Entra),
            "google" => Some(Self::Google),
            _ => None,
        }
    }

    /// Attribute names tried in order for each profile field; `idp_id` and `email` fall
    /// back to the NameID.
    fn names(self, field: Field) -> &'static [&'static str] {
        const XMLSOAP_EMAIL: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";
        const XMLSOAP_GIVEN: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname";
        const XMLSOAP_SURNAME: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname";
        match (self, field) {
            (Self::Okta, Field::Email) => &["email"],
            (Self::Okta, Field::FirstName) => &["firstName"],
            (Self::Okta, Field::LastName) => &["lastName"],
            (Self::Okta, Field::Groups) => &["groups"],
            (Self::Okta, Field::IdpId) => &["id"],
            (Self::Entra, Field::Email) => &[
                XMLSOAP_EMAIL,
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
            ],
            (Self::Entra, Field::FirstName) => &[XMLSOAP_GIVEN],
            (Self::Entra, Field::LastName) => &[XMLSOAP_SURNAME],
            (Self::Entra, Field::Groups) => &["http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"],
            (Self::Entra, Field::IdpId) => &["http://schemas.microsoft.com/identity/claims/objectidentifier"],
            // Google Workspace sends the primary email as NameID and only the attributes
            // the admin maps; these are the names its console suggests.
            (Self::Google, Field::Email) => &["email"],
            (Self::Google, Field::FirstName) => &["first_name", "firstName"],
            (Self::Google, Field::LastName) => &["last_name", "lastName"],
            (Self::Google, Field::Groups) => &["groups"],
            (Self::Google, Field::IdpId) => &[],
            (Self::Generic, Field::Email) => &["email", "mail", XMLSOAP_EMAIL, "urn:oid:0.9.2342.19200300.100.1.3"],
            (Self::Generic, Field::FirstName) => &[
                "firstName",
                "first_name",
                "givenName",
                XMLSOAP_GIVEN,
                "urn:oid:2.5.4.42",
            ],
            (Self::Generic, Field::LastName) => &[
                "lastName",
                "last_name",
                "sn",
                "surname",
                XMLSOAP_SURNAME,
                "urn:oid:2.5.4.4",
            ],
            (Self::Generic, Field::Groups) => &[
                "groups",
                "memberOf",
                "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
            ],
            (Self::Generic, Field::IdpId) => &[
                "id",
                "uid",
                "http://schemas.microsoft.com/identity/claims/objectidentifier",
            ],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    IdpId,
    Email,
    FirstName,
    LastName,
    Groups,
}

/// Custom attribute names that override the preset, field by field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeMap {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idp_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<String>,
}

/// What the IdP said about the user, before trust decisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappedProfile {
    pub idp_id: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub groups: Vec<String>,
    pub raw_attributes: BTreeMap<String, Vec<String>>,
}

pub fn map_profile(
    preset: Preset,
    custom: &AttributeMap,
    name_id: Option<&str>,
    attributes: &BTreeMap<String, Vec<String>>,
) -> MappedProfile {
    let lookup = |field: Field, custom: &Option<String>| -> Vec<String> {
        let names: Vec<&str> = match custom {
            Some(name) => vec![name.as_str()],
            None => preset.names(field).to_vec(),
        };
        names
            .iter()
            .find_map(|n| attributes.get(*n).filter(|v| !v.is_empty()))
            .cloned()
            .unwrap_or_default()
    };
    let first = |field: Field, custom: &Option<String>| lookup(field, custom).into_iter().next();
    let email = first(Field::Email, &custom.email)
        .or_else(|| name_id.filter(|n| n.contains('@')).map(str::to_owned))
        .map(|e| crate::validation::Email::normalize_or_raw(&e));
    MappedProfile {
        idp_id: first(Field::IdpId, &custom.idp_id)
            .or_else(|| name_id.map(str::to_owned))
            .unwrap_or_default(),
        email,
        first_name: first(Field::FirstName, &custom.first_name),
        last_name: first(Field::LastName, &custom.last_name),
        groups: lookup(Field::Groups, &custom.groups),
        raw_attributes: attributes.clone(),
    }
}

/// The normalized profile (API.md `profile`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub id: String,
    pub connection_id: String,
    pub connection_type: String,
    pub organization_id: String,
    pub idp_id: String,
    pub email: Option<String>,
    pub email_trusted: bool,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub groups: Vec<String>,
    pub raw_attributes: BTreeMap<String, Vec<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn presets_and_custom_mappings() {
        let entra = attrs(&[
            (
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
                &["Ada@Contoso.com"],
            ),
            (
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
                &["Ada"],
            ),
            (
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
                &["Lovelace"],
            ),
            (
                "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
                &["g1", "g2"],
            ),
            (
                "http://schemas.microsoft.com/identity/claims/objectidentifier",
                &["oid-1"],
            ),
        ]);
        let okta = attrs(&[
            ("email", &["ada@okta.example"]),
            ("firstName", &["Ada"]),
            ("lastName", &["L"]),
            ("groups", &["Everyone"]),
        ]);
        let google = attrs(&[("first_name", &["Ada"]), ("last_name", &["L"])]);
        let custom_attrs = attrs(&[("mailPrimary", &["x@y.com"]), ("employeeNumber", &["42"])]);
        let custom = AttributeMap {
            email: Some("mailPrimary".into()),
            idp_id: Some("employeeNumber".into()),
            ..Default::default()
        };
        let cases = [
            (
                Preset::Entra,
                AttributeMap::default(),
                &entra,
                "nameid-opaque",
                ("oid-1", Some("ada@contoso.com"), Some("Ada"), vec!["g1", "g2"]),
            ),
            (
                Preset::Okta,
                AttributeMap::default(),
                &okta,
                "00u1",
                ("00u1", Some("ada@okta.example"), Some("Ada"), vec!["Everyone"]),
            ),
            (
                Preset::Google,
                AttributeMap::default(),
                &google,
                "ada@gw.example",
                ("ada@gw.example", Some("ada@gw.example"), Some("Ada"), vec![]),
            ),
            (
                Preset::Generic,
                AttributeMap::default(),
                &entra,
                "n",
                ("oid-1", Some("ada@contoso.com"), Some("Ada"), vec!["g1", "g2"]),
            ),
            (
                Preset::Okta,
                custom,
                &custom_attrs,
                "n",
                ("42", Some("x@y.com"), None, vec![]),
            ),
        ];
        for (preset, map, attributes, name_id, (idp_id, email, first, groups)) in cases {
            let got = map_profile(preset, &map, Some(name_id), attributes);
            assert_eq!(got.idp_id, idp_id, "{preset:?}");
            assert_eq!(got.email.as_deref(), email, "{preset:?}");
            assert_eq!(got.first_name.as_deref(), first, "{preset:?}");
            assert_eq!(got.groups, groups, "{preset:?}");
        }
    }
}
