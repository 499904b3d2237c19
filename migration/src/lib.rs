pub use sea_orm_migration::prelude::*;

mod helpers;
mod m0001_foundation;
mod m0002_email_outbox;
mod m0003_identity;
mod m0004_recovery_codes;
mod m0005_organization_policies;
mod m0006_invitations;
mod m0007_sso;
mod m0008_directories;
mod m0009_webhooks;
mod m0010_sso_identities;
mod m0012_social_signin;
mod m0014_portal_links;
mod m0015_social_providers;
mod m0016_session_refresh_token;
mod m0017_sign_in_ceilings;
mod m0018_known_devices;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_email_outbox::Migration),
            Box::new(m0003_identity::Migration),
            Box::new(m0004_recovery_codes::Migration),
            Box::new(m0005_organization_policies::Migration),
            Box::new(m0006_invitations::Migration),
            Box::new(m0007_sso::Migration),
            Box::new(m0008_directories::Migration),
            Box::new(m0009_webhooks::Migration),
            Box::new(m0010_sso_identities::Migration),
            Box::new(m0012_social_signin::Migration),
            Box::new(m0014_portal_links::Migration),
            Box::new(m0015_social_providers::Migration),
            Box::new(m0016_session_refresh_token::Migration),
            Box::new(m0017_sign_in_ceilings::Migration),
            Box::new(m0018_known_devices::Migration),
        ]
    }
}
