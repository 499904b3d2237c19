//! Social sign-in: which provider, where it lives, and when its email may be trusted.
//!
//! The trust rule decides whether a provider's email address can link to (or create) an account without the
//! user proving the address by code. A provider may vouch only for addresses it actually controls:
//! - Google owns gmail.com and googlemail.com, and a Workspace tenant's `hd` claim names the domain whose
//!   mailboxes Google hosts for it. Any other address on a Google account (a consumer account registered with
//!   someone@yahoo.com) was at most verified once, by a link, and may have changed hands since.
//! - Microsoft Entra lets a tenant admin set any user's mail attribute, verified domain or not (the "nOAuth"
//!   account takeover). Only the optional `xms_edov` claim ("email domain owner verified") says the address
//!   belongs to a domain the user's tenant verified (or to an MSA/Google/OTP account). Entra sends no
//!   `email_verified`, so that claim is not accepted in its place. The app registration must add `xms_edov`
//!   as an optional ID token claim.
//! - GitHub verifies addresses by link but owns no mail domain: never trusted; the address must then be
//!   proven by code before any link.

use super::{OidcIdentity, Provider};
use secrecy::SecretString;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SocialProvider {
    Google,
    Microsoft,
    #[serde(rename = "github")]
    GitHub,
}

impl std::str::FromStr for SocialProvider {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "google" => Ok(Self::Google),
            "microsoft" => Ok(Self::Microsoft),
            "github" => Ok(Self::GitHub),
            other => Err(format!("unknown social provider {other:?} (google, microsoft, github)")),
        }
    }
}

impl SocialProvider {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Google => "google",
            Self::Microsoft => "microsoft",
            Self::GitHub => "github",
        }
    }

    /// Scopes to request besides `openid`.
    pub fn scopes(self) -> &'static [&'static str] {
        match self {
            Self::Google | Self::Microsoft => &["email", "profile"],
            Self::GitHub => &["read:user", "user:email"],
        }
    }
}

/// A social provider as the environment configured it.
#[derive(Debug, Clone)]
pub struct SocialConfig {
    pub provider: SocialProvider,
    pub client_id: String,
    pub client_secret: SecretString,
    /// Replaces the provider's public base (Google's issuer, Microsoft's login host, GitHub's web and API
    /// hosts) so tests and sovereign clouds can point elsewhere.
    pub base_url: Option<String>,
    /// Microsoft only: `common` (work and personal accounts), `organizations`, `consumers`, or a tenant id.
    pub tenant: Option<String>,
}

impl SocialConfig {
    /// Where the OIDC provider is, for Google and Microsoft; `None` for GitHub (see [`super::github`]).
    pub fn oidc_provider(&self) -> Option<Provider> {
        match self.provider {
            SocialProvider::Google => Some(Provider::Discover {
                issuer: self
                    .base_url
                    .clone()
                    .unwrap_or_else(|| "https://accounts.google.com".into()),
            }),
            SocialProvider::Microsoft => {
                let host = self
                    .base_url
                    .clone()
                    .unwrap_or_else(|| "https://login.microsoftonline.com".into());
                let tenant = self.tenant.as_deref().unwrap_or("common");
                let url = format!("{}/{tenant}/v2.0", host.trim_end_matches('/'));
                // common, organizations and consumers publish an issuer other than their own URL.
                Some(if ["common", "organizations", "consumers"].contains(&tenant) {
                    Provider::DiscoverMultiTenant { url }
                } else {
                    Provider::Discover { issuer: url }
                })
            }
            SocialProvider::GitHub => None,
        }
    }

    pub fn client(&self) -> super::ClientConfig {
        super::ClientConfig {
            client_id: self.client_id.clone(),
            client_secret: Some(self.client_secret.clone()),
        }
    }
}

