//! The `user` object of events and webhooks.

use entities::users;
use serde_json::json;

/// Event payloads carry identifiers and profile fields, never credentials.
pub fn user_event(user: &users::Model) -> serde_json::Value {
    json!({
        "object": "user",
        "id": user.id,
        "email": user.email,
        "email_verified": user.email_verified,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "external_id": user.external_id,
    })
}
