//! The hosted pages under `/hosted`, and `/reset-password` where reset emails link to.

use super::{mailbox, signin, static_css, steps};
use poem::{get, Route};

/// The routes under `/hosted`.
pub fn routes() -> Route {
    Route::new()
        .at("/static/hosted.css", get(static_css))
        .at("/authorize", get(signin::authorize))
        .at("/sign-in", get(signin::sign_in_page).post(signin::sign_in))
        .at("/sso", poem::post(signin::sso_start))
        .at("/sso/callback", get(signin::sso_callback))
        .at("/mfa", get(steps::mfa_page).post(steps::mfa_challenge))
        .at("/mfa/recovery", poem::post(steps::mfa_recovery))
        .at("/mfa/enroll", get(steps::enroll_page).post(steps::enroll))
        .at(
            "/organizations",
            get(steps::organizations_page).post(steps::pick_organization),
        )
        .at(
            "/reauthenticate",
            get(steps::reauthenticate_page).post(steps::reauthenticate),
        )
        .at(
            "/verify-email",
            get(mailbox::verify_email_page).post(mailbox::verify_email),
        )
        .at(
            "/magic-code/start",
            get(mailbox::magic_start_page).post(mailbox::magic_start),
        )
        .at("/magic-code", get(mailbox::magic_code_page).post(mailbox::magic_code))
        .at("/sign-up", get(mailbox::sign_up_page).post(mailbox::sign_up))
        .at(
            "/forgot-password",
            get(mailbox::forgot_password_page).post(mailbox::forgot_password),
        )
}

/// `/reset-password`, where password reset emails link to.
pub fn reset_password_route() -> poem::RouteMethod {
    get(mailbox::reset_password_page).post(mailbox::reset_password)
}
