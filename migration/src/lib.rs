pub use sea_orm_migration::prelude::*;

mod m0001_foundation;
mod m0002_email_outbox;
mod m0003_identity;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_email_outbox::Migration),
            Box::new(m0003_identity::Migration),
        ]
    }
}
