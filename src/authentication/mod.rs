//! `POST /user_management/authenticate`: each grant proves something, then the sign-in
//! continues through what is still needed, in API.md's order: credential → email
//! verification → email-domain organization's SSO rule → MFA → organization selection →
//! session. A missing step answers a typed
//! error carrying a pending authentication token that the next grant presents.

use crate::context::Ctx;
use crate::identity::codes::{CodeError, CodeKind, RedeemError};
use crate::identity::credentials::{self, CredentialError};
use crate::identity::mailbox::{self, MailboxError};
use crate::identity::mfa::{self, MfaError};
use crate::identity::notify::NotifyError;
use crate::identity::proof::Route;
use crate::identity::recovery;
use crate::ids::AuthChallengeId;
use crate::orgs::jit;
use crate::orgs::memberships::MembershipError;
use crate::policy::admission::{self, Admission, Candidate};
use crate::policy::evaluate::{AuthFact, Requirement};
use crate::policy::policies::PolicyError;
use crate::sessions::lifecycle::{self as session_service, AuthMethod, Issued, NewSession, SessionError};
use crate::sessions::pending::{self, PendingError, Progress};
use crate::validation::Email;
use chrono::{DateTime, Utc};
use entities::{mfa_factors, organization_memberships as memberships, organizations, users};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use secrecy::SecretString;
use tracing::instrument;

pub mod ceiling;
mod social_signin;
mod sso_signin;
mod standing;

use standing::Standing;

pub enum Grant {
    Password {
        email: String,
        password: SecretString,
    },
    MagicAuth {
        email: String,
        code: String,
    },
    EmailVerification {
        pending_token: String,
        code: String,
    },
    Totp {
        pending_token: String,
        challenge_id: String,
        code: String,
    },
    RecoveryCode {
        pending_token: String,
        code: String,
    },
    OrganizationSelection {
        pending_token: String,
        organization_id: String,
    },
    RefreshToken {
        refresh_token: String,
        organization_id: Option<String>,
    },
    /// A one-time code that a hosted sign-in handed to the client's redirect URI.
    AuthorizationCode {
        code: String,
    },
    /// A one-time code that an SSO login (/sso/authorize → IdP → ACS) handed to the client;
    /// `pending_token` continues a sign-in that answered `sso_required`.
    Sso {
        code: String,
        /// PKCE: required when `/sso/authorize` had a `code_challenge`.
        code_verifier: Option<String>,
        pending_token: Option<String>,
    },
    /// A one-time code that a social sign-in (/sso/authorize?provider= → provider → callback) handed over.
    Social {
        code: String,
        code_verifier: Option<String>,
    },
}

pub struct Caller {
    pub client_id: String,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub delivery: Delivery,
}

/// How a completed sign-in reaches the client.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Delivery {
    /// Tokens in the reply: the vendor's backend called the API itself.
    #[default]
    Tokens,
    /// The hosted pages ran the sign-in in the user's browser: it ends in a one-time code
    /// (`Step::AuthorizationCode`) that the client's backend exchanges for tokens, so tokens
    /// never pass through the browser.
    AuthorizationCode,
}

pub struct SignedIn {
    pub user: users::Model,
    pub issued: Issued,
    pub authentication_method: String,
}

/// A step the sign-in still needs, with the token that continues it.
#[derive(Debug)]
pub struct Needed {
    pub step: Step,
    pub pending_token: String,
    pub user: users::Model,
}

#[derive(Debug)]
pub enum Step {
    EmailVerification {
        email_verification_id: String,
    },
    MfaChallenge {
        factors: Vec<mfa_factors::Model>,
    },
    OrganizationSelection {
        organizations: Vec<organizations::Model>,
    },
    /// The user must enroll an MFA factor before entering the organization.
    MfaEnrollment,
    /// The session does not meet the target organization's policy (API.md flow 2).
    Reauthentication {
        organization_id: String,
        requirements: Vec<Requirement>,
    },
    /// The organization that verified the email's domain lets its users in only through SSO.
    SsoRequired {
        email: String,
        organization_id: String,
        connection_ids: Vec<String>,
    },
    /// The sign-in is complete; `pending_token` is the one-time authorization code the client
    /// exchanges (only under `Delivery::AuthorizationCode`).
    AuthorizationCode,
}

