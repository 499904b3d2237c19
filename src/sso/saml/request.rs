//! SP side messages: the AuthnRequest sent with the HTTP-Redirect binding (optionally
//! signed, SAML Bindings §3.4.4.1) and the SP metadata document.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use flate2::write::DeflateEncoder;
use flate2::Compression;
use openssl::pkey::{PKey, Private};
use std::io::Write;
use url::Url;

const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";

#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("the IdP SSO URL is not a valid URL")]
    BadSsoUrl,
    #[error("could not encode or sign the AuthnRequest")]
    Encoding,
}

pub struct AuthnRequest<'a> {
    pub id: &'a str,
    pub issue_instant: DateTime<Utc>,
    pub sp_entity_id: &'a str,
    pub acs_url: &'a str,
    pub idp_sso_url: &'a str,
}

pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl AuthnRequest<'_> {
    pub fn to_xml(&self) -> String {
        format!(
            concat!(
                r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" "#,
                r#"xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{}" Version="2.0" IssueInstant="{}" "#,
                r#"Destination="{}" AssertionConsumerServiceURL="{}" "#,
                r#"ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST">"#,
                r#"<saml:Issuer>{}</saml:Issuer>"#,
                r#"<samlp:NameIDPolicy AllowCreate="true"/></samlp:AuthnRequest>"#
            ),
            escape(self.id),
            self.issue_instant.to_rfc3339_opts(SecondsFormat::Secs, true),
            escape(self.idp_sso_url),
            escape(self.acs_url),
            escape(self.sp_entity_id),
        )
    }

    /// The IdP URL to send the browser to; signed with `key` when given.
    pub fn redirect_url(&self, relay_state: &str, key: Option<&PKey<Private>>) -> Result<Url, RequestError> {
        let mut deflated = Vec::new();
        {
            let mut encoder = DeflateEncoder::new(&mut deflated, Compression::default());
            encoder
                .write_all(self.to_xml().as_bytes())
                .map_err(|_| RequestError::Encoding)?;
            encoder.finish().map_err(|_| RequestError::Encoding)?;
        }
        let mut url: Url = self.idp_sso_url.parse().map_err(|_| RequestError::BadSsoUrl)?;
        // Bindings §3.4.4.1: the signature covers exactly SAMLRequest, RelayState and SigAlg,
        // in that order, as URL-encoded; any query the IdP's own SSO URL carries is not
        // signed (samael's sign_url signs the whole query, which IdPs then reject).
        let mut signed = url::form_urlencoded::Serializer::new(String::new());
        signed
            .append_pair("SAMLRequest", &STANDARD.encode(&deflated))
            .append_pair("RelayState", relay_state);
        if key.is_some() {
            signed.append_pair("SigAlg", RSA_SHA256);
        }
        let mut signed = signed.finish();
        if let Some(key) = key {
            let mut signer = openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), key)
                .map_err(|_| RequestError::Encoding)?;
            signer.update(signed.as_bytes()).map_err(|_| RequestError::Encoding)?;
            let signature = signer.sign_to_vec().map_err(|_| RequestError::Encoding)?;
            signed.push('&');
            signed.push_str(
                &url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("Signature", &STANDARD.encode(signature))
                    .finish(),
            );
        }
        let query = match url.query() {
            Some(existing) if !existing.is_empty() => format!("{existing}&{signed}"),
            _ => signed,
        };
        url.set_query(Some(&query));
        Ok(url)
    }
}

/// SP metadata: entity id, the HTTP-POST ACS and the certificate for signing and encryption.
pub fn sp_metadata(entity_id: &str, acs_url: &str, certificate_der: Option<&[u8]>, sign_requests: bool) -> String {
    let key_descriptors = certificate_der
        .map(|der| {
            let cert = STANDARD.encode(der);
            ["signing", "encryption"]
                .iter()
                .map(|usage| {
                    format!(
                        concat!(
                            r#"<md:KeyDescriptor use="{}"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">"#,
                            r#"<ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"#,
                            r#"</md:KeyDescriptor>"#
                        ),
                        usage, cert
                    )
                })
                .collect::<String>()
        })
        .unwrap_or_default();
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{}">"#,
            r#"<md:SPSSODescriptor AuthnRequestsSigned="{}" WantAssertionsSigned="true" "#,
            r#"protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{}"#,
            r#"<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>"#,
            r#"<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" "#,
            r#"Location="{}" index="0" isDefault="true"/></md:SPSSODescriptor></md:EntityDescriptor>"#
        ),
        escape(entity_id),
        sign_requests,
        key_descriptors,
        escape(acs_url),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::DeflateDecoder;
    use std::io::Read;

    fn request() -> AuthnRequest<'static> {
        AuthnRequest {
            id: "_abc",
            issue_instant: DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            sp_entity_id: "https://sp.example.com/m?a=1&b=2",
            acs_url: "https://sp.example.com/acs",
            idp_sso_url: "https://idp.example.com/sso?tenant=1",
        }
    }

    fn inflate(url: &Url) -> String {
        let encoded = url.query_pairs().find(|(k, _)| k == "SAMLRequest").unwrap().1;
        let mut xml = String::new();
        DeflateDecoder::new(&STANDARD.decode(encoded.as_bytes()).unwrap()[..])
            .read_to_string(&mut xml)
            .unwrap();
        xml
    }

    #[test]
    fn redirect_carries_the_deflated_request_and_relay_state() {
        let url = request().redirect_url("relay", None).unwrap();
        assert_eq!(url.query_pairs().find(|(k, _)| k == "tenant").unwrap().1, "1");
        assert_eq!(url.query_pairs().find(|(k, _)| k == "RelayState").unwrap().1, "relay");
        let xml = inflate(&url);
        assert!(xml.contains(r#"ID="_abc""#), "{xml}");
        assert!(xml.contains("https://sp.example.com/m?a=1&amp;b=2"), "escaped: {xml}");
        assert!(!url.query_pairs().any(|(k, _)| k == "Signature"));
    }

    #[test]
    fn signed_redirect_verifies_with_the_sp_certificate() {
        let (key, cert) = super::super::keys::self_signed("sp", 2048).unwrap();
        let url = request().redirect_url("relay", Some(&key)).unwrap();
        let verifier =
            samael::crypto::UrlVerifier::from_x509_cert_pem(std::str::from_utf8(&cert.to_pem().unwrap()).unwrap())
                .unwrap();
        assert!(verifier.verify_signed_request_url(&url).unwrap());
        let mut tampered = url.clone();
        tampered.set_query(Some(
            &url.query().unwrap().replace("RelayState=relay", "RelayState=other"),
        ));
        assert!(!verifier.verify_signed_request_url(&tampered).unwrap_or(false));
    }

    #[test]
    fn metadata_names_entity_acs_and_certificate() {
        let xml = sp_metadata("https://sp/e", "https://sp/acs", Some(b"der"), true);
        assert!(xml.contains(r#"entityID="https://sp/e""#));
        assert!(xml.contains(r#"Location="https://sp/acs""#));
        assert!(xml.contains(&STANDARD.encode(b"der")));
        assert!(xml.contains(r#"AuthnRequestsSigned="true""#));
    }
}
