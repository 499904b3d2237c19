use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "directory_user_emails")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub directory_user_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub position: i32,
    pub value: String,
    #[sea_orm(column_name = "type")]
    pub kind: Option<String>,
    pub is_primary: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
