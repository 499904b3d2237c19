//! SAML Response verification (SAML 2.0 Core §2, Profiles §4.1.4). Pure: takes the
//! document, what this connection expects and `now`; returns the verified assertion or the
//! reason it was refused. Only the element whose signature xmlsec verified is ever read
//! (samael reduces the document to its signed part), which is what defeats signature
//! wrapping; a document holding more than one assertion is refused outright as well.

use chrono::{DateTime, Duration, Utc};
use quick_xml::events::Event;
use samael::crypto::{AllowedSignatureAlgorithm, CertificateDer, Crypto, CryptoProvider, ReduceMode};
use samael::schema::{Assertion, Response};
use std::collections::BTreeMap;

const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

/// SHA-1 is refused: RSA-SHA1 signatures are forgeable in practice.
const ALLOWED_ALGORITHMS: &[AllowedSignatureAlgorithm] = &[
    AllowedSignatureAlgorithm::RsaSha256,
    AllowedSignatureAlgorithm::RsaSha384,
    AllowedSignatureAlgorithm::RsaSha512,
    AllowedSignatureAlgorithm::EcdsaSha256,
    AllowedSignatureAlgorithm::EcdsaSha384,
    AllowedSignatureAlgorithm::EcdsaSha512,
];

/// What the connection expects of a response.
pub struct Expectations<'a> {
    pub certificates: &'a [CertificateDer],
    pub idp_entity_id: &'a str,
    pub sp_entity_id: &'a str,
    pub acs_url: &'a str,
    /// The AuthnRequest ID this browser's login sent, if the login started here.
    pub request_id: Option<&'a str>,
    pub allow_idp_initiated: bool,
    pub now: DateTime<Utc>,
    pub skew: Duration,
    /// Decrypts `EncryptedAssertion`.
    pub sp_key: Option<&'a openssl::pkey::PKey<openssl::pkey::Private>>,
}

/// An assertion that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedAssertion {
    pub id: String,
    pub in_response_to: Option<String>,
    pub name_id: Option<String>,
    pub attributes: BTreeMap<String, Vec<String>>,
    /// When the replay-cache entry for `id` may be dropped.
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the response is not well-formed SAML: {0}")]
    Malformed(String),
    #[error("the response holds more than one assertion")]
    SeveralAssertions,
    #[error("the response holds no assertion")]
    NoAssertion,
    #[error("neither the response nor the assertion is signed")]
    Unsigned,
    #[error("no signature verifies with a certificate of this connection (or its algorithm is not allowed)")]
    BadSignature,
    #[error("the IdP answered with status {0}")]
    Status(String),
    #[error("issuer `{0}` is not this connection's IdP")]
    WrongIssuer(String),
    #[error("Destination `{0}` is not this connection's ACS URL")]
    WrongDestination(String),
    #[error("Recipient `{0}` is not this connection's ACS URL")]
    WrongRecipient(String),
    #[error("the assertion has no bearer subject confirmation")]
    NoBearerConfirmation,
    #[error("the assertion is not addressed to this SP (audience {0:?})")]
    WrongAudience(Vec<String>),
    #[error("the assertion is not valid yet")]
    NotYetValid,
    #[error("the assertion has expired")]
    Expired,
    #[error("InResponseTo does not match the request this login sent")]
    InResponseToMismatch,
    #[error("InResponseTo names a request this SP did not send")]
    UnsolicitedInResponseTo,
    #[error("IdP-initiated sign-in is not enabled on this connection")]
    IdpInitiatedDisabled,
    #[error("the encrypted assertion cannot be decrypted with this connection's SP key")]
    Undecryptable,
}

impl Refusal {
    /// A stable machine-readable reason (logs, error descriptions).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Malformed(_) => "malformed",
            Refusal::SeveralAssertions => "several_assertions",
            Refusal::NoAssertion => "no_assertion",
            Refusal::Unsigned => "unsigned",
            Refusal::BadSignature => "bad_signature",
            Refusal::Status(_) => "idp_status",
            Refusal::WrongIssuer(_) => "wrong_issuer",
            Refusal::WrongDestination(_) => "wrong_destination",
            Refusal::WrongRecipient(_) => "wrong_recipient",
            Refusal::NoBearerConfirmation => "no_bearer_confirmation",
            Refusal::WrongAudience(_) => "wrong_audience",
            Refusal::NotYetValid => "not_yet_valid",
            Refusal::Expired => "expired",
            Refusal::InResponseToMismatch => "in_response_to_mismatch",
            Refusal::UnsolicitedInResponseTo => "unsolicited_in_response_to",
            Refusal::IdpInitiatedDisabled => "idp_initiated_disabled",
            Refusal::Undecryptable => "undecryptable",
        }
    }
}

