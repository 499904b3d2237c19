//! GitHub sign-in (OAuth2, not OIDC).
