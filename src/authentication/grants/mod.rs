//! One module per grant of `POST /user_management/authenticate`: each proves what it proves,
//! then hands the sign-in to `continuation`.

pub(super) mod codes;
pub(super) mod mfa;
pub(super) mod password;
pub(super) mod refresh;
pub(super) mod selection;
pub(super) mod social;
pub(super) mod sso;
