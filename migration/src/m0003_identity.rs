//! Credentials, one-time codes, MFA factors, sessions, refresh tokens, signing keys and
//! pending authentications. Every secret here is stored hashed or sealed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{cascade_fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("password_credentials")
                .col(string("user_id").primary_key())
                // A PHC string: argon2id for ours, or an imported bcrypt/argon2/pbkdf2 hash.
                .col(text("password_hash"))
                .col(string("hash_type"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut cascade_fk("password_credentials", "user_id", "users"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("one_time_codes")
                .col(string("id").primary_key())
                // email_verification | magic_auth | password_reset
                .col(string("kind"))
                .col(string("user_id"))
                .col(string("email"))
                .col(string("code_hash"))
                .col(integer("attempts"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("consumed_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut cascade_fk("one_time_codes", "user_id", "users"))
                .take(),
        )
        .await?;
        m.create_index(index(
            "one_time_codes",
            "one_time_codes_user_kind",
            &["user_id", "kind"],
        ))
        .await?;
        m.create_index(index("one_time_codes", "one_time_codes_hash", &["code_hash"]))
            .await?;

        m.create_table(
            Table::create()
                .table("mfa_factors")
                .col(string("id").primary_key())
                .col(string("user_id"))
                .col(string("factor_type"))
                .col(text("secret_sealed"))
                // The last TOTP time step accepted: a code of that step or earlier is a replay.
                .col(big_integer_null("last_used_step"))
                .col(timestamp_with_time_zone_null("verified_at"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut cascade_fk("mfa_factors", "user_id", "users"))
                .take(),
        )
        .await?;
        m.create_index(index("mfa_factors", "mfa_factors_user", &["user_id"]))
            .await?;

        m.create_table(
            Table::create()
                .table("mfa_challenges")
                .col(string("id").primary_key())
                .col(string("factor_id"))
                .col(integer("attempts"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("verified_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut cascade_fk("mfa_challenges", "factor_id", "mfa_factors"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("sessions")
                .col(string("id").primary_key())
                .col(string("user_id"))
                .col(string("client_id"))
                .col(string_null("organization_id"))
                // [{"method": "password" | "magic_auth" | "email_verification" | "totp" | "sso:<conn>", "at": RFC 3339}]
                .col(json("auth_methods"))
                .col(timestamp_with_time_zone_null("mfa_at"))
                .col(string_null("ip_address"))
                .col(text_null("user_agent"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("last_seen_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .col(string_null("revoked_reason"))
                .foreign_key(&mut cascade_fk("sessions", "user_id", "users"))
                .take(),
        )
        .await?;
        m.create_index(index("sessions", "sessions_user", &["user_id", "id"]))
            .await?;

        m.create_table(
            Table::create()
                .table("refresh_tokens")
                .col(string("id").primary_key())
                .col(string("session_id"))
                .col(string_uniq("token_hash"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("used_at"))
                .foreign_key(&mut cascade_fk("refresh_tokens", "session_id", "sessions"))
                .take(),
        )
        .await?;
        m.create_index(index("refresh_tokens", "refresh_tokens_session", &["session_id"]))
            .await?;

        m.create_table(
            Table::create()
                .table("signing_keys")
                .col(string("id").primary_key())
                .col(string("alg"))
                .col(text("private_key_sealed"))
                .col(json("public_jwk"))
                // active (signs) | retiring (published, verifies live tokens) | retired
                .col(string("state"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("retiring_at"))
                .col(timestamp_with_time_zone_null("retired_at"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("pending_authentications")
                .col(string("id").primary_key())
                .col(string_uniq("token_hash"))
                .col(string("user_id"))
                .col(string("client_id"))
                // What the sign-in has proven so far and what it still needs.
                .col(json("state"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("consumed_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut cascade_fk("pending_authentications", "user_id", "users"))
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "pending_authentications",
            "signing_keys",
            "refresh_tokens",
            "sessions",
            "mfa_challenges",
            "mfa_factors",
            "one_time_codes",
            "password_credentials",
        ] {
            m.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}
