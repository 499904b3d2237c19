//! The IdP subjects a user signed in as: a later SSO login with the same (connection,
//! IdP id) finds the same user even when the IdP's email for it changed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{cascade_fk, index, unique_index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("sso_identities")
                .col(string("id").primary_key())
                .col(string("connection_id"))
                .col(string("idp_id"))
                .col(string("user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut cascade_fk("sso_identities", "connection_id", "sso_connections"))
                .foreign_key(&mut cascade_fk("sso_identities", "user_id", "users"))
                .take(),
        )
        .await?;
        m.create_index(unique_index(
            "sso_identities",
            "sso_identities_subject",
            &["connection_id", "idp_id"],
        ))
        .await?;
        m.create_index(index("sso_identities", "sso_identities_user", &["user_id"]))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("sso_identities").take()).await
    }
}
