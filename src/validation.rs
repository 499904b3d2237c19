//! Field-level validation shared by services: each problem becomes a `FieldError`
//! that the API returns in `errors[]`.

use std::collections::BTreeMap;

// One problem with one field of a request: a plain value of the service layer. The HTTP
// boundary (`error.rs`) lists them in an error body's `errors[]`; the derive only names its shape
// in the OpenAPI document (a line comment, so the document's schema carries no description).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, poem_openapi::Object)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

pub const MAX_METADATA_KEYS: usize = 50;
pub const MAX_METADATA_KEY_LEN: usize = 40;
pub const MAX_METADATA_VALUE_LEN: usize = 500;

#[derive(Debug, Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn add(&mut self, field: &str, code: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, code, message));
    }

    pub fn text(&mut self, field: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.add(field, "required", "must not be blank");
        } else if value.chars().count() > max {
            self.add(field, "too_long", format!("must be at most {max} characters"));
        }
    }

    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max: usize) {
        if let Some(v) = value {
            self.text(field, v, max);
        }
    }

    pub fn metadata(&mut self, field: &str, metadata: &BTreeMap<String, String>) {
        if metadata.len() > MAX_METADATA_KEYS {
            self.add(field, "too_many_keys", format!("at most {MAX_METADATA_KEYS} keys"));
        }
        for (key, value) in metadata {
            if key.is_empty() || key.len() > MAX_METADATA_KEY_LEN {
                self.add(
                    field,
                    "invalid_key",
                    format!("keys must be 1..{MAX_METADATA_KEY_LEN} characters"),
                );
            }
            if value.len() > MAX_METADATA_VALUE_LEN {
                self.add(
                    field,
                    "value_too_long",
                    format!("values must be at most {MAX_METADATA_VALUE_LEN} characters"),
                );
            }
        }
    }

    pub fn into_result(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

/// An email address, trimmed, with the form `local@domain`. Parsed once, here, so that no two
/// spellings of one mailbox become two accounts: the local part is put in Unicode NFC (one
/// form for "é" typed two ways), the domain in its IDNA ASCII form (`BÜCHER.de` and
/// `xn--bcher-kva.de` are one domain, and fullwidth or other look-alike forms that UTS #46
/// maps are folded), and `normalized`, the form uniqueness and lookups use, is lowercase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// As given, but for those forms: an ASCII domain keeps its case, a Unicode one is shown
    /// in its ASCII form (so a homograph is visible).
    pub address: String,
    pub normalized: String,
}

impl Email {
    pub fn parse(raw: &str) -> Option<Self> {
        use unicode_normalization::UnicodeNormalization;
        let trimmed = raw.trim();
        let (local, domain) = trimmed.rsplit_once('@')?;
        let local: String = local.nfc().collect();
        let ascii = ascii_domain(domain)?;
        let shown_domain = if domain.is_ascii() { domain } else { ascii.as_str() };
        let address = format!("{local}@{shown_domain}");
        let valid = !local.is_empty()
            && local.len() <= 64
            && address.len() <= 320
            && !local
                .chars()
                .any(|c| c.is_whitespace() || c == '<' || c == '>' || c == '@' || c.is_control());
        valid.then(|| Self {
            normalized: format!("{}@{ascii}", local.to_lowercase()),
            address,
        })
    }

    /// The normalized form of `raw` when it is an address, else `raw` trimmed and lowercase
    /// (a lookup by something that is not an address still ignores case and spaces).
    pub fn normalize_or_raw(raw: &str) -> String {
        Self::parse(raw)
            .map(|email| email.normalized)
            .unwrap_or_else(|| raw.trim().to_lowercase())
    }

    pub fn domain(&self) -> &str {
        self.normalized.rsplit_once('@').map(|(_, d)| d).unwrap_or_default()
    }
}

/// A domain name in its IDNA ASCII form, lowercase, when every label is a DNS hostname label.
fn ascii_domain(raw: &str) -> Option<String> {
    let domain = idna::domain_to_ascii(raw).ok()?;
    let labels_ok = domain.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    });
    (domain.contains('.') && domain.len() <= 253 && labels_ok).then_some(domain)
}

/// A DNS domain name, in its IDNA ASCII form, lowercase, without a trailing dot.
pub fn parse_domain(raw: &str) -> Option<String> {
    let raw = raw.trim().trim_end_matches('.');
    if raw.chars().any(char::is_whitespace) {
        return None;
    }
    ascii_domain(raw)
}

/// An absolute http(s) URL with a host.
pub fn is_web_url(raw: &str) -> bool {
    url::Url::parse(raw).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        let cases = [
            ("Ann@Example.com", Some("ann@example.com")),
            ("  ann@example.com ", Some("ann@example.com")),
            ("ann@localhost", None),
            ("@example.com", None),
            ("ann example@example.com", None),
            ("ann@exa mple.com", None),
            ("ann@.example.com", None),
            ("", None),
            // One mailbox, however its domain is spelled.
            ("ann@BÜCHER.de", Some("ann@xn--bcher-kva.de")),
            ("ann@xn--bcher-kva.de", Some("ann@xn--bcher-kva.de")),
            ("ann@ｅｘａｍｐｌｅ.com", Some("ann@example.com")),
            ("ann@example\u{3002}com", Some("ann@example.com")),
            // And its local part: "é" precomposed and as "e" + combining acute are one.
            ("ren\u{00e9}@example.com", Some("ren\u{00e9}@example.com")),
            ("rene\u{0301}@example.com", Some("ren\u{00e9}@example.com")),
            ("RENE\u{0301}@example.com", Some("ren\u{00e9}@example.com")),
            ("a@b@example.com", None),
            ("ann@exa_mple.com", None),
        ];
        for (input, want) in cases {
            assert_eq!(
                Email::parse(input).map(|e| e.normalized),
                want.map(str::to_owned),
                "{input}"
            );
        }
    }

    #[test]
    fn an_ascii_domain_keeps_its_case_in_the_address_a_unicode_one_shows_its_ascii_form() {
        assert_eq!(Email::parse(" Ann@Example.com ").unwrap().address, "Ann@Example.com");
        assert_eq!(Email::parse("Ann@Bücher.de").unwrap().address, "Ann@xn--bcher-kva.de");
    }

    #[test]
    fn domains() {
        let cases = [
            ("Example.COM.", Some("example.com")),
            ("a-b.example.co.uk", Some("a-b.example.co.uk")),
            ("-bad.com", None),
            ("nodot", None),
            ("sp ace.com", None),
            ("a..b.com", None),
            ("BÜCHER.de", Some("xn--bcher-kva.de")),
            ("xn--bcher-kva.de", Some("xn--bcher-kva.de")),
        ];
        for (input, want) in cases {
            assert_eq!(parse_domain(input).as_deref(), want, "{input}");
        }
    }

    #[test]
    fn web_urls() {
        for (input, want) in [
            ("https://app.example.com/cb", true),
            ("http://127.0.0.1:3000", true),
            ("javascript:alert(1)", false),
            ("/relative", false),
        ] {
            assert_eq!(is_web_url(input), want, "{input}");
        }
    }
}
