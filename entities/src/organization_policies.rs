use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "organization_policies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub organization_id: String,
    pub allowed_auth_methods: Option<Json>,
    pub sso_required: bool,
    pub sso_exempt_guests: bool,
    pub mfa_required: bool,
    pub max_session_age: Option<i64>,
    pub idle_timeout: Option<i64>,
    pub jit_provisioning: bool,
    pub jit_membership: bool,
    pub guest_domains: Json,
    pub invitation_domains: Option<Json>,
    pub require_work_email: bool,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
