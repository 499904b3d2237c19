use super::auth::ApiKey;
use super::tags::Tag;
use crate::context::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::sso::flow::{self, AuthorizeRequest, FlowFailure, Profile as Record, Selector};
use crate::sso::social::{self, SocialProfile};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Form, Json};
use poem_openapi::{ApiResponse, Object, OpenApi};
use std::collections::BTreeMap;

pub struct SsoApi {
    pub ctx: Ctx,
}

#[derive(ApiResponse)]
pub enum Redirect {
    /// To the IdP, or back to the client's redirect URI (with `code` or `error`).
    #[oai(status = 302)]
    Found(#[oai(header = "Location")] String),
}

fn finish(result: Result<url::Url, FlowFailure>) -> ApiResult<Redirect> {
    match result {
        Ok(url) => Ok(Redirect::Found(url.into())),
        Err(FlowFailure::Redirect(url)) => Ok(Redirect::Found(url.into())),
        Err(FlowFailure::Direct { code, message }) => Err(ApiError::bad_request(code, message)),
        Err(FlowFailure::Db(db)) => Err(db.into()),
    }
}

#[derive(Debug, Clone, Object, serde::Deserialize)]
pub struct AcsForm {
    #[oai(rename = "SAMLResponse")]
    #[serde(rename = "SAMLResponse")]
    pub saml_response: String,
    #[oai(rename = "RelayState")]
    #[serde(rename = "RelayState")]
    pub relay_state: Option<String>,
}

#[derive(Debug, Clone, Object)]
pub struct TokenRequest {
    pub client_id: String,
    /// Always `authorization_code`.
    pub grant_type: String,
    pub code: String,
    /// Required when `/sso/authorize` had a `code_challenge`.
    pub code_verifier: Option<String>,
}

#[derive(Debug, Clone, Object)]
pub struct Profile {
    /// Always `profile`.
    pub object: String,
    pub id: String,
    /// For a social sign-in: the provider (google, microsoft, github).
    pub connection_id: String,
    /// SAML, OIDC, or for a social sign-in GoogleOAuth, MicrosoftOAuth, GitHubOAuth.
    pub connection_type: String,
    /// Null for a social sign-in.
    pub organization_id: Option<String>,
    pub idp_id: String,
    pub email: Option<String>,
    /// The email's domain is verified by the connection's organization; for a social sign-in, the provider
    /// may vouch for the address (Gmail or the Workspace `hd` domain, Microsoft's `xms_edov`; GitHub never).
    pub email_trusted: bool,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub groups: Vec<String>,
    pub raw_attributes: BTreeMap<String, Vec<String>>,
}

impl From<Record> for Profile {
    fn from(p: Record) -> Self {
        Self {
            object: "profile".into(),
            id: p.id,
            connection_id: p.connection_id,
            connection_type: p.connection_type,
            organization_id: Some(p.organization_id),
            idp_id: p.idp_id,
            email: p.email,
            email_trusted: p.email_trusted,
            first_name: p.first_name,
            last_name: p.last_name,
            groups: p.groups,
            raw_attributes: p.raw_attributes,
        }
    }
}

impl From<SocialProfile> for Profile {
    fn from(p: SocialProfile) -> Self {
        Self {
            object: "profile".into(),
            id: p.id,
            connection_id: p.provider.as_str().to_owned(),
            connection_type: social::workos_name(p.provider).to_owned(),
            organization_id: None,
            idp_id: p.subject,
            email: p.email,
            email_trusted: p.email_trusted,
            first_name: p.first_name,
            last_name: p.last_name,
            groups: Vec::new(),
            raw_attributes: p.raw_attributes,
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct TokenResponse {
    /// Always `Bearer`.
    pub token_type: String,
    /// Fetches the profile again at `GET /sso/profile` until it expires.
    pub access_token: String,
    /// Seconds the access token lives.
    pub expires_in: i64,
    pub profile: Profile,
}

#[OpenApi(tag = "Tag::Sso")]
impl SsoApi {
    /// Start an SSO login: 302 to the connection's IdP
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/sso/authorize", method = "get")]
    async fn authorize(
        &self,
        client_id: Query<String>,
        redirect_uri: Query<String>,
        response_type: Query<Option<String>>,
        state: Query<Option<String>>,
        code_challenge: Query<Option<String>>,
        code_challenge_method: Query<Option<String>>,
        connection: Query<Option<String>>,
        organization: Query<Option<String>>,
        domain_hint: Query<Option<String>>,
        /// Social sign-in: GoogleOAuth, MicrosoftOAuth or GitHubOAuth (or google, microsoft, github), as
        /// registered for the environment.
        provider: Query<Option<String>>,
    ) -> ApiResult<Redirect> {
        let selector = connection
            .0
            .map(Selector::Connection)
            .or(organization.0.map(Selector::Organization))
            .or(provider.0.map(Selector::Provider))
            .or(domain_hint.0.map(Selector::DomainHint));
        let req = AuthorizeRequest {
            client_id: client_id.0,
            redirect_uri: redirect_uri.0,
            response_type: response_type.0.unwrap_or_else(|| "code".into()),
            state: state.0,
            code_challenge: code_challenge.0,
            code_challenge_method: code_challenge_method.0,
            selector,
        };
        finish(flow::authorize(&self.ctx, req).await)
    }

    /// SAML Assertion Consumer Service (HTTP-POST binding)
    #[oai(path = "/sso/saml/acs/:connection_id", method = "post")]
    async fn acs(&self, connection_id: Path<String>, form: Form<AcsForm>) -> ApiResult<Redirect> {
        let form = form.0;
        finish(
            flow::saml_acs(
                &self.ctx,
                &connection_id.0,
                &form.saml_response,
                form.relay_state.as_deref(),
            )
            .await,
        )
    }

    /// OIDC redirect URI: the provider's answer for an OIDC connection's login
    #[oai(path = "/sso/oidc/callback", method = "get")]
    async fn oidc_callback(
        &self,
        state: Query<Option<String>>,
        code: Query<Option<String>>,
        iss: Query<Option<String>>,
        error: Query<Option<String>>,
    ) -> ApiResult<Redirect> {
        let params = crate::oidc::Callback {
            state: state.0,
            code: code.0,
            iss: iss.0,
            error: error.0,
        };
        finish(crate::sso::oidc_flow::callback(&self.ctx, params).await)
    }

    /// Trade a one-time SSO or social sign-in code for the profile
    #[oai(path = "/sso/token", method = "post")]
    async fn token(&self, _key: ApiKey, body: Json<TokenRequest>) -> ApiResult<Json<TokenResponse>> {
        let b = body.0;
        if b.grant_type != "authorization_code" {
            return Err(ApiError::bad_request(
                "unsupported_grant_type",
                "grant_type must be authorization_code",
            ));
        }
        let (profile, access_token) = if b.code.starts_with(social::CODE_PREFIX) {
            let (p, token) =
                social::exchange_code(&self.ctx, &b.client_id, &b.code, b.code_verifier.as_deref()).await?;
            (p.into(), token)
        } else {
            let (p, token) = flow::exchange_code(&self.ctx, &b.client_id, &b.code, b.code_verifier.as_deref()).await?;
            (p.into(), token)
        };
        Ok(Json(TokenResponse {
            token_type: "Bearer".into(),
            access_token,
            expires_in: flow::ACCESS_TOKEN_TTL_SECS,
            profile,
        }))
    }

    /// The profile again, for the access token `/sso/token` answered (`Authorization: Bearer <access_token>`)
    #[oai(path = "/sso/profile", method = "get")]
    async fn profile(&self, req: &poem::Request) -> ApiResult<Json<Profile>> {
        let unauthorized = || ApiError::unauthorized("send the access token from /sso/token as a Bearer token");
        let token = super::request::bearer(req).ok_or_else(unauthorized)?;
        if let Some(profile) = flow::profile_for_access_token(&self.ctx, token).await? {
            return Ok(Json(profile.into()));
        }
        let profile = social::profile_for_access_token(&self.ctx, token)
            .await?
            .ok_or_else(unauthorized)?;
        Ok(Json(profile.into()))
    }

    /// Social sign-in redirect URI: the provider's answer (register `/sso/social/{provider}/callback` there)
    #[oai(path = "/sso/social/:provider/callback", method = "get")]
    async fn social_callback(
        &self,
        provider: Path<String>,
        state: Query<Option<String>>,
        code: Query<Option<String>>,
        iss: Query<Option<String>>,
        error: Query<Option<String>>,
    ) -> ApiResult<Redirect> {
        let params = crate::oidc::Callback {
            state: state.0,
            code: code.0,
            iss: iss.0,
            error: error.0,
        };
        finish(crate::sso::social::callback(&self.ctx, &provider.0, params).await)
    }
}
