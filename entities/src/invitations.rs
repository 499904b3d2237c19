use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub email: String,
    pub email_normalized: String,
    pub role_slug: String,
    pub kind: String,
    pub state: String,
    pub variant: String,
    pub existing_user_id: Option<String>,
    pub inviter_user_id: Option<String>,
    pub accepted_user_id: Option<String>,
    pub expires_in_days: i32,
    pub expires_at: DateTimeUtc,
    pub reminders_sent: i32,
    pub next_reminder_at: Option<DateTimeUtc>,
    pub accepted_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
