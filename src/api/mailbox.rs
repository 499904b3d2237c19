use super::auth::ApiKey;
use super::request::path_id;
use super::tags::Tag;
use super::text::Text;
use super::users::User;
use crate::context::Ctx;
use crate::error::ApiResult;
use crate::identity::mailbox::{self as service, Ticket};
use crate::ids::UserId;
use crate::ratelimit::AccountKey;
use chrono::{DateTime, Utc};
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use secrecy::SecretString;

pub struct MailboxApi {
    pub ctx: Ctx,
}

#[derive(Debug, Clone, Object)]
pub struct EmailInput {
    pub email: Text,
}

#[derive(Debug, Clone, Object)]
pub struct CodeInput {
    pub code: Text,
}

#[derive(Debug, Clone, Object)]
pub struct ResetInput {
    pub token: Text,
    pub new_password: Text,
}

/// A code was emailed; the code itself is never returned.
#[derive(Debug, Clone, Object)]
pub struct CodeTicket {
    pub object: String,
    pub id: String,
    pub email: String,
    pub expires_at: DateTime<Utc>,
}

fn ticket(object: &str, t: Ticket) -> CodeTicket {
    CodeTicket {
        object: object.into(),
        id: t.id,
        email: t.email,
        expires_at: t.expires_at,
    }
}

#[derive(Debug, Clone, Object)]
pub struct Accepted {
    pub status: String,
}

#[derive(ApiResponse)]
pub enum TicketCreated {
    #[oai(status = 201)]
    Ok(Json<CodeTicket>),
}

#[derive(ApiResponse)]
pub enum ResetStarted {
    #[oai(status = 202)]
    Ok(Json<Accepted>),
}

#[OpenApi(prefix_path = "/user_management", tag = "Tag::UserManagement")]
impl MailboxApi {
    /// Email a magic auth code (the same reply whether or not the address has an account)
    #[oai(path = "/magic_auth", method = "post")]
    async fn magic_auth(&self, req: &Request, _key: ApiKey, body: Json<EmailInput>) -> ApiResult<TicketCreated> {
        super::request::rate_limit(
            &self.ctx,
            super::request::client_ip(req, None).as_deref(),
            Some(&AccountKey::mailbox(&body.0.email)),
        )?;
        Ok(TicketCreated::Ok(Json(ticket(
            "magic_auth",
            service::start_magic_auth(&self.ctx, &body.0.email).await?,
        ))))
    }

    /// Email a verification code to the user's address
    #[oai(path = "/users/:id/email_verification/send", method = "post")]
    async fn send_verification(&self, _key: ApiKey, id: Path<String>) -> ApiResult<TicketCreated> {
        let user = path_id::<UserId>(&id.0, "user")?;
        Ok(TicketCreated::Ok(Json(ticket(
            "email_verification",
            service::send_email_verification(&self.ctx, &user).await?,
        ))))
    }

    /// Confirm the address with the emailed code
    #[oai(path = "/users/:id/email_verification/confirm", method = "post")]
    async fn confirm_verification(
        &self,
        req: &Request,
        _key: ApiKey,
        id: Path<String>,
        body: Json<CodeInput>,
    ) -> ApiResult<Json<User>> {
        super::request::rate_limit(
            &self.ctx,
            super::request::client_ip(req, None).as_deref(),
            Some(&AccountKey::user(&id.0)),
        )?;
        let user = path_id::<UserId>(&id.0, "user")?;
        Ok(Json(
            service::confirm_email_verification(&self.ctx, &user, &body.0.code)
                .await?
                .into(),
        ))
    }

    /// Email a password reset link (the same reply whether or not the address has an account)
    #[oai(path = "/password_reset", method = "post")]
    async fn password_reset(&self, req: &Request, _key: ApiKey, body: Json<EmailInput>) -> ApiResult<ResetStarted> {
        super::request::rate_limit(
            &self.ctx,
            super::request::client_ip(req, None).as_deref(),
            Some(&AccountKey::mailbox(&body.0.email)),
        )?;
        service::start_password_reset(&self.ctx, &body.0.email).await?;
        Ok(ResetStarted::Ok(Json(Accepted {
            status: "accepted".into(),
        })))
    }

    /// Set a new password with the token from the link; signs the user out everywhere
    #[oai(path = "/password_reset/confirm", method = "post")]
    async fn confirm_reset(&self, req: &Request, _key: ApiKey, body: Json<ResetInput>) -> ApiResult<Json<User>> {
        super::request::rate_limit(&self.ctx, super::request::client_ip(req, None).as_deref(), None)?;
        let b = body.0;
        let password = SecretString::from(b.new_password.0);
        Ok(Json(
            service::confirm_password_reset(&self.ctx, &b.token, &password)
                .await?
                .into(),
        ))
    }
}
