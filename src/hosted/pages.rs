//! Rendering: `hosted-templates/<name>.hbs` (embedded at compile time, HTML-escaped) inside
//! `layout.hbs`, and the headers every hosted page carries.

use handlebars::Handlebars;
use poem::http::{header, StatusCode};
use poem::Response;
use serde_json::{json, Value};
use std::sync::LazyLock;

const TEMPLATES: &[(&str, &str)] = &[
    ("layout", include_str!("../../hosted-templates/layout.hbs")),
    ("sign_in", include_str!("../../hosted-templates/sign_in.hbs")),
    ("sign_up", include_str!("../../hosted-templates/sign_up.hbs")),
    ("verify_email", include_str!("../../hosted-templates/verify_email.hbs")),
    ("magic_start", include_str!("../../hosted-templates/magic_start.hbs")),
    ("magic_code", include_str!("../../hosted-templates/magic_code.hbs")),
    (
        "mfa_challenge",
        include_str!("../../hosted-templates/mfa_challenge.hbs"),
    ),
    ("mfa_enroll", include_str!("../../hosted-templates/mfa_enroll.hbs")),
    (
        "organizations",
        include_str!("../../hosted-templates/organizations.hbs"),
    ),
    (
        "reauthenticate",
        include_str!("../../hosted-templates/reauthenticate.hbs"),
    ),
    (
        "forgot_password",
        include_str!("../../hosted-templates/forgot_password.hbs"),
    ),
    (
        "reset_password",
        include_str!("../../hosted-templates/reset_password.hbs"),
    ),
    ("message", include_str!("../../hosted-templates/message.hbs")),
    (
        "portal_launch",
        include_str!("../../hosted-templates/portal_launch.hbs"),
    ),
    (
        "portal_sso_provider",
        include_str!("../../hosted-templates/portal_sso_provider.hbs"),
    ),
    (
        "portal_sso_configure",
        include_str!("../../hosted-templates/portal_sso_configure.hbs"),
    ),
    (
        "portal_sso_test",
        include_str!("../../hosted-templates/portal_sso_test.hbs"),
    ),
    ("portal_dsync", include_str!("../../hosted-templates/portal_dsync.hbs")),
    (
        "portal_dsync_created",
        include_str!("../../hosted-templates/portal_dsync_created.hbs"),
    ),
    (
        "portal_domains",
        include_str!("../../hosted-templates/portal_domains.hbs"),
    ),
];

pub const CSS: &str = include_str!("../../hosted-templates/hosted.css");

static REGISTRY: LazyLock<Handlebars<'static>> = LazyLock::new(|| {
    let mut hb = Handlebars::new();
    for (name, source) in TEMPLATES {
        if let Err(err) = hb.register_template_string(name, *source) {
            tracing::error!(template = name, error = %err, "hosted template does not compile");
        }
    }
    hb
});

// Pages load only their own stylesheet; inline SVG needs no source. No framing (clickjacking),
// no referrer (reset tokens sit in URLs), no caching (pages carry CSRF tokens and secrets).
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";

fn secured(builder: poem::ResponseBuilder) -> poem::ResponseBuilder {
    builder
        .header(header::CONTENT_SECURITY_POLICY, CSP)
        .header(header::X_FRAME_OPTIONS, "DENY")
        .header(header::REFERRER_POLICY, "no-referrer")
        .header(header::CACHE_CONTROL, "no-store")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
}

/// Renders `name` with `data` (which carries `title` and may carry `error`) inside the layout.
pub fn render(name: &str, data: &Value) -> String {
    let body = REGISTRY.render(name, data).unwrap_or_else(|err| {
        tracing::error!(template = name, error = %err, "hosted page cannot render");
        String::new()
    });
    let mut layout = data.clone();
    if let Some(map) = layout.as_object_mut() {
        map.insert("body".into(), Value::String(body));
    }
    REGISTRY.render("layout", &layout).unwrap_or_default()
}

/// A page response, with `cookie` set when the flow changed.
pub fn page(status: StatusCode, name: &str, data: &Value, cookie: Option<String>) -> Response {
    let mut builder = secured(Response::builder().status(status)).content_type("text/html; charset=utf-8");
    if let Some(cookie) = cookie {
        builder = builder.header(header::SET_COOKIE, cookie);
    }
    builder.body(render(name, data))
}

/// A plain message page (errors and confirmations).
pub fn message(status: StatusCode, title: &str, text: &str, link: Option<(&str, &str)>) -> Response {
    let (link, link_text) = link.unzip();
    page(
        status,
        "message",
        &json!({"title": title, "message": text, "link": link, "link_text": link_text}),
        None,
    )
}

/// 303 See Other to `location` (after a form POST, or to leave the flow).
pub fn see_other(location: &str, cookie: Option<String>) -> Response {
    let mut builder = secured(Response::builder().status(StatusCode::SEE_OTHER)).header(header::LOCATION, location);
    if let Some(cookie) = cookie {
        builder = builder.header(header::SET_COOKIE, cookie);
    }
    builder.finish()
}

pub fn stylesheet() -> Response {
    Response::builder()
        .content_type("text/css; charset=utf-8")
        .header(header::CACHE_CONTROL, "public, max-age=3600")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .body(CSS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles_and_escapes() {
        for (name, _) in TEMPLATES {
            assert!(REGISTRY.get_template(name).is_some(), "{name}");
        }
        let html = render(
            "message",
            &json!({"title": "T", "message": "<script>alert(1)</script>", "link": null, "link_text": null}),
        );
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"), "{html}");
    }
}
