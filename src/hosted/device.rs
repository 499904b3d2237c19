//! The hosted pages' device cookie: a random token each browser keeps, sealed, for as long as
//! browsers let a cookie live. A completed sign-in records its hash for the account
//! (`ceiling::remember_device`), and a flood that fills the account's ceiling on password guesses
//! still lets that browser through, from whatever address it arrives.

use super::flow::SealedCookie;
use crate::context::Ctx;
use poem::Request;

const DEVICE_COOKIE: SealedCookie = SealedCookie {
    name: "gh_device",
    secure_name: "__Host-gh_device",
    context: b"hosted-device",
};
const PREFIX: &str = "gh_dev_";
// Browsers cap a cookie's lifetime at 400 days.
const MAX_AGE_SECS: i64 = 400 * 24 * 60 * 60;

/// This browser's device token, if its cookie opens.
pub fn of(ctx: &Ctx, req: &Request) -> Option<String> {
    let opened = DEVICE_COOKIE.read(ctx, req)?;
    String::from_utf8(opened).ok().filter(|token| token.starts_with(PREFIX))
}

/// The `Set-Cookie` value that gives this browser a device token, unless it has one.
pub fn issue_unless_present(ctx: &Ctx, req: &Request) -> Option<String> {
    match of(ctx, req) {
        Some(_) => None,
        None => Some(DEVICE_COOKIE.set(ctx, crate::secrets::generate(PREFIX).as_bytes(), MAX_AGE_SECS)),
    }
}
