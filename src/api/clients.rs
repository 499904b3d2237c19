use super::auth::ApiKey;
use super::request::path_id;
use super::tags::Tag;
use super::text::{self, Text};
use crate::context::Ctx;
use crate::environment::clients::{self as service, uris, ClientChanges};
use crate::error::ApiResult;
use crate::ids::ClientId;
use chrono::{DateTime, Utc};
use entities::clients;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

pub struct ClientsApi {
    pub ctx: Ctx,
}

#[derive(Debug, Clone, Object)]
pub struct Client {
    /// Always `client`.
    pub object: String,
    pub id: String,
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub logout_uris: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<clients::Model> for Client {
    fn from(c: clients::Model) -> Self {
        Self {
            object: "client".into(),
            redirect_uris: uris(&c.redirect_uris),
            logout_uris: uris(&c.logout_uris),
            id: c.id,
            name: c.name,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct ClientList {
    pub data: Vec<Client>,
}

#[derive(Debug, Clone, Object)]
pub struct CreateClient {
    pub name: Text,
    pub redirect_uris: Option<Vec<Text>>,
    pub logout_uris: Option<Vec<Text>>,
}

#[derive(Debug, Clone, Object)]
pub struct UpdateClient {
    pub name: Option<Text>,
    pub redirect_uris: Option<Vec<Text>>,
    pub logout_uris: Option<Vec<Text>>,
}

#[derive(ApiResponse)]
pub enum Created {
    #[oai(status = 201)]
    Ok(Json<Client>),
}

#[derive(ApiResponse)]
pub enum Deleted {
    #[oai(status = 204)]
    Ok,
}

#[OpenApi(tag = "Tag::Environment")]
impl ClientsApi {
    /// Register a client (an app that signs users in)
    #[oai(path = "/clients", method = "post")]
    async fn create(&self, _key: ApiKey, body: Json<CreateClient>) -> ApiResult<Created> {
        let b = body.0;
        let client = service::create_client(
            &self.ctx,
            &b.name,
            text::all(b.redirect_uris.unwrap_or_default()),
            text::all(b.logout_uris.unwrap_or_default()),
        )
        .await?;
        Ok(Created::Ok(Json(client.into())))
    }

    /// List clients
    #[oai(path = "/clients", method = "get")]
    async fn list(&self, _key: ApiKey) -> ApiResult<Json<ClientList>> {
        let clients = service::list_clients(&self.ctx).await?;
        Ok(Json(ClientList {
            data: clients.into_iter().map(Into::into).collect(),
        }))
    }

    /// Get a client
    #[oai(path = "/clients/:id", method = "get")]
    async fn get(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Json<Client>> {
        let id = path_id::<ClientId>(&id.0, "client")?;
        Ok(Json(service::get_client(&self.ctx, &id).await?.into()))
    }

    /// Update a client
    #[oai(path = "/clients/:id", method = "patch")]
    async fn update(&self, _key: ApiKey, id: Path<String>, body: Json<UpdateClient>) -> ApiResult<Json<Client>> {
        let id = path_id::<ClientId>(&id.0, "client")?;
        let b = body.0;
        let changes = ClientChanges {
            name: text::opt(b.name),
            redirect_uris: b.redirect_uris.map(text::all),
            logout_uris: b.logout_uris.map(text::all),
        };
        Ok(Json(service::update_client(&self.ctx, &id, changes).await?.into()))
    }

    /// Delete a client
    #[oai(path = "/clients/:id", method = "delete")]
    async fn delete(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Deleted> {
        let id = path_id::<ClientId>(&id.0, "client")?;
        service::delete_client(&self.ctx, &id).await?;
        Ok(Deleted::Ok)
    }
}