/// Whether the provider's email may be linked without a code, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailTrust {
    Trusted,
    Untrusted(Distrust),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distrust {
    NoEmail,
    /// `email_verified` is not true.
    NotVerified,
    /// A Google account's address outside gmail.com, googlemail.com and its own Workspace (`hd`) domain.
    NotGoogleHosted,
    /// A Microsoft token without `xms_edov: true`.
    DomainOwnerNotVerified,
    /// GitHub owns no mail domain.
    ProviderNeverTrusted,
}

/// The trust rule (module docs). Pure: reads `email`, `email_verified`, `hd` and `raw_claims.xms_edov`.
pub fn email_trust(provider: SocialProvider, identity: &OidcIdentity) -> EmailTrust {
    let trust = rule(provider, identity);
    if let EmailTrust::Untrusted(why) = trust {
        tracing::info!(provider = provider.as_str(), reason = ?why, "social email not trusted; a code must prove it");
    }
    trust
}

fn rule(provider: SocialProvider, identity: &OidcIdentity) -> EmailTrust {
    use EmailTrust::{Trusted, Untrusted};
    if provider == SocialProvider::GitHub {
        return Untrusted(Distrust::ProviderNeverTrusted);
    }
    let Some(domain) = identity
        .email
        .as_deref()
        .and_then(|e| e.rsplit_once('@'))
        .map(|(_, d)| d)
    else {
        return Untrusted(Distrust::NoEmail);
    };
    match provider {
        SocialProvider::Google => {
            if !identity.email_verified {
                return Untrusted(Distrust::NotVerified);
            }
            let google_mail = ["gmail.com", "googlemail.com"]
                .iter()
                .any(|d| d.eq_ignore_ascii_case(domain));
            let workspace = identity.hd.as_deref().is_some_and(|hd| hd.eq_ignore_ascii_case(domain));
            if google_mail || workspace {
                Trusted
            } else {
                Untrusted(Distrust::NotGoogleHosted)
            }
        }
        SocialProvider::Microsoft => {
            if super::is_true(identity.raw_claims.get("xms_edov")) {
                Trusted
            } else {
                Untrusted(Distrust::DomainOwnerNotVerified)
            }
        }
        SocialProvider::GitHub => Untrusted(Distrust::ProviderNeverTrusted),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use Distrust::*;
    use EmailTrust::*;
    use SocialProvider::*;

    fn identity(email: Option<&str>, verified: bool, hd: Option<&str>, raw: serde_json::Value) -> OidcIdentity {
        OidcIdentity {
            issuer: "https://op".into(),
            subject: "s".into(),
            email: email.map(Into::into),
            email_verified: verified,
            name: None,
            given_name: None,
            family_name: None,
            hd: hd.map(Into::into),
            raw_claims: raw,
        }
    }

    #[test]
    fn trust_rule_table() {
        let none = json!({});
        let cases = [
            // Google: its own consumer domains, or the Workspace domain named by hd; verified only.
            (Google, Some("ann@gmail.com"), true, None, none.clone(), Trusted),
            (Google, Some("ann@GoogleMail.com"), true, None, none.clone(), Trusted),
            (
                Google,
                Some("ann@gmail.com"),
                false,
                None,
                none.clone(),
                Untrusted(NotVerified),
            ),
            (
                Google,
                Some("ann@initech.com"),
                true,
                Some("initech.com"),
                none.clone(),
                Trusted,
            ),
            (
                Google,
                Some("ann@Initech.com"),
                true,
                Some("initech.COM"),
                none.clone(),
                Trusted,
            ),
            (
                Google,
                Some("ann@initech.com"),
                false,
                Some("initech.com"),
                none.clone(),
                Untrusted(NotVerified),
            ),
            (
                Google,
                Some("ann@initech.com"),
                true,
                None,
                none.clone(),
                Untrusted(NotGoogleHosted),
            ),
            (
                Google,
                Some("ann@yahoo.com"),
                true,
                None,
                none.clone(),
                Untrusted(NotGoogleHosted),
            ),
            // A Workspace user with an address outside the tenant's domain.
            (
                Google,
                Some("ann@vandelay.com"),
                true,
                Some("initech.com"),
                none.clone(),
                Untrusted(NotGoogleHosted),
            ),
            (
                Google,
                Some("ann@sub.initech.com"),
                true,
                Some("initech.com"),
                none.clone(),
                Untrusted(NotGoogleHosted),
            ),
            (
                Google,
                Some("ann@gmail.com.evil.com"),
                true,
                None,
                none.clone(),
                Untrusted(NotGoogleHosted),
            ),
            (
                Google,
                None,
                true,
                Some("initech.com"),
                none.clone(),
                Untrusted(NoEmail),
            ),
            (Google, Some("no-at-sign"), true, None, none.clone(), Untrusted(NoEmail)),
            // Microsoft: only xms_edov vouches; email_verified (which Entra does not send) does not.
            (
                Microsoft,
                Some("bo@contoso.com"),
                false,
                None,
                json!({"xms_edov": true}),
                Trusted,
            ),
            (
                Microsoft,
                Some("bo@contoso.com"),
                false,
                None,
                json!({"xms_edov": "true"}),
                Trusted,
            ),
            (
                Microsoft,
                Some("bo@contoso.com"),
                false,
                None,
                json!({"xms_edov": false}),
                Untrusted(DomainOwnerNotVerified),
            ),
            (
                Microsoft,
                Some("bo@contoso.com"),
                true,
                None,
                none.clone(),
                Untrusted(DomainOwnerNotVerified),
            ),
            (
                Microsoft,
                Some("bo@contoso.com"),
                true,
                None,
                json!({"xms_edov": 1}),
                Untrusted(DomainOwnerNotVerified),
            ),
            (
                Microsoft,
                None,
                true,
                None,
                json!({"xms_edov": true}),
                Untrusted(NoEmail),
            ),
            // GitHub: never, whatever it claims.
            (
                GitHub,
                Some("cy@gmail.com"),
                true,
                None,
                json!({"xms_edov": true}),
                Untrusted(ProviderNeverTrusted),
            ),
            (
                GitHub,
                Some("cy@example.com"),
                true,
                Some("example.com"),
                none.clone(),
                Untrusted(ProviderNeverTrusted),
            ),
        ];
        for (provider, email, verified, hd, raw, want) in cases {
            let who = identity(email, verified, hd, raw.clone());
            assert_eq!(
                email_trust(provider, &who),
                want,
                "{provider:?} {email:?} verified={verified} hd={hd:?} {raw}"
            );
        }
    }

    #[test]
    fn providers_parse_and_point_at_their_issuers() {
        assert_eq!("google".parse(), Ok(Google));
        assert_eq!("github".parse(), Ok(GitHub));
        assert!("okta".parse::<SocialProvider>().is_err());
        let config = |provider, base_url: Option<&str>, tenant: Option<&str>| SocialConfig {
            provider,
            client_id: "id".into(),
            client_secret: SecretString::from("secret"),
            base_url: base_url.map(Into::into),
            tenant: tenant.map(Into::into),
        };
        let issuer = |c: SocialConfig| c.oidc_provider().map(|p| p.issuer().to_owned());
        assert_eq!(
            issuer(config(Google, None, None)).as_deref(),
            Some("https://accounts.google.com")
        );
        assert_eq!(
            issuer(config(Google, Some("http://127.0.0.1:9"), None)).as_deref(),
            Some("http://127.0.0.1:9")
        );
        assert_eq!(
            issuer(config(Microsoft, None, Some("contoso.onmicrosoft.com"))).as_deref(),
            Some("https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0")
        );
        assert_eq!(issuer(config(GitHub, None, None)), None);
        assert_eq!(
            config(Microsoft, None, None).oidc_provider(),
            Some(Provider::DiscoverMultiTenant {
                url: "https://login.microsoftonline.com/common/v2.0".into()
            })
        );
    }
}
