use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "directory_group_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub directory_group_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub directory_user_id: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
