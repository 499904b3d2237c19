//! Turning verified claims into an [`OidcIdentity`]. Pure: takes JSON, returns values.

use super::error::OidcError;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Who signed in, as the provider asserted it. `issuer` + `subject` is the stable key of the identity;
/// the email is only a hint until a trust rule (see [`super::social`]) or a code proves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OidcIdentity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    /// The provider's `email_verified` for `email` (false when absent).
    pub email_verified: bool,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// Google's Workspace domain claim.
    pub hd: Option<String>,
    /// The ID token's claims, with userinfo claims added where the ID token had none of that name.
    pub raw_claims: Value,
}

/// The payload of a compact JWS. Call only on a token whose signature and claims were verified already:
/// this reads the exact bytes that were verified, to keep claims that openidconnect's typed claims drop
/// (`hd`, `xms_edov`, `tid`, ...).
pub fn jws_payload(compact: &str) -> Result<Map<String, Value>, OidcError> {
    let payload = compact
        .split('.')
        .nth(1)
        .ok_or_else(|| OidcError::InvalidIdToken("not a compact JWS".into()))?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| OidcError::InvalidIdToken("payload is not base64url".into()))?;
    serde_json::from_slice(&bytes).map_err(|_| OidcError::InvalidIdToken("payload is not a JSON object".into()))
}

