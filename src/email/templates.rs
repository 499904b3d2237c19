//! Email templates: `email-templates/<name>.{subject,html,txt}.hbs`, embedded at compile time
//! so the binary is self-contained. Rendering is strict: a variable the caller forgot is an
//! error, not an empty hole in an email that carries a code.

use handlebars::Handlebars;
use serde_json::Value;

/// Every template the service sends, as `(name, subject, html, text)`.
const EMBEDDED: &[(&str, &str, &str, &str)] = &[
    (
        "email_verification",
        include_str!("../../email-templates/email_verification.subject.hbs"),
        include_str!("../../email-templates/email_verification.html.hbs"),
        include_str!("../../email-templates/email_verification.txt.hbs"),
    ),
    (
        "magic_auth",
        include_str!("../../email-templates/magic_auth.subject.hbs"),
        include_str!("../../email-templates/magic_auth.html.hbs"),
        include_str!("../../email-templates/magic_auth.txt.hbs"),
    ),
    (
        "password_reset",
        include_str!("../../email-templates/password_reset.subject.hbs"),
        include_str!("../../email-templates/password_reset.html.hbs"),
        include_str!("../../email-templates/password_reset.txt.hbs"),
    ),
    (
        "invitation_new",
        include_str!("../../email-templates/invitation_new.subject.hbs"),
        include_str!("../../email-templates/invitation_new.html.hbs"),
        include_str!("../../email-templates/invitation_new.txt.hbs"),
    ),
    (
        "invitation_existing",
        include_str!("../../email-templates/invitation_existing.subject.hbs"),
        include_str!("../../email-templates/invitation_existing.html.hbs"),
        include_str!("../../email-templates/invitation_existing.txt.hbs"),
    ),
    (
        "invitation_work_email",
        include_str!("../../email-templates/invitation_work_email.subject.hbs"),
        include_str!("../../email-templates/invitation_work_email.html.hbs"),
        include_str!("../../email-templates/invitation_work_email.txt.hbs"),
    ),
    (
        "sign_in_flood",
        include_str!("../../email-templates/sign_in_flood.subject.hbs"),
        include_str!("../../email-templates/sign_in_flood.html.hbs"),
        include_str!("../../email-templates/sign_in_flood.txt.hbs"),
    ),
    (
        "invitation_reminder",
        include_str!("../../email-templates/invitation_reminder.subject.hbs"),
        include_str!("../../email-templates/invitation_reminder.html.hbs"),
        include_str!("../../email-templates/invitation_reminder.txt.hbs"),
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("no email template named {0}")]
    Unknown(String),
    #[error("email template {name} does not compile: {source}")]
    Invalid {
        name: String,
        source: Box<handlebars::TemplateError>,
    },
    #[error("email template {name} cannot render: {source}")]
    Render {
        name: String,
        source: Box<handlebars::RenderError>,
    },
}

/// A rendered email, ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// The compiled templates. HTML bodies are HTML-escaped; subjects and text bodies are not
/// (escaping them would put `&amp;` in front of the reader).
pub struct Templates {
    html: Handlebars<'static>,
    text: Handlebars<'static>,
}

