//! The refresh token's format: `gh_rt_` + the session's ULID + 40 random characters + a tag (HMAC,
//! [`Sealer::tag`]) over both. The database keeps only the SHA-256 of the session's live token. The
//! session id inside lets a spent token be traced to its session (a replay revokes it) without keeping
//! every spent token; the tag makes that trace trustworthy, so a made-up token naming someone's session
//! is simply invalid and touches nothing.

use crate::crypto::seal::Sealer;
use crate::ids::SessionId;
use crate::secrets;
use subtle::ConstantTimeEq;

pub const PREFIX: &str = "gh_rt_";
const PURPOSE: &str = "refresh_token";
const ULID_LEN: usize = 26;
const SECRET_LEN: usize = 40;
const TAG_HEX_LEN: usize = 32;

/// A new refresh token for the session.
pub fn issue(sealer: &Sealer, session: &SessionId) -> String {
    let ulid = ulid_of(session);
    let secret = secrets::generate("");
    let tag = tag(sealer, ulid, &secret);
    format!("{PREFIX}{ulid}{secret}{tag}")
}

/// The session a token was issued for, if this server issued it.
pub fn session_of(sealer: &Sealer, presented: &str) -> Option<SessionId> {
    let body = presented.strip_prefix(PREFIX)?;
    if body.len() != ULID_LEN + SECRET_LEN + TAG_HEX_LEN || !body.is_ascii() {
        return None;
    }
    let (ulid, rest) = body.split_at(ULID_LEN);
    let (secret, presented_tag) = rest.split_at(SECRET_LEN);
    let expected = tag(sealer, ulid, secret);
    if !bool::from(expected.as_bytes().ct_eq(presented_tag.as_bytes())) {
        return None;
    }
    format!("{}{ulid}", SessionId::PREFIX).parse().ok()
}

fn ulid_of(session: &SessionId) -> &str {
    session.as_str().trim_start_matches(SessionId::PREFIX)
}

fn tag(sealer: &Sealer, ulid: &str, secret: &str) -> String {
    let full = sealer.tag(PURPOSE, format!("{ulid}{secret}").as_bytes());
    hex::encode(&full[..TAG_HEX_LEN / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer(byte: u8) -> Sealer {
        Sealer::new([byte; 32])
    }

    #[test]
    fn a_token_names_its_session_only_to_the_server_that_issued_it() {
        let session = SessionId::generate();
        let token = issue(&sealer(1), &session);
        assert!(token.starts_with(PREFIX));
        assert_eq!(session_of(&sealer(1), &token), Some(session.clone()));
        assert_ne!(issue(&sealer(1), &session), token, "each token is fresh");

        let flip = |i: usize| {
            let mut bytes = token.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            String::from_utf8(bytes).unwrap()
        };
        let cases: Vec<(&str, String)> = vec![
            ("another server's key", token.clone()),
            ("session id changed", flip(PREFIX.len() + 3)),
            ("secret changed", flip(PREFIX.len() + ULID_LEN + 5)),
            ("tag changed", flip(token.len() - 1)),
            ("truncated", token[..token.len() - 1].to_owned()),
            ("prefix missing", token[PREFIX.len()..].to_owned()),
            ("older format", secrets::generate(PREFIX)),
            ("not ASCII", format!("{}é", &token[..token.len() - 2])),
        ];
        for (case, presented) in cases {
            let key = if case == "another server's key" { 2 } else { 1 };
            assert_eq!(session_of(&sealer(key), &presented), None, "{case}");
        }
    }
}