/// Counts of the elements that matter before anything is trusted.
#[derive(Debug, Default)]
struct Shape {
    root: String,
    assertions: usize,
    encrypted_assertions: usize,
    signatures: usize,
}

fn shape(xml: &str) -> Result<Shape, Refusal> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut shape = Shape::default();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let name = e.local_name();
                let local = String::from_utf8_lossy(name.as_ref()).into_owned();
                if shape.root.is_empty() {
                    shape.root = local.clone();
                }
                match local.as_str() {
                    "Assertion" => shape.assertions += 1,
                    "EncryptedAssertion" => shape.encrypted_assertions += 1,
                    "Signature" => shape.signatures += 1,
                    _ => {}
                }
            }
            // External entities and entity expansion have no place in a SAML response.
            Ok(Event::DocType(_)) => return Err(Refusal::Malformed("DOCTYPE is not allowed".into())),
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(err) => return Err(Refusal::Malformed(err.to_string())),
        }
    }
    if shape.root.is_empty() {
        return Err(Refusal::Malformed("no root element".into()));
    }
    Ok(shape)
}

fn reduce(xml: &str, certificates: &[CertificateDer]) -> Result<String, Refusal> {
    Crypto::reduce_xml_to_signed_with_allowed_algorithms(
        xml,
        certificates,
        ReduceMode::ValidateAndMarkNoAncestors,
        Some(ALLOWED_ALGORITHMS),
    )
    .map_err(|_| Refusal::BadSignature)
}

fn root_name(xml: &str) -> Result<String, Refusal> {
    shape(xml).map(|s| s.root)
}

/// Verifies a decoded `SAMLResponse` document against the connection.
pub fn verify_response(xml: &str, exp: &Expectations) -> Result<VerifiedAssertion, Refusal> {
    let raw = shape(xml)?;
    if raw.root != "Response" {
        return Err(Refusal::Malformed(format!(
            "root element is {}, not Response",
            raw.root
        )));
    }
    if raw.assertions + raw.encrypted_assertions > 1 {
        return Err(Refusal::SeveralAssertions);
    }
    if raw.assertions + raw.encrypted_assertions == 0 {
        return Err(Refusal::NoAssertion);
    }
    if raw.encrypted_assertions == 1 && raw.signatures == 0 {
        // Only the (encrypted) assertion can carry the signature: decrypt, then verify it.
        let response: Response = xml.parse().map_err(|e| Refusal::Malformed(format!("{e}")))?;
        check_status(&response)?;
        let assertion_xml = decrypt(&response, exp)?;
        return verify_signed_assertion(&assertion_xml, None, exp);
    }
    if raw.signatures == 0 {
        return Err(Refusal::Unsigned);
    }
    let reduced = reduce(xml, exp.certificates)?;
    match root_name(&reduced)?.as_str() {
        "Response" => {
            let response: Response = reduced.parse().map_err(|e| Refusal::Malformed(format!("{e}")))?;
            check_status(&response)?;
            match &response.destination {
                Some(d) if d == exp.acs_url => {}
                other => return Err(Refusal::WrongDestination(other.clone().unwrap_or_default())),
            }
            if let Some(issuer) = response.issuer.as_ref().and_then(|i| i.value.as_deref()) {
                if issuer != exp.idp_entity_id {
                    return Err(Refusal::WrongIssuer(issuer.to_owned()));
                }
            }
            let assertion = match (&response.assertion, &response.encrypted_assertion) {
                (Some(a), None) => a.clone(),
                (None, Some(_)) => {
                    let assertion_xml = decrypt(&response, exp)?;
                    return match shape(&assertion_xml)?.signatures {
                        0 => {
                            let a = assertion_xml.parse().map_err(|e| Refusal::Malformed(format!("{e}")))?;
                            check_assertion(&a, response.in_response_to.as_deref(), exp)
                        }
                        _ => verify_signed_assertion(&assertion_xml, response.in_response_to.as_deref(), exp),
                    };
                }
                _ => return Err(Refusal::NoAssertion),
            };
            check_assertion(&assertion, response.in_response_to.as_deref(), exp)
        }
        // Only the assertion is signed: the Response around it is unauthenticated and is
        // not read; Recipient and InResponseTo come from the signed SubjectConfirmationData.
        "Assertion" => {
            let response: Response = xml.parse().map_err(|e| Refusal::Malformed(format!("{e}")))?;
            check_status(&response)?;
            let assertion: Assertion = reduced.parse().map_err(|e| Refusal::Malformed(format!("{e}")))?;
            check_assertion(&assertion, None, exp)
        }
        other => Err(Refusal::Malformed(format!("the signed element is {other}"))),
    }
}