impl Templates {
    /// Compiles the templates embedded in the binary.
    pub fn embedded() -> Result<Self, TemplateError> {
        let mut html = Handlebars::new();
        html.set_strict_mode(true);
        let mut text = Handlebars::new();
        text.set_strict_mode(true);
        text.register_escape_fn(handlebars::no_escape);
        for (name, subject, html_body, text_body) in EMBEDDED {
            let register = |registry: &mut Handlebars<'static>, part: &str, source: &str| {
                registry
                    .register_template_string(&format!("{name}.{part}"), source)
                    .map_err(|e| TemplateError::Invalid {
                        name: format!("{name}.{part}"),
                        source: Box::new(e),
                    })
            };
            register(&mut text, "subject", subject)?;
            register(&mut text, "txt", text_body)?;
            register(&mut html, "html", html_body)?;
        }
        Ok(Self { html, text })
    }

    /// Renders the subject, HTML and text of template `name` with `data`.
    ///
    /// Errors: `Unknown` for a name that is not embedded, `Render` when `data` lacks a variable.
    pub fn render(&self, name: &str, data: &Value) -> Result<Rendered, TemplateError> {
        if !self.html.has_template(&format!("{name}.html")) {
            return Err(TemplateError::Unknown(name.to_owned()));
        }
        let render = |registry: &Handlebars<'static>, part: &str| {
            let full = format!("{name}.{part}");
            registry.render(&full, data).map_err(|e| TemplateError::Render {
                name: full,
                source: Box::new(e),
            })
        };
        let subject = render(&self.text, "subject")?;
        Ok(Rendered {
            // One line: a newline from a variable must not start a new header.
            subject: subject.split_whitespace().collect::<Vec<_>>().join(" "),
            html: render(&self.html, "html")?,
            text: render(&self.text, "txt")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn full_data() -> Value {
        json!({
            "code": "123456",
            "reset_url": "https://app.example/reset?token=abc&x=1",
            "expires_in_minutes": 10,
            "app_name": "Acme <Cloud>",
            "email": "ada@example.com",
        })
    }

    #[test]
    fn each_template_renders_its_variables() {
        let templates = Templates::embedded().unwrap();
        let cases = [
            ("email_verification", "123456", "Verify your email for Acme <Cloud>"),
            ("magic_auth", "123456", "Your sign-in code for Acme <Cloud>"),
            (
                "password_reset",
                "https://app.example/reset?token=abc&x=1",
                "Reset your Acme <Cloud> password",
            ),
        ];
        for (name, secret, subject) in cases {
            let r = templates.render(name, &full_data()).unwrap();
            assert_eq!(r.subject, subject, "{name}: subject is text, unescaped");
            assert!(r.text.contains(secret), "{name}: text carries the secret");
            assert!(r.text.contains("10 minutes"), "{name}: text says the expiry");
            assert!(r.text.contains("Acme <Cloud>"), "{name}: text is not escaped");
            assert!(r.html.contains("<html lang=\"en\">"), "{name}: html has lang");
            assert!(r.html.contains("<h1"), "{name}: html has a heading");
            assert!(r.html.contains("Acme &lt;Cloud&gt;"), "{name}: html is escaped");
            assert!(!r.html.contains("Acme <Cloud>"), "{name}: html is escaped");
            assert!(r.html.contains("10 minutes"), "{name}: html says the expiry");
            if name == "password_reset" {
                assert!(r
                    .html
                    .contains("href=\"https://app.example/reset?token&#x3D;abc&amp;x&#x3D;1\""));
            } else {
                assert!(r.html.contains(">123456</p>"), "{name}: code in its block");
                assert!(r.html.contains("monospace"), "{name}: code in monospace");
            }
        }
    }

    #[test]
    fn a_missing_variable_or_template_is_an_error() {
        let templates = Templates::embedded().unwrap();
        for (name, drop) in [
            ("email_verification", "code"),
            ("magic_auth", "expires_in_minutes"),
            ("password_reset", "reset_url"),
            ("password_reset", "app_name"),
            ("magic_auth", "email"),
        ] {
            let mut data = full_data();
            data.as_object_mut().unwrap().remove(drop);
            let err = templates.render(name, &data).unwrap_err();
            assert!(
                matches!(err, TemplateError::Render { .. }),
                "{name} without {drop}: {err}"
            );
        }
        assert!(matches!(
            templates.render("no_such_email", &full_data()),
            Err(TemplateError::Unknown(_))
        ));
    }

    #[test]
    fn a_subject_stays_on_one_line() {
        let templates = Templates::embedded().unwrap();
        let mut data = full_data();
        data["app_name"] = json!("Acme\r\nBcc: victim@example.com");
        let r = templates.render("magic_auth", &data).unwrap();
        assert_eq!(r.subject, "Your sign-in code for Acme Bcc: victim@example.com");
    }
}
