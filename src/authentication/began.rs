//! How a sign-in began, typed: the first method it proved decides the name its reply gives
//! (`authentication_method`) and the `authentication.*_succeeded` event its session records,
//! however many steps (an emailed code, MFA, organization selection) came after it.

use crate::oidc::social::SocialProvider;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Began {
    Password,
    MagicAuth,
    Sso,
    OAuth(SocialProvider),
}

impl Began {
    /// Reads the first method a sign-in recorded (`password`, `magic_auth`, `sso:<connection>`,
    /// `oauth:<provider>`). A factor or a code is never how a sign-in begins: `None`.
    pub fn of_method(method: &str) -> Option<Self> {
        match method.split_once(':') {
            None if method == "password" => Some(Self::Password),
            None if method == "magic_auth" => Some(Self::MagicAuth),
            Some(("sso", connection)) if !connection.is_empty() => Some(Self::Sso),
            Some(("oauth", provider)) => provider.parse().ok().map(Self::OAuth),
            _ => None,
        }
    }

    /// The reply's `authentication_method`.
    pub fn reply_name(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::MagicAuth => "magic_auth",
            Self::Sso => "sso",
            Self::OAuth(provider) => crate::sso::social::workos_name(provider),
        }
    }

    /// The event the new session records.
    pub fn succeeded_event(self) -> &'static str {
        match self {
            Self::Password => "authentication.password_succeeded",
            Self::MagicAuth => "authentication.magic_auth_succeeded",
            Self::Sso => "authentication.sso_succeeded",
            Self::OAuth(_) => "authentication.oauth_succeeded",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_method_names_the_reply_and_the_event() {
        let cases = [
            (
                "password",
                Some((Began::Password, "password", "authentication.password_succeeded")),
            ),
            (
                "magic_auth",
                Some((Began::MagicAuth, "magic_auth", "authentication.magic_auth_succeeded")),
            ),
            ("sso:conn_01", Some((Began::Sso, "sso", "authentication.sso_succeeded"))),
            (
                "oauth:google",
                Some((
                    Began::OAuth(SocialProvider::Google),
                    "GoogleOAuth",
                    "authentication.oauth_succeeded",
                )),
            ),
            (
                "oauth:github",
                Some((
                    Began::OAuth(SocialProvider::GitHub),
                    "GitHubOAuth",
                    "authentication.oauth_succeeded",
                )),
            ),
            (
                "oauth:microsoft",
                Some((
                    Began::OAuth(SocialProvider::Microsoft),
                    "MicrosoftOAuth",
                    "authentication.oauth_succeeded",
                )),
            ),
            // Later steps, malformed and unknown names begin nothing.
            ("totp", None),
            ("recovery_code", None),
            ("sso:", None),
            ("sso", None),
            ("oauth:myspace", None),
            ("password:x", None),
            ("", None),
        ];
        for (method, expected) in cases {
            let began = Began::of_method(method);
            let got = began.map(|b| (b, b.reply_name(), b.succeeded_event()));
            assert_eq!(got, expected, "{method:?}");
        }
    }
}
