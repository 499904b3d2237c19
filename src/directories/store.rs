//! SQL for directory users and groups that sea-orm's query builder cannot express: SCIM
//! filters translated by `scim::filter_sql`, spliced into a `WHERE` with bound parameters.

use crate::scim::filter::{AttrPath, Filter};
use crate::scim::filter_sql::{filter_to_sql, AttributeMap, ColumnSpec, ColumnType, SqlDialect, SqlValue};
use crate::scim::patch::{GROUP_SCHEMA, USER_SCHEMA};
use entities::{directory_groups, directory_users};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, Statement};

const EMAIL_ROWS: &str = "SELECT 1 FROM directory_user_emails e WHERE e.directory_user_id = u.id";
const USER_GROUP_ROWS: &str = "SELECT 1 FROM directory_group_members gm WHERE gm.directory_user_id = u.id";
const GROUP_MEMBER_ROWS: &str = "SELECT 1 FROM directory_group_members gm WHERE gm.directory_group_id = g.id";

const CASE_IGNORED: ColumnType = ColumnType::String { case_exact: false };
const CASE_EXACT: ColumnType = ColumnType::String { case_exact: true };

fn in_core(path: &AttrPath, core: &str) -> bool {
    path.schema.as_deref().is_none_or(|s| s.eq_ignore_ascii_case(core))
}

/// Filterable User attributes (RFC 7643 §4.1 case rules): userName, name parts and emails
/// ignore case; id, externalId and group ids are exact.
pub struct UserColumns;

impl AttributeMap for UserColumns {
    fn column(&self, path: &AttrPath) -> Option<ColumnSpec> {
        if !in_core(path, USER_SCHEMA) {
            return None;
        }
        let spec = if path.names("userName", None) {
            // Same expression as the unique index directory_users_user_name.
            ColumnSpec::new("u.user_name", CASE_IGNORED)
        } else if path.names("id", None) {
            ColumnSpec::new("u.id", CASE_EXACT)
        } else if path.names("externalId", None) {
            ColumnSpec::new("u.external_id", CASE_EXACT)
        } else if path.names("displayName", None) {
            ColumnSpec::new("u.display_name", CASE_IGNORED)
        } else if path.names("active", None) {
            ColumnSpec::new("u.active", ColumnType::Boolean)
        } else if path.names("name", Some("givenName")) {
            ColumnSpec::new("u.first_name", CASE_IGNORED)
        } else if path.names("name", Some("familyName")) {
            ColumnSpec::new("u.last_name", CASE_IGNORED)
        } else if path.names("emails", None) || path.names("emails", Some("value")) {
            ColumnSpec::new("e.value", CASE_IGNORED).in_child_rows(EMAIL_ROWS)
        } else if path.names("emails", Some("type")) {
            ColumnSpec::new("e.type", CASE_IGNORED).in_child_rows(EMAIL_ROWS)
        } else if path.names("emails", Some("primary")) {
            ColumnSpec::new("e.is_primary", ColumnType::Boolean).in_child_rows(EMAIL_ROWS)
        } else if path.names("groups", None) || path.names("groups", Some("value")) {
            ColumnSpec::new("gm.directory_group_id", CASE_EXACT).in_child_rows(USER_GROUP_ROWS)
        } else {
            return None;
        };
        Some(spec)
    }
}

/// Filterable Group attributes (RFC 7643 §4.2): displayName ignores case; ids are exact.
pub struct GroupColumns;

impl AttributeMap for GroupColumns {
    fn column(&self, path: &AttrPath) -> Option<ColumnSpec> {
        if !in_core(path, GROUP_SCHEMA) {
            return None;
        }
        let spec = if path.names("displayName", None) {
            ColumnSpec::new("g.display_name", CASE_IGNORED)
        } else if path.names("id", None) {
            ColumnSpec::new("g.id", CASE_EXACT)
        } else if path.names("externalId", None) {
            ColumnSpec::new("g.external_id", CASE_EXACT)
        } else if path.names("members", None) || path.names("members", Some("value")) {
            ColumnSpec::new("gm.directory_user_id", CASE_EXACT).in_child_rows(GROUP_MEMBER_ROWS)
        } else {
            return None;
        };
        Some(spec)
    }
}

