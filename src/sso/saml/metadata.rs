//! IdP metadata (SAML Metadata §2.4.3) and IdP certificates as administrators paste them.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use samael::metadata::EntityDescriptor;
use sha2::{Digest, Sha256};

const REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpMetadata {
    pub entity_id: String,
    pub sso_url: String,
    /// base64 DER, as found in `<ds:X509Certificate>`.
    pub signing_certificates: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    #[error("not SAML metadata: {0}")]
    Malformed(String),
    #[error("the metadata has no entityID")]
    NoEntityId,
    #[error("the metadata has no IDPSSODescriptor with an HTTP-Redirect SingleSignOnService")]
    NoRedirectSso,
    #[error("the metadata has no signing certificate")]
    NoCertificate,
}

pub fn parse_idp_metadata(xml: &str) -> Result<IdpMetadata, MetadataError> {
    if xml.contains("<!DOCTYPE") {
        return Err(MetadataError::Malformed("DOCTYPE is not allowed".into()));
    }
    let descriptor: EntityDescriptor = xml.parse().map_err(|e| MetadataError::Malformed(format!("{e}")))?;
    let entity_id = descriptor.entity_id.clone().ok_or(MetadataError::NoEntityId)?;
    let idp = descriptor.idp_sso_descriptors.unwrap_or_default();
    let sso_url = idp
        .iter()
        .flat_map(|d| &d.single_sign_on_services)
        .find(|s| s.binding == REDIRECT)
        .map(|s| s.location.clone())
        .ok_or(MetadataError::NoRedirectSso)?;
    let mut signing_certificates: Vec<String> = idp
        .iter()
        .flat_map(|d| &d.key_descriptors)
        .filter(|k| k.key_use.as_deref().is_none_or(|u| u == "signing"))
        .filter_map(|k| k.key_info.x509_data.as_ref())
        .flat_map(|x| x.certificates.iter())
        .map(|c| c.split_whitespace().collect::<String>())
        .collect();
    signing_certificates.dedup();
    if signing_certificates.is_empty() {
        return Err(MetadataError::NoCertificate);
    }
    Ok(IdpMetadata {
        entity_id,
        sso_url,
        signing_certificates,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCertificate {
    pub der: Vec<u8>,
    pub fingerprint_sha256: String,
    pub not_after: Option<DateTime<Utc>>,
}

/// Accepts PEM or bare base64 DER (what metadata and IdP consoles show).
pub fn parse_certificate(text: &str) -> Option<ParsedCertificate> {
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.split_whitespace())
        .collect();
    let der = STANDARD.decode(body).ok()?;
    let cert = openssl::x509::X509::from_der(&der).ok()?;
    let epoch = openssl::asn1::Asn1Time::from_unix(0).ok()?;
    let not_after = epoch
        .diff(cert.not_after())
        .ok()
        .and_then(|d| DateTime::from_timestamp(i64::from(d.days) * 86_400 + i64::from(d.secs), 0));
    Some(ParsedCertificate {
        fingerprint_sha256: hex::encode(Sha256::digest(&der)),
        der,
        not_after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert_b64() -> String {
        let (_, cert) = super::super::keys::self_signed("idp", 2048).unwrap();
        STANDARD.encode(cert.to_der().unwrap())
    }

    fn metadata(sso: &str, key_use: &str, cert: &str) -> String {
        format!(
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/e">
<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
<md:KeyDescriptor{key_use}><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>
{cert}
</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
<md:SingleSignOnService Binding="{sso}" Location="https://idp.example.com/sso"/>
</md:IDPSSODescriptor></md:EntityDescriptor>"#
        )
    }

    #[test]
    fn parses_entity_sso_url_and_signing_certificates() {
        let cert = cert_b64();
        let cases = [
            (metadata(REDIRECT, "", &cert), Ok(1)),
            (metadata(REDIRECT, r#" use="signing""#, &cert), Ok(1)),
            (
                metadata(REDIRECT, r#" use="encryption""#, &cert),
                Err(MetadataError::NoCertificate),
            ),
            (
                metadata("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST", "", &cert),
                Err(MetadataError::NoRedirectSso),
            ),
        ];
        for (xml, want) in cases {
            let got = parse_idp_metadata(&xml);
            match want {
                Ok(n) => {
                    let got = got.unwrap();
                    assert_eq!(got.entity_id, "https://idp.example.com/e");
                    assert_eq!(got.sso_url, "https://idp.example.com/sso");
                    assert_eq!(got.signing_certificates.len(), n);
                    assert!(parse_certificate(&got.signing_certificates[0]).is_some());
                }
                Err(e) => assert_eq!(got, Err(e)),
            }
        }
        assert!(matches!(
            parse_idp_metadata("not xml"),
            Err(MetadataError::Malformed(_))
        ));
    }

    #[test]
    fn certificates_in_pem_or_base64() {
        let b64 = cert_b64();
        let pem = format!("-----BEGIN CERTIFICATE-----\n{b64}\n-----END CERTIFICATE-----\n");
        let a = parse_certificate(&b64).unwrap();
        let b = parse_certificate(&pem).unwrap();
        assert_eq!(a, b);
        assert!(a.not_after.unwrap() > Utc::now());
        assert!(parse_certificate("bm90IGEgY2VydA==").is_none());
        assert!(parse_certificate("%%%").is_none());
    }
}