fn verify_signed_assertion(
    xml: &str,
    response_in_response_to: Option<&str>,
    exp: &Expectations,
) -> Result<VerifiedAssertion, Refusal> {
    let s = shape(xml)?;
    if s.root != "Assertion" {
        return Err(Refusal::Malformed("the decrypted element is not an Assertion".into()));
    }
    if s.signatures == 0 {
        return Err(Refusal::Unsigned);
    }
    let reduced = reduce(xml, exp.certificates)?;
    if root_name(&reduced)? != "Assertion" {
        return Err(Refusal::BadSignature);
    }
    let assertion: Assertion = reduced.parse().map_err(|e| Refusal::Malformed(format!("{e}")))?;
    check_assertion(&assertion, response_in_response_to, exp)
}

fn check_status(response: &Response) -> Result<(), Refusal> {
    let code = response.status.as_ref().and_then(|s| s.status_code.value.clone());
    match code.as_deref() {
        Some(SUCCESS) => Ok(()),
        other => Err(Refusal::Status(other.unwrap_or("(none)").to_owned())),
    }
}

fn decrypt(response: &Response, exp: &Expectations) -> Result<String, Refusal> {
    let encrypted = response.encrypted_assertion.as_ref().ok_or(Refusal::NoAssertion)?;
    let key = exp.sp_key.ok_or(Refusal::Undecryptable)?;
    let (ekey, key_method) = encrypted.encrypted_key_info().ok_or(Refusal::Undecryptable)?;
    let content_key = Crypto::decrypt_assertion_key_info(ekey, key_method, key).map_err(|_| Refusal::Undecryptable)?;
    let (evalue, value_method) = encrypted.encrypted_value_info().ok_or(Refusal::Undecryptable)?;
    let plain =
        Crypto::decrypt_assertion_value_info(evalue, value_method, &content_key).map_err(|_| Refusal::Undecryptable)?;
    let text = String::from_utf8_lossy(&plain);
    // Block-cipher padding can trail the document; keep the element itself.
    match (text.find('<'), text.rfind('>')) {
        (Some(start), Some(end)) if start < end => Ok(text[start..=end].to_owned()),
        _ => Err(Refusal::Undecryptable),
    }
}

