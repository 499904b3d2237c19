use super::auth::ApiKey;
use super::memberships::OrganizationMembership;
use super::pagination::{page_request, ListOrder};
use super::request::{field_id, path_id};
use super::tags::Tag;
use super::text::Text;
use crate::context::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::ids::{InvitationId, OrganizationId, UserId};
use crate::invitations::rules::State;
use crate::invitations::settings::{self, Settings};
use crate::invitations::{self as service, accept, InvitationFilter, Issued, NewInvitation};
use crate::list_object;
use chrono::{DateTime, Utc};
use entities::invitations;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

pub struct InvitationsApi {
    pub ctx: Ctx,
}

#[derive(Debug, Clone, Object)]
pub struct Invitation {
    /// Always `invitation`.
    pub object: String,
    pub id: String,
    pub email: String,
    /// pending | accepted | expired | revoked
    pub state: String,
    pub organization_id: String,
    pub role_slug: String,
    /// member | guest: how the invitee joins
    pub kind: String,
    /// new_user | existing_user | work_email_required: which email the invitee got
    pub variant: String,
    pub inviter_user_id: Option<String>,
    pub accepted_user_id: Option<String>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
    pub reminders_sent: i32,
    /// Only in the answers of create and resend: the one-time token of the emailed link.
    #[oai(skip_serializing_if_is_none)]
    pub token: Option<String>,
    /// Only in the answers of create and resend: the emailed link.
    #[oai(skip_serializing_if_is_none)]
    pub accept_invitation_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<invitations::Model> for Invitation {
    fn from(i: invitations::Model) -> Self {
        Self {
            object: "invitation".into(),
            id: i.id,
            email: i.email,
            state: i.state,
            organization_id: i.organization_id,
            role_slug: i.role_slug,
            kind: i.kind,
            variant: i.variant,
            inviter_user_id: i.inviter_user_id,
            accepted_user_id: i.accepted_user_id,
            accepted_at: i.accepted_at,
            revoked_at: i.revoked_at,
            expires_at: i.expires_at,
            reminders_sent: i.reminders_sent,
            token: None,
            accept_invitation_url: None,
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
}

impl From<Issued> for Invitation {
    fn from(issued: Issued) -> Self {
        Self {
            token: Some(issued.token),
            accept_invitation_url: Some(issued.accept_url),
            ..issued.invitation.into()
        }
    }
}

list_object!(InvitationList, Invitation);

#[derive(Debug, Clone, Object)]
pub struct CreateInvitation {
    pub email: Text,
    pub organization_id: Text,
    /// The role the invitee gets; the default role when absent.
    pub role_slug: Option<Text>,
    /// 1..30, default 7.
    pub expires_in_days: Option<i64>,
    pub inviter_user_id: Option<Text>,
}

#[derive(Debug, Clone, Object)]
pub struct AcceptInvitation {
    pub user_id: Text,
}

#[derive(Debug, Clone, Object)]
pub struct AcceptedInvitation {
    pub invitation: Invitation,
    pub organization_membership: Option<OrganizationMembership>,
}

/// When an organization's pending invitations are reminded.
#[derive(Debug, Clone, Object)]
pub struct InvitationSettings {
    /// Always `invitation_settings`.
    pub object: String,
    pub organization_id: String,
    /// Days between the invitation (or the last reminder) and the next reminder, 1..30.
    pub reminder_after_days: i32,
    /// Reminders per invitation at most, 0..10 (0: none).
    pub max_reminders: i32,
}

#[derive(Debug, Clone, Object)]
pub struct PutInvitationSettings {
    pub reminder_after_days: i32,
    pub max_reminders: i32,
}

fn settings_view(org: String, s: Settings) -> InvitationSettings {
    InvitationSettings {
        object: "invitation_settings".into(),
        organization_id: org,
        reminder_after_days: s.reminder_after_days,
        max_reminders: s.max_reminders,
    }
}

#[derive(ApiResponse)]
pub enum Created {
    #[oai(status = 201)]
    Ok(Json<Invitation>),
}

// One impl serves both prefixes: each operation names its full path and tag.
#[OpenApi]
impl InvitationsApi {
    /// Invite someone into an organization; the email goes out at once
    #[oai(tag = "Tag::UserManagement", path = "/user_management/invitations", method = "post")]
    async fn create(&self, _key: ApiKey, body: Json<CreateInvitation>) -> ApiResult<Created> {
        let b = body.0;
        let new = NewInvitation {
            email: b.email.0,
            organization_id: field_id(&b.organization_id, "organization_id")?,
            role_slug: b.role_slug.map(String::from),
            expires_in_days: b.expires_in_days,
            inviter_user_id: b
                .inviter_user_id
                .map(|u| field_id::<UserId>(&u, "inviter_user_id"))
                .transpose()?,
        };
        Ok(Created::Ok(Json(
            service::send_invitation(&self.ctx, new).await?.into(),
        )))
    }

    /// List invitations of an organization, of an email address, or in a state
    #[allow(clippy::too_many_arguments)]
    #[oai(tag = "Tag::UserManagement", path = "/user_management/invitations", method = "get")]
    async fn list(
        &self,
        _key: ApiKey,
        organization_id: Query<Option<String>>,
        email: Query<Option<String>>,
        /// pending | accepted | expired | revoked
        state: Query<Option<String>>,
        limit: Query<Option<u64>>,
        before: Query<Option<String>>,
        after: Query<Option<String>>,
        order: Query<Option<ListOrder>>,
    ) -> ApiResult<Json<InvitationList>> {
        let state = state
            .0
            .map(|s| {
                State::parse(&s)
                    .ok_or_else(|| ApiError::field("state", "invalid_state", format!("unknown state `{s}`")))
            })
            .transpose()?;
        let page = page_request::<InvitationId>(limit.0, before.0, after.0, order.0)?;
        let filter = InvitationFilter {
            organization_id: organization_id
                .0
                .map(|o| field_id::<OrganizationId>(&o, "organization_id"))
                .transpose()?,
            email: email.0,
            state,
        };
        Ok(Json(service::list_invitations(&self.ctx, &filter, &page).await?.into()))
    }

    /// Get an invitation
    #[oai(
        tag = "Tag::UserManagement",
        path = "/user_management/invitations/:id",
        method = "get"
    )]
    async fn get(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Json<Invitation>> {
        let id = path_id::<InvitationId>(&id.0, "invitation")?;
        Ok(Json(service::get_invitation(&self.ctx, &id).await?.into()))
    }

    /// Find the invitation an emailed token belongs to (for the accept page)
    #[oai(
        tag = "Tag::UserManagement",
        path = "/user_management/invitations/by_token/:token",
        method = "get"
    )]
    async fn by_token(&self, _key: ApiKey, token: Path<String>) -> ApiResult<Json<Invitation>> {
        Ok(Json(service::get_by_token(&self.ctx, &token.0).await?.into()))
    }

