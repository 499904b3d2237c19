//! Prefixed ULID identifiers (`org_01H...`). Parsing checks the prefix, so an id of the
//! wrong kind is rejected at the boundary instead of silently matching nothing.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {kind} id")]
pub struct InvalidId {
    pub kind: &'static str,
    pub value: String,
}

/// ULIDs from one generator are strictly increasing, even within a millisecond, so ids
/// sort in creation order (lists and cursors rely on it).
pub(crate) fn next_ulid() -> ulid::Ulid {
    static GENERATOR: std::sync::Mutex<Option<ulid::Generator>> = std::sync::Mutex::new(None);
    let mut guard = GENERATOR.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    guard
        .get_or_insert_with(ulid::Generator::new)
        .generate()
        .unwrap_or_else(|_| ulid::Ulid::new())
}

macro_rules! prefixed_id {
    ($(#[$meta:meta])* $name:ident, $prefix:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            pub fn generate() -> Self {
                Self(format!("{}{}", $prefix, next_ulid()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.strip_prefix($prefix)
                    .and_then(|rest| ulid::Ulid::from_string(rest).ok())
                    .map(|_| Self(s.to_owned()))
                    .ok_or_else(|| InvalidId { kind: stringify!($name), value: s.to_owned() })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    };
}

prefixed_id!(OrganizationId, "org_");
prefixed_id!(UserId, "user_");
prefixed_id!(MembershipId, "om_");
prefixed_id!(EventId, "event_");
prefixed_id!(ApiKeyId, "key_");
prefixed_id!(ClientId, "client_");
prefixed_id!(RoleId, "role_");
prefixed_id!(OrganizationDomainId, "org_domain_");
prefixed_id!(AuthFactorId, "auth_factor_");
prefixed_id!(AuthChallengeId, "auth_challenge_");
prefixed_id!(SessionId, "session_");
prefixed_id!(PendingAuthenticationId, "pending_auth_");
prefixed_id!(EmailId, "email_");
prefixed_id!(InvitationId, "invitation_");
prefixed_id!(WebhookEndpointId, "webhook_endpoint_");
prefixed_id!(WebhookDeliveryId, "webhook_delivery_");
prefixed_id!(DirectoryId, "directory_");
prefixed_id!(DirectoryUserId, "directory_user_");
prefixed_id!(DirectoryGroupId, "directory_group_");
prefixed_id!(ConnectionId, "conn_");
prefixed_id!(ConnectionCertificateId, "conn_cert_");
prefixed_id!(ProfileId, "prof_");
prefixed_id!(SsoIdentityId, "ssoid_");
prefixed_id!(SocialIdentityId, "socid_");
prefixed_id!(PortalLinkId, "portal_link_");
prefixed_id!(SocialProviderId, "social_provider_");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_its_own_prefix() {
        let org = OrganizationId::generate();
        let cases: [(&str, bool); 5] = [
            (org.as_str(), true),
            ("org_", false),
            ("org_not-a-ulid", false),
            ("user_01ARZ3NDEKTSV4RRFFQ69G5FAV", false),
            ("org_01ARZ3NDEKTSV4RRFFQ69G5FAV", true),
        ];
        for (input, ok) in cases {
            assert_eq!(input.parse::<OrganizationId>().is_ok(), ok, "{input}");
        }
    }

    #[test]
    fn generated_ids_sort_by_creation_time() {
        let ids: Vec<UserId> = (0..1000).map(|_| UserId::generate()).collect();
        assert!(
            ids.windows(2).all(|pair| pair[0] < pair[1]),
            "strictly increasing within a millisecond"
        );
    }
}