fn check_assertion(
    assertion: &Assertion,
    response_in_response_to: Option<&str>,
    exp: &Expectations,
) -> Result<VerifiedAssertion, Refusal> {
    let issuer = assertion.issuer.value.as_deref().unwrap_or_default();
    if issuer != exp.idp_entity_id {
        return Err(Refusal::WrongIssuer(issuer.to_owned()));
    }
    let earliest = exp.now + exp.skew;
    let latest = exp.now - exp.skew;
    let conditions = assertion.conditions.as_ref();
    if conditions.and_then(|c| c.not_before).is_some_and(|t| t > earliest) {
        return Err(Refusal::NotYetValid);
    }
    if conditions.and_then(|c| c.not_on_or_after).is_some_and(|t| t <= latest) {
        return Err(Refusal::Expired);
    }
    let audiences: Vec<String> = conditions
        .and_then(|c| c.audience_restrictions.clone())
        .unwrap_or_default()
        .into_iter()
        .flat_map(|r| r.audience)
        .collect();
    if !audiences.iter().any(|a| a == exp.sp_entity_id) {
        return Err(Refusal::WrongAudience(audiences));
    }
    let subject = assertion.subject.as_ref();
    let confirmation = subject
        .and_then(|s| s.subject_confirmations.as_ref())
        .and_then(|all| all.iter().find(|c| c.method.as_deref() == Some(BEARER)))
        .and_then(|c| c.subject_confirmation_data.clone())
        .ok_or(Refusal::NoBearerConfirmation)?;
    match confirmation.recipient.as_deref() {
        Some(r) if r == exp.acs_url => {}
        other => return Err(Refusal::WrongRecipient(other.unwrap_or_default().to_owned())),
    }
    if confirmation.not_before.is_some_and(|t| t > earliest) {
        return Err(Refusal::NotYetValid);
    }
    let confirmation_end = confirmation.not_on_or_after;
    if confirmation_end.is_some_and(|t| t <= latest) {
        return Err(Refusal::Expired);
    }
    let in_response_to = match (confirmation.in_response_to.as_deref(), response_in_response_to) {
        (Some(a), Some(r)) if a != r => return Err(Refusal::InResponseToMismatch),
        (a, r) => a.or(r).map(str::to_owned),
    };
    match (exp.request_id, in_response_to.as_deref()) {
        (Some(sent), Some(got)) if sent == got => {}
        (Some(_), _) => return Err(Refusal::InResponseToMismatch),
        (None, Some(_)) => return Err(Refusal::UnsolicitedInResponseTo),
        (None, None) if !exp.allow_idp_initiated => return Err(Refusal::IdpInitiatedDisabled),
        (None, None) => {}
    }
    let mut attributes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for statement in assertion.attribute_statements.iter().flatten() {
        for attribute in &statement.attributes {
            let Some(name) = attribute.name.clone().or_else(|| attribute.friendly_name.clone()) else {
                continue;
            };
            attributes
                .entry(name)
                .or_default()
                .extend(attribute.values.iter().filter_map(|v| v.value.clone()));
        }
    }
    let expires_at = [conditions.and_then(|c| c.not_on_or_after), confirmation_end]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(exp.now + Duration::hours(1))
        + exp.skew;
    Ok(VerifiedAssertion {
        id: assertion.id.clone(),
        in_response_to,
        name_id: subject.and_then(|s| s.name_id.as_ref()).map(|n| n.value.clone()),
        attributes,
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{assertion_xml, response_around, signed_response, ResponseSpec, Signed, TestIdp};
    use super::*;
    use std::sync::OnceLock;

    fn idp() -> &'static TestIdp {
        static IDP: OnceLock<TestIdp> = OnceLock::new();
        IDP.get_or_init(|| TestIdp::generate().unwrap())
    }

    fn other_idp() -> &'static TestIdp {
        static IDP: OnceLock<TestIdp> = OnceLock::new();
        IDP.get_or_init(|| TestIdp::generate().unwrap())
    }

    fn check(
        xml: &str,
        request_id: Option<&str>,
        allow_idp_initiated: bool,
        now_offset: Duration,
    ) -> Result<VerifiedAssertion, Refusal> {
        let spec = ResponseSpec::default();
        let certs = [other_idp().certificate(), idp().certificate()];
        verify_response(
            xml,
            &Expectations {
                certificates: &certs,
                idp_entity_id: &spec.issuer,
                sp_entity_id: &spec.audience,
                acs_url: &spec.destination,
                request_id,
                allow_idp_initiated,
                now: spec.issued_at + now_offset,
                skew: Duration::seconds(90),
                sp_key: None,
            },
        )
    }

    fn signed(spec: ResponseSpec) -> String {
        signed_response(idp(), &spec).unwrap()
    }

    #[test]
    fn accepts_a_response_signed_on_the_response_or_the_assertion() {
        for signed_part in [Signed::Response, Signed::Assertion] {
            let xml = signed(ResponseSpec {
                signed: signed_part,
                ..Default::default()
            });
            let got = check(&xml, Some("_req1"), false, Duration::seconds(10)).unwrap();
            assert_eq!(got.id, "_assert1", "{signed_part:?}");
            assert_eq!(got.name_id.as_deref(), Some("ada@example.com"));
            assert_eq!(got.attributes["groups"], vec!["admins", "engineers"]);
            assert_eq!(got.in_response_to.as_deref(), Some("_req1"));
        }
    }

    #[test]
    fn accepts_the_second_certificate_of_a_rotation() {
        let xml = signed_response(other_idp(), &ResponseSpec::default()).unwrap();
        assert!(check(&xml, Some("_req1"), false, Duration::zero()).is_ok());
    }

    /// name, document, request id sent, IdP-initiated allowed, time after issue, refusal.
    type Case = (&'static str, String, Option<&'static str>, bool, Duration, Refusal);

    #[test]
    fn refusals() {
        let base = ResponseSpec::default();
        let valid = signed(base.clone());
        let stranger = TestIdp::generate().unwrap();
        // Signature wrapping: the signed assertion stays, an unsigned one is put beside it
        // or inside it, claiming another subject.
        let evil = assertion_xml(
            &ResponseSpec {
                assertion_id: "_evil".into(),
                name_id: "mallory@example.com".into(),
                ..base.clone()
            },
            false,
        );
        let signed_assertion_only = signed(ResponseSpec {
            signed: Signed::Assertion,
            ..base.clone()
        });
        let beside = signed_assertion_only.replacen("<saml:Assertion ", &format!("{evil}<saml:Assertion "), 1);
        let inside = signed_assertion_only.replacen("<saml:Subject>", &format!("{evil}<saml:Subject>"), 1);
        let assertion_only = assertion_xml(&base, false);
        let cases: Vec<Case> = vec![
            (
                "unsigned",
                signed(ResponseSpec {
                    signed: Signed::Neither,
                    ..base.clone()
                }),
                Some("_req1"),
                false,
                Duration::zero(),
                Refusal::Unsigned,
            ),
            (
                "modified after signing",
                valid.replace("ada@example.com", "mallory@example.com"),
                Some("_req1"),
                false,
                Duration::zero(),
                Refusal::BadSignature,
            ),
            (
                "wrapping beside",
                beside,
                Some("_req1"),
                false,
                Duration::zero(),
                Refusal::SeveralAssertions,
            ),
            (
                "wrapping inside",
                inside,
                Some("_req1"),
                false,
                Duration::zero(),
                Refusal::SeveralAssertions,
            ),
            (
                "certificate not on the connection",
                signed_response(&stranger, &base).unwrap(),
                Some("_req1"),
                false,
                Duration::zero(),
                Refusal::BadSignature,
            ),
            (
                "wrong audience",
                signed(ResponseSpec {
                    audience: "https://other-sp.example.com".into(),
                    ..base.clone()
                }),
                Some("_req1"),
                false,
                Duration::zero(),
                Refusal::WrongAudience(vec!["https://other-sp.example.com".into()]),
            ),
            (
                "expired",
                valid.clone(),
                Some("_req1"),
                false,
                Duration::minutes(5) + Duration::seconds(91),
                Refusal::Expired,
            ),
            (
                "not yet valid",
                valid.clone(),
                Some("_req1"),
                false,
                Duration::seconds(-91),
                Refusal::NotYetValid,
            ),
            (
                "unsolicited InResponseTo",
                valid.clone(),
                None,
                true,
                Duration::zero(),
                Refusal::UnsolicitedInResponseTo,
            ),
            (
                "InResponseTo of another request",
                valid.clone(),
                Some("_req2"),
                false,
                Duration::zero(),
                Refusal::InResponseToMismatch,
            ),
            (
                "IdP-initiated when disabled",
                signed(ResponseSpec {
                    in_response_to: None,
                    ..base.clone()
                }),
                None,
                false,
                Duration::zero(),
                Refusal::IdpInitiatedDisabled,
            ),
            (
                "wrong issuer",
                signed(ResponseSpec {
                    issuer: "https://evil.example.com".into(),
                    ..base.clone()
                }),
                Some("_req1"),
                false,
                Duration::zero(),
                Refusal::WrongIssuer("https://evil.example.com".into()),
            ),
            (
                "wrong destination",
                signed(ResponseSpec {
                    destination: "https://evil.example.com/acs".into(),
                    ..base.clone()
                }),
                Some("_req1"),
                false,
                Duration::zero(),
                Refusal::WrongDestination("https://evil.example.com/acs".into()),
            ),
            (
                "wrong recipient",
                signed(ResponseSpec {
                    recipient: "https://evil.example.com/acs".into(),
                    signed: Signed::Assertion,
                    ..base.clone()
                }),
                Some("_req1"),
                false,
                Duration::zero(),
                Refusal::WrongRecipient("https://evil.example.com/acs".into()),
            ),
            (
                "no assertion",
                idp().sign(&response_around(&base, "", true)).unwrap(),
                Some("_req1"),
                false,
                Duration::zero(),
                Refusal::NoAssertion,
            ),
            (
                "bare assertion",
                assertion_only,
                Some("_req1"),
                false,
                Duration::zero(),
                Refusal::Malformed("root element is Assertion, not Response".into()),
            ),
            (
                "doctype",
                format!("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>{valid}"),
                Some("_req1"),
                false,
                Duration::zero(),
                Refusal::Malformed("DOCTYPE is not allowed".into()),
            ),
        ];
        for (name, xml, request_id, idp_initiated, offset, want) in cases {
            assert_eq!(check(&xml, request_id, idp_initiated, offset), Err(want), "{name}");
        }
    }

    #[test]
    fn idp_initiated_is_accepted_when_enabled() {
        let xml = signed(ResponseSpec {
            in_response_to: None,
            ..Default::default()
        });
        let got = check(&xml, None, true, Duration::zero()).unwrap();
        assert_eq!(got.in_response_to, None);
    }

    #[test]
    fn replay_entry_lives_until_the_assertion_expires_plus_skew() {
        let spec = ResponseSpec::default();
        let got = check(&signed(spec.clone()), Some("_req1"), false, Duration::zero()).unwrap();
        assert_eq!(got.expires_at, spec.issued_at + spec.lifetime + Duration::seconds(90));
    }
}