    /// Send the invitation again with a new link; the old link stops working
    #[oai(
        tag = "Tag::UserManagement",
        path = "/user_management/invitations/:id/resend",
        method = "post"
    )]
    async fn resend(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Json<Invitation>> {
        let id = path_id::<InvitationId>(&id.0, "invitation")?;
        Ok(Json(service::resend_invitation(&self.ctx, &id).await?.into()))
    }

    /// Revoke a pending invitation
    #[oai(
        tag = "Tag::UserManagement",
        path = "/user_management/invitations/:id/revoke",
        method = "post"
    )]
    async fn revoke(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Json<Invitation>> {
        let id = path_id::<InvitationId>(&id.0, "invitation")?;
        Ok(Json(service::revoke_invitation(&self.ctx, &id).await?.into()))
    }

    /// Accept an invitation for a user whose verified email is the invited one
    #[oai(
        tag = "Tag::UserManagement",
        path = "/user_management/invitations/:id/accept",
        method = "post"
    )]
    async fn accept(
        &self,
        _key: ApiKey,
        id: Path<String>,
        body: Json<AcceptInvitation>,
    ) -> ApiResult<Json<AcceptedInvitation>> {
        let id = path_id::<InvitationId>(&id.0, "invitation")?;
        let user_id = field_id::<UserId>(&body.0.user_id, "user_id")?;
        let accepted = accept::accept_by_id(&self.ctx, &id, &user_id).await?;
        Ok(Json(AcceptedInvitation {
            invitation: accepted.invitation.into(),
            organization_membership: accepted.membership.map(Into::into),
        }))
    }

    /// When the organization's pending invitations are reminded (the server's defaults until set)
    #[oai(
        tag = "Tag::Organizations",
        path = "/organizations/:id/invitation_settings",
        method = "get"
    )]
    async fn get_settings(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Json<InvitationSettings>> {
        let org = path_id::<OrganizationId>(&id.0, "organization")?;
        let found = settings::get_settings(&self.ctx, org.as_str())
            .await
            .map_err(org_not_found)?;
        Ok(Json(settings_view(org.into_string(), found)))
    }

    /// Set when the organization's pending invitations are reminded
    #[oai(
        tag = "Tag::Organizations",
        path = "/organizations/:id/invitation_settings",
        method = "put"
    )]
    async fn put_settings(
        &self,
        _key: ApiKey,
        id: Path<String>,
        body: Json<PutInvitationSettings>,
    ) -> ApiResult<Json<InvitationSettings>> {
        let org = path_id::<OrganizationId>(&id.0, "organization")?;
        let new = Settings {
            reminder_after_days: body.0.reminder_after_days,
            max_reminders: body.0.max_reminders,
        };
        let saved = settings::put_settings(&self.ctx, org.as_str(), new)
            .await
            .map_err(org_not_found)?;
        Ok(Json(settings_view(org.into_string(), saved)))
    }
}

/// On an organization's own path, a missing organization is a 404.
fn org_not_found(err: service::InvitationError) -> ApiError {
    match err {
        service::InvitationError::OrganizationNotFound => ApiError::not_found("organization"),
        other => other.into(),
    }
}
