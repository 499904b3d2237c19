//! Users' credentials and proofs: passwords, one-time codes (email verification, magic
//! auth, password reset) and TOTP factors.

pub mod codes;
pub mod credentials;
pub mod hashing;
pub mod linking;
pub mod mailbox;
pub mod mfa;
pub mod notify;
pub mod password;
pub mod proof;
pub mod recovery;
pub mod totp;