/// The issuer a multi-tenant provider's ID token must carry: `template` (from discovery) with `{tenantid}`
/// replaced by the token's `tid`, or `template` itself when it names one fixed issuer. Returns that issuer.
pub fn tenant_issuer(template: &str, id_claims: &Map<String, Value>) -> Result<String, OidcError> {
    const PLACEHOLDER: &str = "{tenantid}";
    let expected = if template.contains(PLACEHOLDER) {
        // A tenant id is a GUID; anything else (a `/` or `@`) could steer the filled-in issuer elsewhere.
        let tid = string(id_claims, "tid")
            .filter(|t| t.len() <= 64 && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
            .ok_or(OidcError::WrongIssuer)?;
        template.replace(PLACEHOLDER, &tid)
    } else {
        template.to_owned()
    };
    match string(id_claims, "iss") {
        Some(iss) if iss == expected => Ok(iss),
        _ => Err(OidcError::WrongIssuer),
    }
}

/// Whether the ID token lacks claims that userinfo may supply.
pub fn needs_userinfo(id_claims: &Map<String, Value>) -> bool {
    !id_claims.contains_key("email")
}

/// Builds the identity from verified ID token claims and, if fetched, userinfo claims for the same subject.
/// `email` and `email_verified` are taken as a pair from one source, so a verified flag never vouches for an
/// address from the other source.
pub fn identity(
    issuer: &str,
    id_claims: Map<String, Value>,
    userinfo: Option<Map<String, Value>>,
) -> Result<OidcIdentity, OidcError> {
    let subject = string(&id_claims, "sub").ok_or_else(|| OidcError::InvalidIdToken("no sub claim".into()))?;
    let email_source = match &userinfo {
        Some(info) if !id_claims.contains_key("email") => info,
        _ => &id_claims,
    };
    let email = string(email_source, "email");
    let email_verified = email.is_some() && is_true(email_source.get("email_verified"));
    let mut raw = id_claims.clone();
    for (k, v) in userinfo.into_iter().flatten() {
        raw.entry(k).or_insert(v);
    }
    Ok(OidcIdentity {
        issuer: issuer.to_owned(),
        subject,
        email,
        email_verified,
        name: string(&raw, "name"),
        given_name: string(&raw, "given_name"),
        family_name: string(&raw, "family_name"),
        hd: string(&raw, "hd"),
        raw_claims: Value::Object(raw),
    })
}

fn string(claims: &Map<String, Value>, name: &str) -> Option<String> {
    claims
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A boolean claim. Some providers (AWS Cognito, older Entra optional claims) send `"true"` as a string;
/// nothing else counts as true.
pub fn is_true(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn identity_takes_email_and_verified_flag_from_one_source() {
        let cases = [
            // (id token, userinfo, want email, want verified)
            (
                json!({"sub": "s", "email": "a@x.com", "email_verified": true}),
                None,
                Some("a@x.com"),
                true,
            ),
            (json!({"sub": "s", "email": "a@x.com"}), None, Some("a@x.com"), false),
            (
                json!({"sub": "s", "email": "a@x.com", "email_verified": "true"}),
                None,
                Some("a@x.com"),
                true,
            ),
            (
                json!({"sub": "s", "email": "a@x.com", "email_verified": "yes"}),
                None,
                Some("a@x.com"),
                false,
            ),
            (
                json!({"sub": "s"}),
                Some(json!({"sub": "s", "email": "b@x.com", "email_verified": true})),
                Some("b@x.com"),
                true,
            ),
            // The ID token's address wins; userinfo's flag does not vouch for it.
            (
                json!({"sub": "s", "email": "a@x.com"}),
                Some(json!({"sub": "s", "email": "b@x.com", "email_verified": true})),
                Some("a@x.com"),
                false,
            ),
            (json!({"sub": "s", "email_verified": true}), None, None, false),
            (json!({"sub": "s", "email": ""}), None, None, false),
        ];
        for (id, info, want_email, want_verified) in cases {
            let got = identity("https://op", obj(id.clone()), info.map(obj)).unwrap();
            assert_eq!(got.email.as_deref(), want_email, "{id}");
            assert_eq!(got.email_verified, want_verified, "{id}");
            assert_eq!(got.subject, "s");
        }
    }

    #[test]
    fn identity_keeps_extra_claims_and_requires_sub() {
        let got = identity(
            "https://accounts.google.com",
            obj(json!({"sub": "1", "hd": "initech.com", "name": "Ann"})),
            Some(obj(json!({"sub": "1", "given_name": "Ann", "name": "Other"}))),
        )
        .unwrap();
        assert_eq!(got.hd.as_deref(), Some("initech.com"));
        assert_eq!(got.name.as_deref(), Some("Ann"), "ID token claims win over userinfo");
        assert_eq!(got.given_name.as_deref(), Some("Ann"));
        assert_eq!(got.raw_claims["given_name"], "Ann");
        assert!(matches!(
            identity("i", obj(json!({"email": "a@x.com"})), None),
            Err(OidcError::InvalidIdToken(_))
        ));
    }

    #[test]
    fn tenant_issuer_fills_the_template_with_the_tokens_own_tid() {
        let template = "https://login.microsoftonline.com/{tenantid}/v2.0";
        let tid = "72f988bf-86f1-41af-91ab-2d7cd011db47";
        let iss = format!("https://login.microsoftonline.com/{tid}/v2.0");
        let other = "https://login.microsoftonline.com/0000aaaa-11bb-cccc-dd22-eeeeee333333/v2.0";
        let cases = [
            (template, json!({"iss": iss, "tid": tid}), Ok(iss.clone())),
            // Another tenant's issuer with this tenant's tid, and the reverse.
            (template, json!({"iss": other, "tid": tid}), Err(OidcError::WrongIssuer)),
            (
                template,
                json!({"iss": iss, "tid": "0000aaaa-11bb-cccc-dd22-eeeeee333333"}),
                Err(OidcError::WrongIssuer),
            ),
            (template, json!({"iss": iss}), Err(OidcError::WrongIssuer)),
            (
                template,
                json!({"iss": "https://evil.example/x/v2.0", "tid": "x/../../evil"}),
                Err(OidcError::WrongIssuer),
            ),
            (template, json!({"tid": tid}), Err(OidcError::WrongIssuer)),
            // A fixed issuer (the consumers endpoint) must match exactly.
            (other, json!({"iss": other, "tid": tid}), Ok(other.to_owned())),
            (other, json!({"iss": iss, "tid": tid}), Err(OidcError::WrongIssuer)),
        ];
        for (template, claims, want) in cases {
            assert_eq!(
                tenant_issuer(template, &obj(claims.clone())),
                want,
                "{template} {claims}"
            );
        }
    }

    #[test]
    fn jws_payload_reads_the_middle_segment() {
        let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        let token = format!(
            "{}.{}.sig",
            b64(json!({"alg": "RS256"})),
            b64(json!({"sub": "x", "hd": "a.com"}))
        );
        assert_eq!(jws_payload(&token).unwrap()["hd"], "a.com");
        for bad in ["", "abc", "a.!!!.c", &format!("a.{}.c", b64(json!([1])))] {
            assert!(jws_payload(bad).is_err(), "{bad}");
        }
    }
}