/// A filtered, offset-paged query (SCIM `startIndex` is an offset by definition).
pub struct Listing<'a> {
    pub directory_id: &'a str,
    pub filter: Option<&'a Filter>,
    /// 0-based.
    pub offset: u64,
    pub count: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error(transparent)]
    Filter(#[from] crate::scim::filter_sql::FilterSqlError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

#[derive(FromQueryResult)]
struct Total {
    n: i64,
}

struct Query {
    where_sql: String,
    values: Vec<sea_orm::Value>,
}

fn where_clause(
    backend: DbBackend,
    listing: &Listing<'_>,
    map: &impl AttributeMap,
    alias: &str,
) -> Result<Query, ListError> {
    let dialect = match backend {
        DbBackend::Postgres => SqlDialect::Postgres,
        _ => SqlDialect::Sqlite,
    };
    let (mut where_sql, mut values) = match listing.filter {
        Some(filter) => {
            let translated = filter_to_sql(filter, map, dialect)?;
            let values = translated
                .params
                .into_iter()
                .map(|p| match p {
                    SqlValue::Text(t) => sea_orm::Value::from(t),
                    SqlValue::Bool(b) => sea_orm::Value::from(b),
                })
                .collect::<Vec<_>>();
            (format!("({}) AND ", translated.sql), values)
        }
        None => (String::new(), Vec::new()),
    };
    values.push(listing.directory_id.into());
    where_sql.push_str(&format!(
        "{alias}.directory_id = {}",
        placeholder(backend, values.len())
    ));
    Ok(Query { where_sql, values })
}

fn placeholder(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}

async fn run<E, C>(
    db: &C,
    table: &str,
    alias: &str,
    listing: &Listing<'_>,
    map: &impl AttributeMap,
) -> Result<(u64, Vec<E::Model>), ListError>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let backend = db.get_database_backend();
    let query = where_clause(backend, listing, map, alias)?;
    let count_sql = format!("SELECT COUNT(*) AS n FROM {table} {alias} WHERE {}", query.where_sql);
    let count = Statement::from_sql_and_values(backend, count_sql, query.values.clone());
    if listing.count == 0 {
        return Ok((total(db, count).await?, Vec::new()));
    }
    let mut values = query.values;
    values.push((listing.count as i64).into());
    let limit = placeholder(backend, values.len());
    values.push((listing.offset as i64).into());
    let offset = placeholder(backend, values.len());
    let sql = format!(
        "SELECT {alias}.* FROM {table} {alias} WHERE {} ORDER BY {alias}.id LIMIT {limit} OFFSET {offset}",
        query.where_sql
    );
    let rows = E::find()
        .from_raw_sql(Statement::from_sql_and_values(backend, sql, values))
        .all(db)
        .await?;
    // A page shorter than asked for is the last one, so the total is known without a COUNT
    // (unless it is empty past the start: then the offset may overshoot). That covers every
    // IdP lookup: `userName eq "…"` gives one row or none at offset 0.
    let short_page = (rows.len() as u64) < listing.count && (!rows.is_empty() || listing.offset == 0);
    let total = if short_page {
        listing.offset + rows.len() as u64
    } else {
        total(db, count).await?
    };
    Ok((total, rows))
}

async fn total<C: ConnectionTrait>(db: &C, count: Statement) -> Result<u64, DbErr> {
    Ok(Total::find_by_statement(count)
        .one(db)
        .await?
        .map_or(0, |t| t.n.max(0) as u64))
}

/// Users of a directory matching the filter: the total and one page, in id order.
pub async fn list_users<C: ConnectionTrait>(
    db: &C,
    listing: &Listing<'_>,
) -> Result<(u64, Vec<directory_users::Model>), ListError> {
    run::<directory_users::Entity, _>(db, "directory_users", "u", listing, &UserColumns).await
}

/// Groups of a directory matching the filter: the total and one page, in id order.
pub async fn list_groups<C: ConnectionTrait>(
    db: &C,
    listing: &Listing<'_>,
) -> Result<(u64, Vec<directory_groups::Model>), ListError> {
    run::<directory_groups::Entity, _>(db, "directory_groups", "g", listing, &GroupColumns).await
}
