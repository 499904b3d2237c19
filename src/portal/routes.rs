//! The Admin Portal's pages under `/admin-portal`: the launch, then one wizard per intent.

use super::{domain_wizard, dsync_wizard, launch, launch_page, sso_wizard};
use poem::{get, Route};

/// The routes under `/admin-portal`.
pub fn routes() -> Route {
    Route::new()
        .at("/launch", get(launch_page).post(launch))
        .at("/sso", get(sso_wizard::provider_page).post(sso_wizard::pick_provider))
        .at(
            "/sso/configure",
            get(sso_wizard::configure_page).post(sso_wizard::configure),
        )
        .at("/sso/test", get(sso_wizard::test_page).post(sso_wizard::start_test))
        .at("/sso/test/callback", get(sso_wizard::test_callback))
        .at("/dsync", get(dsync_wizard::page).post(dsync_wizard::create))
        .at("/domains", get(domain_wizard::page).post(domain_wizard::add))
        .at("/domains/verify", poem::post(domain_wizard::verify))
}
