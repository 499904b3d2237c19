//! Social sign-in providers.