/// The steps a TOTP or recovery code completes.
const MFA_STEPS: &[&str] = &["mfa_challenge", "mfa_enrollment", "reauthentication"];
/// The steps an SSO sign-in presenting a pending token completes.
const SSO_STEPS: &[&str] = &["sso_required", "reauthentication"];

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("unknown client_id")]
    UnknownClient,
    #[error("the email or password is not correct")]
    InvalidCredentials,
    #[error("{0}")]
    InvalidGrant(String),
    #[error(transparent)]
    Code(RedeemError),
    #[error("the user is not a member of that organization")]
    NotAMember,
    /// The account's ceiling on guesses is full for this caller (`ceiling`).
    #[error("too many attempts")]
    RateLimited(crate::ratelimit::Limited),
    #[error("{1}")]
    SsoRefused(&'static str, String),
    #[error("a step is still needed")]
    Needed(Box<Needed>),
    #[error(transparent)]
    Credential(#[from] CredentialError),
    #[error(transparent)]
    Mfa(#[from] MfaError),
    #[error(transparent)]
    Notify(#[from] NotifyError),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Invitation(#[from] crate::invitations::InvitationError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<PendingError> for AuthError {
    fn from(err: PendingError) -> Self {
        match err {
            PendingError::Invalid => AuthError::InvalidGrant("the pending authentication token is not valid".into()),
            PendingError::Db(db) => AuthError::Db(db),
        }
    }
}

impl From<CodeError> for AuthError {
    fn from(err: CodeError) -> Self {
        match err {
            CodeError::Redeem(r) => AuthError::Code(r),
            CodeError::Db(db) => AuthError::Db(db),
        }
    }
}

fn method(name: &str, at: DateTime<Utc>) -> AuthMethod {
    AuthMethod {
        method: name.to_owned(),
        at,
    }
}

async fn user_by_email(ctx: &Ctx, raw: &str) -> Result<Option<users::Model>, DbErr> {
    let Some(email) = Email::parse(raw) else {
        return Ok(None);
    };
    users::Entity::find()
        .filter(users::Column::EmailNormalized.eq(email.normalized))
        .one(ctx.db.read())
        .await
}

async fn user_by_id(ctx: &Ctx, id: &str) -> Result<users::Model, AuthError> {
    users::Entity::find_by_id(id)
        .one(ctx.db.read())
        .await?
        .ok_or_else(|| AuthError::InvalidGrant("unknown user".into()))
}

pub async fn authenticate(ctx: &Ctx, caller: &Caller, grant: Grant) -> Result<SignedIn, AuthError> {
    authenticate_with_invitation(ctx, caller, grant, None).await
}

/// `authenticate`, accepting the invitation of `invitation_token` once a password or emailed
/// code has identified the user; the session then starts in the invited organization.
#[instrument(skip_all, fields(client_id = %caller.client_id))]
pub async fn authenticate_with_invitation(
    ctx: &Ctx,
    caller: &Caller,
    grant: Grant,
    invitation_token: Option<String>,
) -> Result<SignedIn, AuthError> {
    let invitation_token = invitation_token.as_deref();
    crate::environment::clients::find_client(ctx, &caller.client_id)
        .await?
        .ok_or(AuthError::UnknownClient)?;
    let now = ctx.now();
    match grant {
        Grant::Password { email, password } => {
            let found = match Email::parse(&email) {
                Some(email) => credentials::find_by_email(ctx.db.read(), &email.normalized).await?,
                None => None,
            };
            let Some((user, credential)) = found else {
                credentials::burn_equivalent_time(&password).await;
                tracing::info!("password sign-in refused: unknown email");
                return Err(AuthError::InvalidCredentials);
            };
            let mut progress = Progress {
                methods: vec![method("password", now)],
                ..Progress::default()
            };
            // Accepting an invitation adds a membership, which changes the user's standing: read it
            // ahead only without one.
            let standing = async {
                match invitation_token {
                    None => Standing::load(ctx, &user, &progress).await.map(Some),
                    Some(_) => Ok(None),
                }
            };
            let reserved = ceiling::reserve(ctx, &user, caller).await?;
            let (matched, standing) = tokio::join!(
                credentials::check_password(&ctx.db, credential, &password, now),
                standing
            );
            if !matched? {
                tracing::info!(user_id = %user.id, "password sign-in refused: wrong password");
                return Err(AuthError::InvalidCredentials);
            }
            if let Some(reserved) = reserved {
                ceiling::give_back(ctx, reserved).await?;
            }
            let standing = standing?;
            let (user, organization_id) = accept_invitation(ctx, invitation_token, &mut progress, user).await?;
            progress.organization_id = organization_id;
            continue_sign_in_with(ctx, caller, user, progress, "password", standing).await
        }
        Grant::MagicAuth { email, code } => {
            let user = user_by_email(ctx, &email)
                .await?
                .ok_or(AuthError::Code(RedeemError::Invalid))?;
            let user = redeem_and_prove_mailbox(ctx, CodeKind::MagicAuth, user, &code, Route::MagicAuth).await?;
            let mut progress = Progress {
                methods: vec![method("magic_auth", now)],
                ..Progress::default()
            };
            let (user, organization_id) = accept_invitation(ctx, invitation_token, &mut progress, user).await?;
            progress.organization_id = organization_id;
            continue_sign_in(ctx, caller, user, progress, "magic_auth").await
        }
        Grant::EmailVerification { pending_token, code } => {
            let (user_id, waiting) =
                pending::peek_pending(ctx.db.read(), now, &pending_token, &caller.client_id).await?;
            let user = user_by_id(ctx, &user_id).await?;
            // The code continues this sign-in: whoever began it with the account's password keeps
            // it; a sign-in that began with an untrusted identity claims the account from whoever
            // set it up.
            let route = if first_method(&waiting) == "password" {
                Route::SignInWithPassword
            } else {
                Route::SignInWithIdentity
            };
            let user = redeem_and_prove_mailbox(ctx, CodeKind::EmailVerification, user, &code, route).await?;
            let (_, mut progress) = pending::take_pending(
                ctx.db.write(),
                now,
                &pending_token,
                &caller.client_id,
                &["email_verification"],
            )
            .await?;
            // First the invitation (with its role), then the identities that waited for the proof.
            let (user, organization_id) = accept_invitation(ctx, invitation_token, &mut progress, user).await?;
            if organization_id.is_some() {
                progress.organization_id = organization_id;
            }
            // The SSO identity that asserted this address is linked now that the mailbox is proven.
            let user = match progress.sso_link.take() {
                Some(link) => {
                    let user = sso_signin::link_proven(ctx, user, &link).await?;
                    progress.organization_id.get_or_insert(link.organization_id);
                    user
                }
                None => user,
            };
            // Likewise the social identity whose untrusted email named this account.
            let user = match progress.social_link.take() {
                Some(link) => social_signin::link_proven(ctx, user, &link).await?,
                None => user,
            };
            let first = first_method(&progress);
            continue_sign_in(ctx, caller, user, progress, &first).await
        }
        Grant::Totp {
            pending_token,
            challenge_id,
            code,
        } => {
            let (user_id, _) = pending::peek_pending(ctx.db.read(), now, &pending_token, &caller.client_id).await?;
            let challenge_id: AuthChallengeId = challenge_id
                .parse()
                .map_err(|_| AuthError::InvalidGrant("unknown authentication_challenge_id".into()))?;
            let (_, factor, valid) = mfa::verify_challenge(ctx, &challenge_id, &code).await?;
            if factor.user_id != user_id {
                return Err(AuthError::InvalidGrant("the challenge belongs to another user".into()));
            }
            if !valid {
                return Err(AuthError::Code(RedeemError::Invalid));
            }
            let (_, mut progress) =
                pending::take_pending(ctx.db.write(), now, &pending_token, &caller.client_id, MFA_STEPS).await?;
            progress.methods.push(method("totp", now));
            progress.mfa_at = Some(now);
            let user = user_by_id(ctx, &user_id).await?;
            let first = first_method(&progress);
            continue_sign_in(ctx, caller, user, progress, &first).await
        }
        Grant::RecoveryCode { pending_token, code } => {
            let (user_id, _) = pending::peek_pending(ctx.db.read(), now, &pending_token, &caller.client_id).await?;
            if !recovery::redeem_recovery_code(ctx.db.write(), &user_id, &code, now).await? {
                tracing::info!(user_id = %user_id, "wrong or used recovery code");
                return Err(AuthError::Code(RedeemError::Invalid));
            }
            let (_, mut progress) =
                pending::take_pending(ctx.db.write(), now, &pending_token, &caller.client_id, MFA_STEPS).await?;
            progress.methods.push(method("recovery_code", now));
            progress.mfa_at = Some(now);
            let user = user_by_id(ctx, &user_id).await?;
            let first = first_method(&progress);
            continue_sign_in(ctx, caller, user, progress, &first).await
        }
        Grant::OrganizationSelection {
            pending_token,
            organization_id,
        } => {
            let (user_id, mut progress) = pending::take_pending(
                ctx.db.write(),
                now,
                &pending_token,
                &caller.client_id,
                &["organization_selection"],
            )
            .await?;
            if !is_active_member(ctx, &user_id, &organization_id).await? {
                return Err(AuthError::NotAMember);
            }
            progress.organization_id = Some(organization_id);
            let user = user_by_id(ctx, &user_id).await?;
            let first = first_method(&progress);
            continue_sign_in(ctx, caller, user, progress, &first).await
        }
        Grant::AuthorizationCode { code } => {
            if !code.starts_with(pending::CODE_PREFIX) {
                return Err(AuthError::InvalidGrant("the code is not valid".into()));
            }
            let (user_id, progress) =
                pending::take_pending(ctx.db.write(), now, &code, &caller.client_id, &["authorization_code"])
                    .await
                    .map_err(|e| match e {
                        PendingError::Invalid => AuthError::InvalidGrant("the code is not valid".into()),
                        PendingError::Db(db) => AuthError::Db(db),
                    })?;
            let user = user_by_id(ctx, &user_id).await?;
            let first = first_method(&progress);
            continue_sign_in(ctx, caller, user, progress, &first).await
        }
        Grant::Social { code, code_verifier } => {
            let profile = crate::sso::social::redeem_code(
                ctx.db.write(),
                now,
                &caller.client_id,
                &code,
                code_verifier.as_deref(),
            )
            .await
            .map_err(|e| match e {
                crate::sso::flow::CodeError::Db(db) => AuthError::Db(db),
                other => AuthError::InvalidGrant(other.to_string()),
            })?;
            let resolved = social_signin::resolve(ctx, &profile).await?;
            let mut progress = Progress {
                methods: vec![method(&format!("oauth:{}", profile.provider.as_str()), now)],
                social_link: resolved.must_prove_mailbox.then(|| pending::SocialLink {
                    provider: profile.provider,
                    subject: profile.subject.clone(),
                }),
                ..Progress::default()
            };
            if resolved.must_prove_mailbox {
                // Not signed in as the account yet: its invitation waits for the proof.
                if let Some(token) = invitation_token {
                    let invitation = crate::invitations::accept::find_by_token(ctx, token).await?;
                    progress.invitation_id = Some(invitation.id);
                }
                return prove_mailbox_first(ctx, caller, resolved.user, progress).await;
            }
            let (user, invited_org) = accept_invitation(ctx, invitation_token, &mut progress, resolved.user).await?;
            progress.organization_id = invited_org;
            let name = crate::sso::social::workos_name(profile.provider);
            continue_sign_in(ctx, caller, user, progress, name).await
        }
        Grant::Sso {
            code,
            code_verifier,
            pending_token,
        } => {
            let profile =
                crate::sso::flow::redeem_code(ctx.db.write(), now, &caller.client_id, &code, code_verifier.as_deref())
                    .await
                    .map_err(|e| match e {
                        crate::sso::flow::CodeError::Db(db) => AuthError::Db(db),
                        other => AuthError::InvalidGrant(other.to_string()),
                    })?;
            let reauthenticating = match pending_token.as_deref() {
                Some(token) => {
                    let (_, waiting) = pending::peek_pending(ctx.db.read(), now, token, &caller.client_id).await?;
                    if !SSO_STEPS.contains(&waiting.awaiting.as_str()) {
                        return Err(PendingError::Invalid.into());
                    }
                    waiting.awaiting == "reauthentication"
                }
                None => false,
            };
            // Checked before anything is written: a refused invitation leaves no account or link.
            let presented = match invitation_token {
                Some(token) => {
                    Some(crate::invitations::accept::check_token_for_email(ctx, token, profile.email.as_deref()).await?)
                }
                None => None,
            };
            let invited = presented
                .as_ref()
                .filter(|p| p.for_asserted_email)
                .map(|p| &p.invitation);
            let resolved = sso_signin::resolve(ctx, &profile, invited).await?;
            let mut earlier = None;
            if let Some(token) = pending_token.as_deref() {
                let (user_id, waiting) =
                    pending::take_pending(ctx.db.write(), now, token, &caller.client_id, SSO_STEPS).await?;
                earlier = reauthenticating.then_some(waiting);
                if user_id != resolved.user.id {
                    tracing::info!(user_id = %resolved.user.id, "SSO sign-in refused: the pending token is another user's");
                    return Err(AuthError::InvalidGrant(
                        "the pending authentication token belongs to another user".into(),
                    ));
                }
            }
            let link = resolved.must_prove_mailbox.then(|| pending::SsoLink {
                connection_id: profile.connection_id.clone(),
                idp_id: profile.idp_id.clone(),
                organization_id: profile.organization_id.clone(),
            });
            let mut progress = Progress {
                methods: vec![method(&format!("sso:{}", profile.connection_id), now)],
                sso_link: link,
                ..Progress::default()
            };
            let user = if resolved.must_prove_mailbox {
                // Not signed in as the account yet: nothing is accepted, linked or joined, and the
                // connection's organization is not entered, before the mailbox is proven.
                progress.invitation_id = presented.as_ref().map(|p| p.invitation.id.clone());
                resolved.user
            } else {
                let (user, invited_org) =
                    accept_invitation(ctx, invitation_token, &mut progress, resolved.user).await?;
                progress.organization_id = invited_org.or(Some(profile.organization_id.clone()));
                user
            };
            // A re-authentication through SSO adds to what the sign-in (or the stepping-up
            // session) had proven, and still enters the organization that asked for it.
            if let Some(earlier) = earlier {
                let mut methods = earlier.methods;
                methods.append(&mut progress.methods);
                progress = Progress {
                    methods,
                    mfa_at: earlier.mfa_at,
                    organization_id: earlier.organization_id.or(progress.organization_id),
                    session_id: earlier.session_id,
                    ..progress
                };
            }
            if resolved.must_prove_mailbox {
                return prove_mailbox_first(ctx, caller, user, progress).await;
            }
            continue_sign_in(ctx, caller, user, progress, "sso").await
        }
        Grant::RefreshToken {
            refresh_token,
            organization_id,
        } => {
            let rotated = session_service::rotate_refresh(ctx, &refresh_token, organization_id.as_deref())
                .await
                .map_err(refresh_error)?;
            let membership = match admit_refresh(ctx, caller, &rotated).await {
                Ok(membership) => membership,
                Err(refused) => {
                    session_service::undo_refresh(ctx, &rotated)
                        .await
                        .map_err(refresh_error)?;
                    return Err(refused);
                }
            };
            let refreshed = session_service::finish_refresh(ctx, rotated, membership.as_ref())
                .await
                .map_err(refresh_error)?;
            Ok(SignedIn {
                user: refreshed.user,
                issued: refreshed.issued,
                authentication_method: "refresh_token".into(),
            })
        }
    }
}

fn refresh_error(err: SessionError) -> AuthError {
    match err {
        SessionError::NotAMember => AuthError::NotAMember,
        SessionError::InvalidRefreshToken | SessionError::Revoked | SessionError::Expired => {
            AuthError::InvalidGrant(err.to_string())
        }
        other => AuthError::Session(other),
    }
}

/// Accepts the invitation this sign-in carries for the user it identified: the grant's token, or
/// the one an earlier step of the same sign-in presented (remembered by id in `progress`). Returns
/// the user and the organization to sign in to. The token proves no mailbox: an invitation for an
/// address not yet proven waits in `progress` while the sign-in asks for the emailed code, and the
/// grant that proves it accepts.
async fn accept_invitation(
    ctx: &Ctx,
    token: Option<&str>,
    progress: &mut Progress,
    user: users::Model,
) -> Result<(users::Model, Option<String>), AuthError> {
    use crate::invitations::{accept, InvitationError};
    let invitation = match (token, progress.invitation_id.take()) {
        (Some(token), _) => accept::find_by_token(ctx, token).await?,
        (None, Some(id)) => accept::find_presented(ctx, &id).await?,
        (None, None) => return Ok((user, None)),
    };
    let id = invitation.id.clone();
    match accept::accept_for(ctx, invitation, &user).await {
        Ok(accepted) => Ok((accepted.user, Some(accepted.invitation.organization_id))),
        Err(InvitationError::EmailNotVerified) => {
            progress.invitation_id = Some(id);
            Ok((user, None))
        }
        Err(other) => Err(AuthError::Invitation(other)),
    }
}

/// How the sign-in began, named as its grant names it (`sso`, not `sso:<connection>`), so a
/// later step records the same `authentication.*_succeeded` event as a direct sign-in would.
fn first_method(progress: &Progress) -> String {
    match progress.methods.first().map(|m| m.method.as_str()) {
        Some(m) if m.starts_with("sso:") => "sso".to_owned(),
        Some(m) => m.to_owned(),
        None => String::new(),
    }
}

/// Redeeming a code sent to the mailbox proves the user owns it.
async fn redeem_and_prove_mailbox(
    ctx: &Ctx,
    kind: CodeKind,
    user: users::Model,
    code: &str,
    route: Route,
) -> Result<users::Model, AuthError> {
    mailbox::prove_mailbox(ctx, kind, user, code, route)
        .await
        .map_err(|err| match err {
            MailboxError::Code(CodeError::Redeem(r)) => AuthError::Code(r),
            MailboxError::Code(CodeError::Db(db)) | MailboxError::Db(db) => AuthError::Db(db),
            other => AuthError::InvalidGrant(other.to_string()),
        })
}

async fn is_active_member(ctx: &Ctx, user_id: &str, organization_id: &str) -> Result<bool, DbErr> {
    Ok(memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user_id))
        .filter(memberships::Column::OrganizationId.eq(organization_id))
        .filter(memberships::Column::Status.eq("active"))
        .one(ctx.db.read())
        .await?
        .is_some())
}

async fn needs(
    ctx: &Ctx,
    caller: &Caller,
    user: users::Model,
    mut progress: Progress,
    step: Step,
) -> Result<SignedIn, AuthError> {
    progress.awaiting = match step {
        Step::EmailVerification { .. } => "email_verification",
        Step::MfaChallenge { .. } => "mfa_challenge",
        Step::MfaEnrollment => "mfa_enrollment",
        Step::OrganizationSelection { .. } => "organization_selection",
        Step::Reauthentication { .. } => "reauthentication",
        Step::SsoRequired { .. } => "sso_required",
        Step::AuthorizationCode => "authorization_code",
    }
    .into();
    let pending_token = if matches!(step, Step::AuthorizationCode) {
        pending::create_code(ctx.db.write(), ctx.now(), &user.id, &caller.client_id, &progress).await?
    } else {
        pending::create_pending(ctx.db.write(), ctx.now(), &user.id, &caller.client_id, &progress).await?
    };
    Err(AuthError::Needed(Box::new(Needed {
        step,
        pending_token,
        user,
    })))
}

/// Emails a code to the user's address and answers email_verification_required.
async fn prove_mailbox_first(
    ctx: &Ctx,
    caller: &Caller,
    user: users::Model,
    progress: Progress,
) -> Result<SignedIn, AuthError> {
    let ticket = mailbox::email_code(ctx, CodeKind::EmailVerification, &user)
        .await
        .map_err(|err| match err {
            MailboxError::Code(CodeError::Db(db)) | MailboxError::Db(db) => AuthError::Db(db),
            other => AuthError::InvalidGrant(other.to_string()),
        })?;
    let step = Step::EmailVerification {
        email_verification_id: ticket.id,
    };
    needs(ctx, caller, user, progress, step).await
}

/// Takes a sign-in whose credential is proven through the remaining steps.
async fn continue_sign_in(
    ctx: &Ctx,
    caller: &Caller,
    user: users::Model,
    progress: Progress,
    authentication_method: &str,
) -> Result<SignedIn, AuthError> {
    continue_sign_in_with(ctx, caller, user, progress, authentication_method, None).await
}

/// `continue_sign_in` with the user's [`Standing`] when the grant has read it already.
async fn continue_sign_in_with(
    ctx: &Ctx,
    caller: &Caller,
    user: users::Model,
    progress: Progress,
    authentication_method: &str,
    standing: Option<Standing>,
) -> Result<SignedIn, AuthError> {
    let now = ctx.now();
    if let Some(session_id) = progress.session_id.clone() {
        return finish_step_up(ctx, caller, user, progress, &session_id).await;
    }
    if !user.email_verified {
        return prove_mailbox_first(ctx, caller, user, progress).await;
    }
    let standing = match standing {
        Some(standing) => standing,
        None => Standing::load(ctx, &user, &progress).await?,
    };
    if let Some(required) = standing.sso_required {
        tracing::info!(user_id = %user.id, organization_id = %required.organization_id,
            "sign-in refused: the email domain's organization requires SSO");
        let step = Step::SsoRequired {
            email: user.email.clone(),
            organization_id: required.organization_id,
            connection_ids: required.connection_ids,
        };
        return needs(ctx, caller, user, progress, step).await;
    }
    if progress.mfa_at.is_none() && !standing.verified_factors.is_empty() {
        let factors = standing.verified_factors;
        return needs(ctx, caller, user, progress, Step::MfaChallenge { factors }).await;
    }
    let mut progress = progress;
    let mut active = standing.active_memberships;
    if let Some(owner) = standing.jit_owner {
        let tx = ctx.db.begin().await?;
        let joined = jit::join_by_verified_domain(&tx, now, &user, owner)
            .await
            .map_err(|e| match e {
                MembershipError::Db(db) => AuthError::Db(db),
                other => AuthError::InvalidGrant(other.to_string()),
            })?;
        tx.commit().await?;
        if joined {
            active = crate::orgs::memberships::active_memberships(ctx.db.read(), &user.id).await?;
        }
    }
    // An SSO connection names its organization, but only a membership there lets the session
    // carry it: a deactivated member or an uninvited guest signs in to their own memberships.
    if let Some(org) = progress.organization_id.as_deref() {
        if !active.iter().any(|m| m.organization_id == org) {
            tracing::info!(user_id = %user.id, organization_id = org, "not an active member: the session will not carry it");
            progress.organization_id = None;
        }
    }
    if progress.organization_id.is_none() {
        match active.as_slice() {
            [] => {}
            [only] => progress.organization_id = Some(only.organization_id.clone()),
            many => {
                let ids: Vec<String> = many.iter().map(|m| m.organization_id.clone()).collect();
                let organizations = organizations::Entity::find()
                    .filter(organizations::Column::Id.is_in(ids))
                    .order_by_asc(organizations::Column::Name)
                    .all(ctx.db.read())
                    .await?;
                return needs(
                    ctx,
                    caller,
                    user,
                    progress,
                    Step::OrganizationSelection { organizations },
                )
                .await;
            }
        }
    }
    if let Some(org) = progress.organization_id.clone() {
        let candidate = Candidate {
            user_id: &user.id,
            methods: auth_facts(&progress.methods),
            mfa_at: progress.mfa_at,
            last_seen_at: now,
        };
        match admission::may_carry(ctx, &org, candidate, now)
            .await
            .map_err(policy_error)?
        {
            Admission::Admitted => {}
            Admission::NotAMember => return Err(AuthError::NotAMember),
            Admission::Requires(requirements) => {
                if requirements.contains(&Requirement::MfaEnrollment) {
                    return needs(ctx, caller, user, progress, Step::MfaEnrollment).await;
                }
                if requirements.contains(&Requirement::Mfa) {
                    let factors = standing.verified_factors;
                    return needs(ctx, caller, user, progress, Step::MfaChallenge { factors }).await;
                }
                let step = Step::Reauthentication {
                    organization_id: org,
                    requirements,
                };
                return needs(ctx, caller, user, progress, step).await;
            }
        }
    }
    if caller.delivery == Delivery::AuthorizationCode {
        return needs(ctx, caller, user, progress, Step::AuthorizationCode).await;
    }
    let issued = session_service::start_session(
        ctx,
        NewSession {
            user_id: user.id.clone(),
            client_id: caller.client_id.clone(),
            organization_id: progress.organization_id.clone(),
            methods: progress.methods.clone(),
            mfa_at: progress.mfa_at,
            ip_address: caller.ip_address.clone(),
            user_agent: caller.user_agent.clone(),
            authentication_event: Some(format!(
                "authentication.{}_succeeded",
                if authentication_method == "magic_auth" {
                    "magic_auth"
                } else if authentication_method == "sso" {
                    "sso"
                } else {
                    "password"
                }
            )),
        },
    )
    .await?;

    Ok(SignedIn {
        user,
        issued,
        authentication_method: authentication_method.to_owned(),
    })
}

fn policy_error(err: PolicyError) -> AuthError {
    match err {
        PolicyError::Db(db) => AuthError::Db(db),
        other => AuthError::InvalidGrant(other.to_string()),
    }
}

/// Whether the session a refresh has just rotated may carry the organization it is in now (the
/// one it switches to, or the one it had): an active membership, and the policy as it reads today
/// (one tightened since the session began takes hold here). Admitted: the active membership there,
/// if any. Refused: the caller undoes the rotation, so nothing is spent or issued, and the answer
/// names what is missing and carries a pending token that a completing grant presents.
async fn admit_refresh(
    ctx: &Ctx,
    caller: &Caller,
    rotated: &session_service::RotatedRefresh,
) -> Result<Option<memberships::Model>, AuthError> {
    let session = rotated.session();
    let Some(target) = session.organization_id.as_deref() else {
        return Ok(None);
    };
    let now = ctx.now();
    let methods = session_service::methods_of(session);
    let candidate = Candidate {
        user_id: &session.user_id,
        methods: auth_facts(&methods),
        mfa_at: session.mfa_at,
        // The rotation has just marked the session seen; the idle rule asks about before.
        last_seen_at: rotated.seen_before(),
    };
    let requirements = match admission::may_carry_as_member(ctx, target, candidate, now)
        .await
        .map_err(policy_error)?
    {
        (Admission::Admitted, membership) => return Ok(membership),
        (Admission::NotAMember, _) => {
            tracing::info!(session_id = %session.id, organization_id = target, "refresh refused: not an active member");
            return Err(AuthError::NotAMember);
        }
        (Admission::Requires(requirements), _) => requirements,
    };
    tracing::info!(session_id = %session.id, organization_id = target, "refresh refused: re-authentication required");
    let progress = Progress {
        methods,
        mfa_at: session.mfa_at,
        organization_id: Some(target.to_owned()),
        awaiting: String::new(),
        session_id: Some(session.id.clone()),
        sso_link: None,
        social_link: None,
        invitation_id: None,
    };
    let step = if requirements == [Requirement::MfaEnrollment] {
        Step::MfaEnrollment
    } else {
        Step::Reauthentication {
            organization_id: target.to_owned(),
            requirements,
        }
    };
    needs(ctx, caller, rotated.user.clone(), progress, step)
        .await
        .map(|_| None)
}

fn auth_facts(methods: &[AuthMethod]) -> Vec<AuthFact> {
    methods
        .iter()
        .map(|m| AuthFact {
            method: m.method.clone(),
            at: m.at,
        })
        .collect()
}

/// Completes a step-up: the same session gains the new facts and enters the organization
/// once its policy holds.
async fn finish_step_up(
    ctx: &Ctx,
    caller: &Caller,
    user: users::Model,
    progress: Progress,
    session_id: &str,
) -> Result<SignedIn, AuthError> {
    let now = ctx.now();
    let session = session_service::get_session(ctx, session_id)
        .await?
        .ok_or_else(|| AuthError::InvalidGrant("the session is gone".into()))?;
    let org = progress
        .organization_id
        .clone()
        .ok_or_else(|| AuthError::InvalidGrant("no organization to enter".into()))?;
    let candidate = Candidate {
        user_id: &session.user_id,
        methods: auth_facts(&progress.methods),
        mfa_at: progress.mfa_at,
        last_seen_at: session.last_seen_at,
    };
    match admission::may_carry(ctx, &org, candidate, now)
        .await
        .map_err(policy_error)?
    {
        Admission::Admitted => {}
        Admission::NotAMember => return Err(AuthError::NotAMember),
        Admission::Requires(requirements) => {
            let step = Step::Reauthentication {
                organization_id: org,
                requirements,
            };
            return needs(ctx, caller, user, progress, step).await;
        }
    }
    let issued = session_service::step_up(ctx, &session, progress.methods.clone(), progress.mfa_at, &org).await?;
    Ok(SignedIn {
        user,
        issued,
        authentication_method: "step_up".into(),
    })
}
