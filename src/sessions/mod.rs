//! Sessions, refresh-token rotation, access-token JWTs and their signing keys.

pub mod jwt_crypto;
pub mod keys;
pub mod lifecycle;
pub mod pending;
pub mod refresh_token;
pub mod rotation;
pub mod signing_keys;
