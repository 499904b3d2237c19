//! Builds signed SAML responses the way an IdP does, for tests: an RSA key with a self-signed
//! certificate, and a Response whose Response or Assertion carries an enveloped RSA-SHA256
//! signature made by xmlsec. Test code only: the library's unit tests include it by path
//! (`src/sso/saml/mod.rs`) and so do the integration tests (`tests/api/main.rs`); the release
//! library never holds it. Each includer uses part of it.
#![allow(dead_code)]

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use openssl::pkey::{PKey, Private};
use samael::crypto::{CertificateDer, Crypto, CryptoProvider};

pub struct TestIdp {
    pub key: PKey<Private>,
    pub certificate_der: Vec<u8>,
}

impl TestIdp {
    pub fn generate() -> Result<Self, openssl::error::ErrorStack> {
        let (key, cert) = gatehouse::sso::saml::keys::self_signed("test idp", 2048)?;
        Ok(Self {
            certificate_der: cert.to_der()?,
            key,
        })
    }

    pub fn certificate(&self) -> CertificateDer {
        CertificateDer::from(self.certificate_der.clone())
    }

    /// Signs the first `<ds:Signature>` template of `xml`.
    pub fn sign(&self, xml: &str) -> Result<String, Box<dyn std::error::Error>> {
        Ok(Crypto::sign_xml(xml, &self.key.private_key_to_der()?)?)
    }
}

/// Which element carries the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signed {
    Response,
    Assertion,
    Neither,
}

/// The fields of one response; `Default` is a valid answer to request `_req1` at 2030-01-01.
#[derive(Debug, Clone)]
pub struct ResponseSpec {
    pub response_id: String,
    pub assertion_id: String,
    pub issuer: String,
    pub destination: String,
    pub recipient: String,
    pub audience: String,
    pub in_response_to: Option<String>,
    pub issued_at: DateTime<Utc>,
    pub lifetime: Duration,
    pub name_id: String,
    pub attributes: Vec<(String, Vec<String>)>,
    pub signed: Signed,
}

impl Default for ResponseSpec {
    fn default() -> Self {
        Self {
            response_id: "_resp1".into(),
            assertion_id: "_assert1".into(),
            issuer: "https://idp.example.com/metadata".into(),
            destination: "https://sp.example.com/acs".into(),
            recipient: "https://sp.example.com/acs".into(),
            audience: "https://sp.example.com/metadata".into(),
            in_response_to: Some("_req1".into()),
            issued_at: DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z")
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default(),
            lifetime: Duration::minutes(5),
            name_id: "ada@example.com".into(),
            attributes: vec![
                ("email".into(), vec!["ada@example.com".into()]),
                ("firstName".into(), vec!["Ada".into()]),
                ("lastName".into(), vec!["Lovelace".into()]),
                ("groups".into(), vec!["admins".into(), "engineers".into()]),
            ],
            signed: Signed::Response,
        }
    }
}

pub fn signature_template(reference: &str) -> String {
    format!(
        concat!(
            r##"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>"##,
            r##"<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>"##,
            r##"<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>"##,
            r##"<ds:Reference URI="#{}"><ds:Transforms>"##,
            r##"<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>"##,
            r##"<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>"##,
            r##"<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>"##,
            r##"<ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo>"##,
            r##"<ds:SignatureValue></ds:SignatureValue></ds:Signature>"##
        ),
        reference
    )
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The assertion element alone, with a signature template when `signed`.
pub fn assertion_xml(spec: &ResponseSpec, signed: bool) -> String {
    let in_response_to = spec
        .in_response_to
        .as_deref()
        .map(|r| format!(r#" InResponseTo="{}""#, escape(r)))
        .unwrap_or_default();
    let until = time(spec.issued_at + spec.lifetime);
    let attributes: String = spec
        .attributes
        .iter()
        .map(|(name, values)| {
            let values: String = values
                .iter()
                .map(|v| {
                    format!(
                        r#"<saml:AttributeValue xsi:type="xs:string">{}</saml:AttributeValue>"#,
                        escape(v)
                    )
                })
                .collect();
            format!(r#"<saml:Attribute Name="{}">{values}</saml:Attribute>"#, escape(name))
        })
        .collect();
    format!(
        concat!(
            r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" "#,
            r#"xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" "#,
            r#"ID="{id}" Version="2.0" IssueInstant="{at}"><saml:Issuer>{issuer}</saml:Issuer>{sig}"#,
            r#"<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">{name_id}</saml:NameID>"#,
            r#"<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">"#,
            r#"<saml:SubjectConfirmationData{irt} NotOnOrAfter="{until}" Recipient="{recipient}"/>"#,
            r#"</saml:SubjectConfirmation></saml:Subject>"#,
            r#"<saml:Conditions NotBefore="{at}" NotOnOrAfter="{until}"><saml:AudienceRestriction>"#,
            r#"<saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>"#,
            r#"<saml:AuthnStatement AuthnInstant="{at}" SessionIndex="{id}"><saml:AuthnContext>"#,
            r#"<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>"#,
            r#"</saml:AuthnContext></saml:AuthnStatement>"#,
            r#"<saml:AttributeStatement>{attributes}</saml:AttributeStatement></saml:Assertion>"#
        ),
        id = escape(&spec.assertion_id),
        at = time(spec.issued_at),
        issuer = escape(&spec.issuer),
        sig = if signed {
            signature_template(&spec.assertion_id)
        } else {
            String::new()
        },
        name_id = escape(&spec.name_id),
        irt = in_response_to,
        until = until,
        recipient = escape(&spec.recipient),
        audience = escape(&spec.audience),
        attributes = attributes,
    )
}

/// A Response around `assertion` (already serialized), unsigned but with a template when
/// `signed`.
pub fn response_around(spec: &ResponseSpec, assertion: &str, signed: bool) -> String {
    let in_response_to = spec
        .in_response_to
        .as_deref()
        .map(|r| format!(r#" InResponseTo="{}""#, escape(r)))
        .unwrap_or_default();
    format!(
        concat!(
            r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" "#,
            r#"xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" Version="2.0" "#,
            r#"IssueInstant="{at}" Destination="{destination}"{irt}><saml:Issuer>{issuer}</saml:Issuer>{sig}"#,
            r#"<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>"#,
            r#"{assertion}</samlp:Response>"#
        ),
        id = escape(&spec.response_id),
        at = time(spec.issued_at),
        destination = escape(&spec.destination),
        irt = in_response_to,
        issuer = escape(&spec.issuer),
        sig = if signed {
            signature_template(&spec.response_id)
        } else {
            String::new()
        },
        assertion = assertion,
    )
}

/// A complete response signed as `spec.signed` says.
pub fn signed_response(idp: &TestIdp, spec: &ResponseSpec) -> Result<String, Box<dyn std::error::Error>> {
    match spec.signed {
        Signed::Neither => Ok(response_around(spec, &assertion_xml(spec, false), false)),
        Signed::Response => idp.sign(&response_around(spec, &assertion_xml(spec, false), true)),
        Signed::Assertion => {
            let assertion = idp.sign(&assertion_xml(spec, true))?;
            let assertion = strip_xml_declaration(&assertion);
            Ok(response_around(spec, assertion, false))
        }
    }
}

pub fn strip_xml_declaration(xml: &str) -> &str {
    let xml = xml.trim_start();
    match xml.strip_prefix("<?xml") {
        Some(rest) => rest.find("?>").map(|end| rest[end + 2..].trim_start()).unwrap_or(xml),
        None => xml,
    }
}
