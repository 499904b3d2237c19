//! The `user` object as every endpoint answers it, and as error bodies of a sign-in step still
//! needed carry it.

use chrono::{DateTime, Utc};
use entities::users;
use poem_openapi::Object;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Object)]
pub struct User {
    /// Always `user`.
    pub object: String,
    pub id: String,
    pub email: String,
    pub email_verified: bool,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub external_id: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<users::Model> for User {
    fn from(u: users::Model) -> Self {
        Self {
            object: "user".into(),
            metadata: serde_json::from_value(u.metadata).unwrap_or_default(),
            id: u.id,
            email: u.email,
            email_verified: u.email_verified,
            first_name: u.first_name,
            last_name: u.last_name,
            external_id: u.external_id,
            last_sign_in_at: u.last_sign_in_at,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}
