//! Translates a parsed SCIM [`Filter`] into a SQL `WHERE` fragment with bound
//! parameters, for SQLite and PostgreSQL. No ORM: the caller splices `sql`
//! into its query and binds `params` in order.
//!
//! SQL text comes only from the [`AttributeMap`] (trusted constants) and from
//! this module; every value from the filter is a bound parameter.

use super::filter::{AttrPath, CompValue, CompareOp, Filter};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlDialect {
    /// `?` placeholders.
    Sqlite,
    /// `$1..$n` placeholders.
    Postgres,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// `case_exact` as in the attribute's RFC 7643 schema (userName: false,
    /// externalId and id: true).
    String {
        case_exact: bool,
    },
    Boolean,
    /// RFC 7643 §2.3.5 dateTime, stored as a timestamp (PostgreSQL) or as
    /// ISO-8601 text that SQLite's `julianday()` understands.
    DateTime,
}

/// Where a SCIM attribute lives in SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSpec {
    /// A SQL expression for the value, e.g. `u.user_name`, `e.value`, or
    /// `(u.state = 'active')` for a boolean derived from a state column.
    pub expr: &'static str,
    pub column_type: ColumnType,
    /// For multi-valued attributes: a correlated subquery selecting the
    /// resource's rows, without `EXISTS` or the trailing condition, e.g.
    /// `SELECT 1 FROM directory_user_emails e WHERE e.directory_user_id = u.id`.
    /// The condition is appended as `AND (...)` inside `EXISTS (...)`.
    pub child_rows: Option<&'static str>,
}

impl ColumnSpec {
    pub fn new(expr: &'static str, column_type: ColumnType) -> Self {
        ColumnSpec {
            expr,
            column_type,
            child_rows: None,
        }
    }

    /// The same column, read from the rows `child_rows` selects.
    pub fn in_child_rows(mut self, child_rows: &'static str) -> Self {
        self.child_rows = Some(child_rows);
        self
    }
}

/// Maps SCIM attribute paths to SQL.
///
/// Contract:
/// - `path` arrives as the client wrote it; attribute names are
///   case-insensitive (use [`AttrPath::names`]) and `path.schema` may carry
///   the core schema URN, which means the same as no schema.
/// - Inside a value filter (`emails[type eq "work"]`) the map is asked for
///   `emails.type`: the bracket's attribute with the inner name as sub-attribute.
/// - Return `None` for anything that cannot be filtered on; the filter then
///   fails with `invalidFilter`.
/// - All sub-attributes of one multi-valued attribute must return the same
///   `child_rows`, so one value filter tests one row.
pub trait AttributeMap {
    fn column(&self, path: &AttrPath) -> Option<ColumnSpec>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlValue {
    Text(String),
    Bool(bool),
}

/// A `WHERE` fragment and its parameters, in placeholder order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlFilter {
    pub sql: String,
    pub params: Vec<SqlValue>,
}

/// A filter that parses but cannot run against this attribute map.
/// All variants map to SCIM `scimType` "invalidFilter" (RFC 7644 §3.12).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterSqlError {
    #[error("attribute {0} is not supported in filters")]
    UnknownAttribute(String),
    #[error("operator {op} is not supported for attribute {attribute}")]
    UnsupportedOperator { attribute: String, op: &'static str },
    #[error("attribute {attribute} needs a {expected} value")]
    WrongValueType { attribute: String, expected: &'static str },
    #[error("value filter on {0} mixes attributes stored in different rows")]
    ValueFilterAcrossRows(String),
}

impl FilterSqlError {
    pub fn scim_type(&self) -> &'static str {
        "invalidFilter"
    }
}

/// Translates `filter` for `dialect`. PostgreSQL placeholders are numbered
/// from `$1`; to splice after other parameters, translate for SQLite and call
/// [`renumber_placeholders`] with the next free index.
pub fn filter_to_sql(
    filter: &Filter,
    map: &impl AttributeMap,
    dialect: SqlDialect,
) -> Result<SqlFilter, FilterSqlError> {
    let mut translation = Translation {
        map,
        dialect,
        params: Vec::new(),
    };
    let sql = translation.filter(filter)?;
    let sql = match dialect {
        SqlDialect::Sqlite => sql,
        SqlDialect::Postgres => renumber_placeholders(&sql, 1),
    };
    Ok(SqlFilter {
        sql,
        params: translation.params,
    })
}

/// Rewrites each `?` outside single-quoted literals as `$first`, `$first+1`, ...
pub fn renumber_placeholders(sql: &str, first: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut next = first;
    let mut in_literal = false;
    for c in sql.chars() {
        match c {
            '\'' => {
                in_literal = !in_literal;
                out.push(c);
            }
            '?' if !in_literal => {
                out.push('$');
                out.push_str(&next.to_string());
                next += 1;
            }
            _ => out.push(c),
        }
    }
    out
}

struct Translation<'m, M> {
    map: &'m M,
    dialect: SqlDialect,
    params: Vec<SqlValue>,
}

impl<M: AttributeMap> Translation<'_, M> {
    fn filter(&mut self, filter: &Filter) -> Result<String, FilterSqlError> {
        match filter {
            Filter::And(a, b) => Ok(format!("({} AND {})", self.filter(a)?, self.filter(b)?)),
            Filter::Or(a, b) => Ok(format!("({} OR {})", self.filter(a)?, self.filter(b)?)),
            // SQL comparisons with NULL are unknown, and NOT unknown is still
            // unknown: `not (externalId eq "x")` must match users without an
            // externalId, so unknown becomes false before negating.
            Filter::Not(inner) => Ok(format!("NOT COALESCE({}, FALSE)", self.filter(inner)?)),
            Filter::Compare { path, op, value } => {
                let spec = self.column(path)?;
                let condition = self.compare(path, &spec, *op, value)?;
                Ok(in_rows(&spec, condition))
            }
            Filter::Present(path) => {
                let spec = self.column(path)?;
                Ok(in_rows(&spec, present(&spec)))
            }
            Filter::ValuePath { path, filter } => self.value_path(path, filter),
        }
    }

    /// `emails[type eq "work" and value co "@x"]` must hold on one row, so the
    /// whole bracket goes inside a single EXISTS.
    fn value_path(&mut self, parent: &AttrPath, inner: &Filter) -> Result<String, FilterSqlError> {
        let mut rows: Option<Option<&'static str>> = None;
        let mut leaves = vec![inner];
        while let Some(node) = leaves.pop() {
            match node {
                Filter::And(a, b) | Filter::Or(a, b) => leaves.extend([a.as_ref(), b.as_ref()]),
                Filter::Not(a) | Filter::ValuePath { filter: a, .. } => leaves.push(a),
                Filter::Compare { path, .. } | Filter::Present(path) => {
                    let spec = self.column(&scoped(parent, path)?)?;
                    match rows {
                        None => rows = Some(spec.child_rows),
                        Some(seen) if seen == spec.child_rows => {}
                        Some(_) => return Err(FilterSqlError::ValueFilterAcrossRows(parent.to_string())),
                    }
                }
            }
        }
        let condition = self.scoped_filter(parent, inner)?;
        Ok(match rows.flatten() {
            Some(child_rows) => format!("EXISTS ({child_rows} AND {condition})"),
            None => condition,
        })
    }

    fn scoped_filter(&mut self, parent: &AttrPath, filter: &Filter) -> Result<String, FilterSqlError> {
        match filter {
            Filter::And(a, b) => Ok(format!(
                "({} AND {})",
                self.scoped_filter(parent, a)?,
                self.scoped_filter(parent, b)?
            )),
            Filter::Or(a, b) => Ok(format!(
                "({} OR {})",
                self.scoped_filter(parent, a)?,
                self.scoped_filter(parent, b)?
            )),
            Filter::Not(inner) => Ok(format!("NOT COALESCE({}, FALSE)", self.scoped_filter(parent, inner)?)),
            Filter::Compare { path, op, value } => {
                let path = scoped(parent, path)?;
                let spec = self.column(&path)?;
                self.compare(&path, &spec, *op, value)
            }
            Filter::Present(path) => {
                let spec = self.column(&scoped(parent, path)?)?;
                Ok(present(&spec))
            }
            // The grammar never nests value paths; refuse rather than guess.
            Filter::ValuePath { path, .. } => Err(FilterSqlError::UnknownAttribute(path.to_string())),
        }
    }

    fn column(&self, path: &AttrPath) -> Result<ColumnSpec, FilterSqlError> {
        self.map
            .column(path)
            .ok_or_else(|| FilterSqlError::UnknownAttribute(path.to_string()))
    }

    fn bind(&mut self, value: SqlValue) -> &'static str {
        self.params.push(value);
        "?"
    }

    fn compare(
        &mut self,
        path: &AttrPath,
        spec: &ColumnSpec,
        op: CompareOp,
        value: &CompValue,
    ) -> Result<String, FilterSqlError> {
        let expr = spec.expr;
        let unsupported = || FilterSqlError::UnsupportedOperator {
            attribute: path.to_string(),
            op: op.keyword(),
        };
        let wrong_type = |expected| FilterSqlError::WrongValueType {
            attribute: path.to_string(),
            expected,
        };
        // RFC 7644 leaves `eq null` undefined; reading it as "unassigned"
        // (RFC 7643 §2.5: null and unassigned are the same state) is the
        // only useful meaning.
        if *value == CompValue::Null {
            return match op {
                CompareOp::Eq => Ok(format!("{expr} IS NULL")),
                CompareOp::Ne => Ok(format!("{expr} IS NOT NULL")),
                _ => Err(unsupported()),
            };
        }
        match spec.column_type {
            ColumnType::String { case_exact } => {
                let CompValue::String(text) = value else {
                    return Err(wrong_type("string"));
                };
                let (column, param) = if case_exact {
                    (expr.to_string(), "?")
                } else {
                    // RFC 7643 §2.2 caseExact=false: compare case-folded.
                    (format!("LOWER({expr})"), "LOWER(?)")
                };
                let sql = match op {
                    CompareOp::Co | CompareOp::Sw | CompareOp::Ew => {
                        return Ok(self.pattern_match(expr, case_exact, op, text));
                    }
                    CompareOp::Eq => format!("{column} = {param}"),
                    CompareOp::Ne => format!("({expr} IS NULL OR {column} <> {param})"),
                    CompareOp::Gt => format!("{column} > {param}"),
                    CompareOp::Ge => format!("{column} >= {param}"),
                    CompareOp::Lt => format!("{column} < {param}"),
                    CompareOp::Le => format!("{column} <= {param}"),
                };
                self.bind(SqlValue::Text(text.clone()));
                Ok(sql)
            }
            ColumnType::Boolean => {
                let CompValue::Bool(flag) = value else {
                    return Err(wrong_type("boolean"));
                };
                // RFC 7644 §3.4.2.2: gt/ge/lt/le on a boolean "SHALL fail"
                // with invalidFilter; co/sw/ew are string operators.
                let sql = match op {
                    CompareOp::Eq => format!("{expr} = ?"),
                    CompareOp::Ne => format!("({expr} IS NULL OR {expr} <> ?)"),
                    _ => return Err(unsupported()),
                };
                self.bind(SqlValue::Bool(*flag));
                Ok(sql)
            }
            ColumnType::DateTime => {
                let symbol = match op {
                    CompareOp::Eq | CompareOp::Ne => "=",
                    CompareOp::Gt => ">",
                    CompareOp::Ge => ">=",
                    CompareOp::Lt => "<",
                    CompareOp::Le => "<=",
                    CompareOp::Co | CompareOp::Sw | CompareOp::Ew => return Err(unsupported()),
                };
                let CompValue::String(text) = value else {
                    return Err(wrong_type("dateTime"));
                };
                if xsd::date_time(text).is_err() {
                    return Err(wrong_type("dateTime with timezone (e.g. 2011-05-13T04:42:34Z)"));
                }
                // Compare instants, not text: stored and given values may use
                // different offsets and separators.
                let comparison = match self.dialect {
                    SqlDialect::Sqlite => format!("julianday({expr}) {symbol} julianday(?)"),
                    SqlDialect::Postgres => format!("{expr} {symbol} CAST(? AS TIMESTAMPTZ)"),
                };
                self.bind(SqlValue::Text(text.clone()));
                Ok(match op {
                    CompareOp::Ne => format!("({expr} IS NULL OR NOT ({comparison}))"),
                    _ => comparison,
                })
            }
        }
    }

    /// co/sw/ew. The user's text is escaped so `%`, `_` (LIKE) and `*`, `?`,
    /// `[` (GLOB) match literally.
    fn pattern_match(&mut self, expr: &str, case_exact: bool, op: CompareOp, text: &str) -> String {
        let wrap = |escaped: String, any: &str| match op {
            CompareOp::Sw => format!("{escaped}{any}"),
            CompareOp::Ew => format!("{any}{escaped}"),
            _ => format!("{any}{escaped}{any}"),
        };
        match (case_exact, self.dialect) {
            (false, _) => {
                self.bind(SqlValue::Text(wrap(like_escape(text), "%")));
                format!("LOWER({expr}) LIKE LOWER(?) ESCAPE '\\'")
            }
            (true, SqlDialect::Postgres) => {
                self.bind(SqlValue::Text(wrap(like_escape(text), "%")));
                format!("{expr} LIKE ? ESCAPE '\\'")
            }
            // SQLite's LIKE ignores ASCII case; GLOB is its case-sensitive match.
            (true, SqlDialect::Sqlite) => {
                self.bind(SqlValue::Text(wrap(glob_escape(text), "*")));
                format!("{expr} GLOB ?")
            }
        }
    }
}

/// The inner path of `parent[inner ...]` as the map sees it: `emails.type`.
fn scoped(parent: &AttrPath, inner: &AttrPath) -> Result<AttrPath, FilterSqlError> {
    if inner.sub_attr.is_some() || inner.schema.is_some() || parent.sub_attr.is_some() {
        return Err(FilterSqlError::UnknownAttribute(format!("{parent}[{inner}]")));
    }
    Ok(AttrPath {
        schema: parent.schema.clone(),
        attr: parent.attr.clone(),
        sub_attr: Some(inner.attr.clone()),
    })
}

fn in_rows(spec: &ColumnSpec, condition: String) -> String {
    match spec.child_rows {
        Some(child_rows) => format!("EXISTS ({child_rows} AND {condition})"),
        None => condition,
    }
}

/// RFC 7644 §3.4.2.2 `pr`: "has a non-empty value"; an empty string counts as
/// empty for string attributes.
fn present(spec: &ColumnSpec) -> String {
    let expr = spec.expr;
    match spec.column_type {
        ColumnType::String { .. } => format!("({expr} IS NOT NULL AND {expr} <> '')"),
        ColumnType::Boolean | ColumnType::DateTime => format!("{expr} IS NOT NULL"),
    }
}

fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn glob_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '*' => out.push_str("[*]"),
            '?' => out.push_str("[?]"),
            '[' => out.push_str("[[]"),
            _ => out.push(c),
        }
    }
    out
}

peg::parser! {
    // RFC 7643 §2.3.5 dateTime (xsd:dateTime), with a mandatory offset so the
    // instant does not depend on the database session's time zone.
    grammar xsd() for str {
        rule digit() = ['0'..='9']
        rule two() = digit() digit()
        pub rule date_time()
            = digit()*<4> "-" two() "-" two() "T" two() ":" two() ":" two() ("." digit()+)?
              ("Z" / ['+' | '-'] two() ":" two())
    }
}

#[cfg(test)]
mod tests {
    use super::super::filter::parse_filter;
    use super::*;

    const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
    const EMAIL_ROWS: &str = "SELECT 1 FROM directory_user_emails e WHERE e.directory_user_id = u.id";
    const GROUP_ROWS: &str = "SELECT 1 FROM directory_group_members m WHERE m.directory_user_id = u.id";

    struct DirectoryUsers;

    impl AttributeMap for DirectoryUsers {
        fn column(&self, path: &AttrPath) -> Option<ColumnSpec> {
            if let Some(schema) = &path.schema {
                if !schema.eq_ignore_ascii_case(USER_SCHEMA) {
                    return None;
                }
            }
            let ci = ColumnType::String { case_exact: false };
            let exact = ColumnType::String { case_exact: true };
            let spec = if path.names("userName", None) {
                ColumnSpec::new("u.username", ci)
            } else if path.names("externalId", None) {
                ColumnSpec::new("u.idp_id", exact)
            } else if path.names("active", None) {
                ColumnSpec::new("(u.state = 'active')", ColumnType::Boolean)
            } else if path.names("meta", Some("lastModified")) {
                ColumnSpec::new("u.updated_at", ColumnType::DateTime)
            } else if path.names("emails", None) || path.names("emails", Some("value")) {
                ColumnSpec::new("e.value", ci).in_child_rows(EMAIL_ROWS)
            } else if path.names("emails", Some("type")) {
                ColumnSpec::new("e.type", ci).in_child_rows(EMAIL_ROWS)
            } else if path.names("emails", Some("primary")) {
                ColumnSpec::new("e.is_primary", ColumnType::Boolean).in_child_rows(EMAIL_ROWS)
            } else if path.names("groups", Some("value")) {
                ColumnSpec::new("m.directory_group_id", exact).in_child_rows(GROUP_ROWS)
            } else if path.names("name", Some("givenName")) {
                ColumnSpec::new("u.first_name", ci)
            } else if path.names("name", Some("familyName")) {
                ColumnSpec::new("u.last_name", ci)
            } else {
                return None;
            };
            Some(spec)
        }
    }

    fn text(v: &str) -> SqlValue {
        SqlValue::Text(v.to_string())
    }

    fn translate(input: &str, dialect: SqlDialect) -> Result<SqlFilter, FilterSqlError> {
        filter_to_sql(&parse_filter(input).unwrap(), &DirectoryUsers, dialect)
    }

    #[test]
    fn translates_each_operator_for_sqlite() {
        let cases: Vec<(&str, &str, Vec<SqlValue>)> = vec![
            ("userName eq \"Bjensen\"", "LOWER(u.username) = LOWER(?)", vec![text("Bjensen")]),
            ("USERNAME Eq \"b\"", "LOWER(u.username) = LOWER(?)", vec![text("b")]),
            (
                "urn:ietf:params:scim:schemas:core:2.0:User:userName eq \"b\"",
                "LOWER(u.username) = LOWER(?)",
                vec![text("b")],
            ),
            ("userName ne \"b\"", "(u.username IS NULL OR LOWER(u.username) <> LOWER(?))", vec![text("b")]),
            ("userName co \"j\"", "LOWER(u.username) LIKE LOWER(?) ESCAPE '\\'", vec![text("%j%")]),
            ("userName sw \"j\"", "LOWER(u.username) LIKE LOWER(?) ESCAPE '\\'", vec![text("j%")]),
            ("userName ew \"j\"", "LOWER(u.username) LIKE LOWER(?) ESCAPE '\\'", vec![text("%j")]),
            (
                "userName co \"50%_off\\\\\"",
                "LOWER(u.username) LIKE LOWER(?) ESCAPE '\\'",
                vec![text("%50\\%\\_off\\\\%")],
            ),
            ("userName gt \"m\"", "LOWER(u.username) > LOWER(?)", vec![text("m")]),
            ("userName ge \"m\"", "LOWER(u.username) >= LOWER(?)", vec![text("m")]),
            ("userName lt \"m\"", "LOWER(u.username) < LOWER(?)", vec![text("m")]),
            ("userName le \"m\"", "LOWER(u.username) <= LOWER(?)", vec![text("m")]),
            ("userName pr", "(u.username IS NOT NULL AND u.username <> '')", vec![]),
            ("externalId eq \"AbC\"", "u.idp_id = ?", vec![text("AbC")]),
            ("externalId ne \"AbC\"", "(u.idp_id IS NULL OR u.idp_id <> ?)", vec![text("AbC")]),
            ("externalId co \"a*b?[c\"", "u.idp_id GLOB ?", vec![text("*a[*]b[?][[]c*")]),
            ("externalId sw \"00u\"", "u.idp_id GLOB ?", vec![text("00u*")]),
            ("externalId ew \"x\"", "u.idp_id GLOB ?", vec![text("*x")]),
            ("externalId gt \"a\"", "u.idp_id > ?", vec![text("a")]),
            ("externalId eq null", "u.idp_id IS NULL", vec![]),
            ("externalId ne null", "u.idp_id IS NOT NULL", vec![]),
            ("active eq true", "(u.state = 'active') = ?", vec![SqlValue::Bool(true)]),
            (
                "active ne false",
                "((u.state = 'active') IS NULL OR (u.state = 'active') <> ?)",
                vec![SqlValue::Bool(false)],
            ),
            ("active pr", "(u.state = 'active') IS NOT NULL", vec![]),
            (
                "meta.lastModified gt \"2011-05-13T04:42:34Z\"",
                "julianday(u.updated_at) > julianday(?)",
                vec![text("2011-05-13T04:42:34Z")],
            ),
            (
                "meta.lastModified le \"2011-05-13T04:42:34.5+02:00\"",
                "julianday(u.updated_at) <= julianday(?)",
                vec![text("2011-05-13T04:42:34.5+02:00")],
            ),
            (
                "meta.lastModified ne \"2011-05-13T04:42:34Z\"",
                "(u.updated_at IS NULL OR NOT (julianday(u.updated_at) = julianday(?)))",
                vec![text("2011-05-13T04:42:34Z")],
            ),
            (
                "emails.value eq \"a@x.com\"",
                "EXISTS (SELECT 1 FROM directory_user_emails e WHERE e.directory_user_id = u.id AND LOWER(e.value) = LOWER(?))",
                vec![text("a@x.com")],
            ),
            (
                "emails co \"@x.com\"",
                "EXISTS (SELECT 1 FROM directory_user_emails e WHERE e.directory_user_id = u.id AND LOWER(e.value) LIKE LOWER(?) ESCAPE '\\')",
                vec![text("%@x.com%")],
            ),
            (
                "emails[type eq \"work\" and value co \"@x.com\"]",
                "EXISTS (SELECT 1 FROM directory_user_emails e WHERE e.directory_user_id = u.id AND (LOWER(e.type) = LOWER(?) AND LOWER(e.value) LIKE LOWER(?) ESCAPE '\\'))",
                vec![text("work"), text("%@x.com%")],
            ),
            // Entra ID's lookup form
            (
                "emails[type eq \"work\"].value eq \"a@x.com\"",
                "EXISTS (SELECT 1 FROM directory_user_emails e WHERE e.directory_user_id = u.id AND (LOWER(e.type) = LOWER(?) AND LOWER(e.value) = LOWER(?)))",
                vec![text("work"), text("a@x.com")],
            ),
            (
                "emails[primary eq true]",
                "EXISTS (SELECT 1 FROM directory_user_emails e WHERE e.directory_user_id = u.id AND e.is_primary = ?)",
                vec![SqlValue::Bool(true)],
            ),
            (
                "name[givenName eq \"Barbara\"]",
                "LOWER(u.first_name) = LOWER(?)",
                vec![text("Barbara")],
            ),
            (
                "userName eq \"a\" or externalId eq \"b\" and active eq true",
                "(LOWER(u.username) = LOWER(?) OR (u.idp_id = ? AND (u.state = 'active') = ?))",
                vec![text("a"), text("b"), SqlValue::Bool(true)],
            ),
            (
                "not (userName eq \"a\")",
                "NOT COALESCE(LOWER(u.username) = LOWER(?), FALSE)",
                vec![text("a")],
            ),
            (
                "not (emails.value ew \"@x.com\")",
                "NOT COALESCE(EXISTS (SELECT 1 FROM directory_user_emails e WHERE e.directory_user_id = u.id AND LOWER(e.value) LIKE LOWER(?) ESCAPE '\\'), FALSE)",
                vec![text("%@x.com")],
            ),
            (
                "emails[not (type eq \"home\")]",
                "EXISTS (SELECT 1 FROM directory_user_emails e WHERE e.directory_user_id = u.id AND NOT COALESCE(LOWER(e.type) = LOWER(?), FALSE))",
                vec![text("home")],
            ),
        ];
        for (input, sql, params) in cases {
            assert_eq!(
                translate(input, SqlDialect::Sqlite),
                Ok(SqlFilter {
                    sql: sql.to_string(),
                    params
                }),
                "{input}"
            );
        }
    }

    #[test]
    fn translates_for_postgres() {
        let cases: Vec<(&str, &str, Vec<SqlValue>)> = vec![
            ("userName eq \"b\"", "LOWER(u.username) = LOWER($1)", vec![text("b")]),
            ("userName sw \"j\"", "LOWER(u.username) LIKE LOWER($1) ESCAPE '\\'", vec![text("j%")]),
            ("externalId co \"a%\"", "u.idp_id LIKE $1 ESCAPE '\\'", vec![text("%a\\%%")]),
            ("externalId ew \"x\"", "u.idp_id LIKE $1 ESCAPE '\\'", vec![text("%x")]),
            ("active eq false", "(u.state = 'active') = $1", vec![SqlValue::Bool(false)]),
            (
                "active ne true",
                "((u.state = 'active') IS NULL OR (u.state = 'active') <> $1)",
                vec![SqlValue::Bool(true)],
            ),
            ("userName ne \"b\"", "(u.username IS NULL OR LOWER(u.username) <> LOWER($1))", vec![text("b")]),
            ("userName co \"j\"", "LOWER(u.username) LIKE LOWER($1) ESCAPE '\\'", vec![text("%j%")]),
            ("userName ew \"j\"", "LOWER(u.username) LIKE LOWER($1) ESCAPE '\\'", vec![text("%j")]),
            ("userName gt \"m\"", "LOWER(u.username) > LOWER($1)", vec![text("m")]),
            ("userName lt \"m\"", "LOWER(u.username) < LOWER($1)", vec![text("m")]),
            ("externalId sw \"00u\"", "u.idp_id LIKE $1 ESCAPE '\\'", vec![text("00u%")]),
            ("externalId le \"m\"", "u.idp_id <= $1", vec![text("m")]),
            ("externalId eq null", "u.idp_id IS NULL", vec![]),
            ("externalId pr", "(u.idp_id IS NOT NULL AND u.idp_id <> '')", vec![]),
            (
                "meta.lastModified lt \"2011-05-13T04:42:34Z\"",
                "u.updated_at < CAST($1 AS TIMESTAMPTZ)",
                vec![text("2011-05-13T04:42:34Z")],
            ),
            (
                "meta.lastModified ne \"2011-05-13T04:42:34Z\"",
                "(u.updated_at IS NULL OR NOT (u.updated_at = CAST($1 AS TIMESTAMPTZ)))",
                vec![text("2011-05-13T04:42:34Z")],
            ),
            (
                "not (userName eq \"a\") and emails pr",
                "(NOT COALESCE(LOWER(u.username) = LOWER($1), FALSE) AND EXISTS (SELECT 1 FROM directory_user_emails e WHERE e.directory_user_id = u.id AND (e.value IS NOT NULL AND e.value <> '')))",
                vec![text("a")],
            ),
            (
                "meta.lastModified ge \"2011-05-13T04:42:34Z\"",
                "u.updated_at >= CAST($1 AS TIMESTAMPTZ)",
                vec![text("2011-05-13T04:42:34Z")],
            ),
            (
                "userName eq \"a\" and (externalId eq \"b\" or emails[type eq \"work\" and value eq \"c\"])",
                "(LOWER(u.username) = LOWER($1) AND (u.idp_id = $2 OR EXISTS (SELECT 1 FROM directory_user_emails e WHERE e.directory_user_id = u.id AND (LOWER(e.type) = LOWER($3) AND LOWER(e.value) = LOWER($4)))))",
                vec![text("a"), text("b"), text("work"), text("c")],
            ),
        ];
        for (input, sql, params) in cases {
            assert_eq!(
                translate(input, SqlDialect::Postgres),
                Ok(SqlFilter {
                    sql: sql.to_string(),
                    params
                }),
                "{input}"
            );
        }
    }

    #[test]
    fn rejects_filters_the_map_cannot_run() {
        let unknown = |a: &str| FilterSqlError::UnknownAttribute(a.to_string());
        let unsupported = |a: &str, op| FilterSqlError::UnsupportedOperator {
            attribute: a.to_string(),
            op,
        };
        let wrong = |a: &str, expected| FilterSqlError::WrongValueType {
            attribute: a.to_string(),
            expected,
        };
        let cases: Vec<(&str, FilterSqlError)> = vec![
            ("nickName eq \"x\"", unknown("nickName")),
            ("name.middleName pr", unknown("name.middleName")),
            (
                "urn:example:custom:User:userName eq \"x\"",
                unknown("urn:example:custom:User:userName"),
            ),
            ("emails[display eq \"x\"]", unknown("emails.display")),
            ("active gt true", unsupported("active", "gt")),
            ("active co true", unsupported("active", "co")),
            ("meta.lastModified sw \"2011\"", unsupported("meta.lastModified", "sw")),
            ("userName gt null", unsupported("userName", "gt")),
            ("active eq \"true\"", wrong("active", "boolean")),
            ("userName eq 5", wrong("userName", "string")),
            ("userName eq true", wrong("userName", "string")),
            (
                "meta.lastModified gt \"yesterday\"",
                wrong(
                    "meta.lastModified",
                    "dateTime with timezone (e.g. 2011-05-13T04:42:34Z)",
                ),
            ),
            (
                "meta.lastModified gt \"2011-05-13T04:42:34\"",
                wrong(
                    "meta.lastModified",
                    "dateTime with timezone (e.g. 2011-05-13T04:42:34Z)",
                ),
            ),
            ("meta.lastModified gt 5", wrong("meta.lastModified", "dateTime")),
            (
                "emails[value eq \"a\" and groups.value eq \"b\"]",
                unknown("emails[groups.value]"),
            ),
        ];
        for (input, want) in cases {
            for dialect in [SqlDialect::Sqlite, SqlDialect::Postgres] {
                let got = translate(input, dialect);
                assert_eq!(got, Err(want.clone()), "{input}");
            }
            assert_eq!(want.scim_type(), "invalidFilter");
        }
    }

    #[test]
    fn value_filter_across_tables_is_rejected() {
        struct Mixed;
        impl AttributeMap for Mixed {
            fn column(&self, path: &AttrPath) -> Option<ColumnSpec> {
                let ci = ColumnType::String { case_exact: false };
                if path.names("emails", Some("value")) {
                    Some(ColumnSpec::new("e.value", ci).in_child_rows(EMAIL_ROWS))
                } else if path.names("emails", Some("type")) {
                    Some(ColumnSpec::new("u.email_type", ci))
                } else {
                    None
                }
            }
        }
        let filter = parse_filter("emails[type eq \"work\" and value eq \"a\"]").unwrap();
        assert_eq!(
            filter_to_sql(&filter, &Mixed, SqlDialect::Sqlite),
            Err(FilterSqlError::ValueFilterAcrossRows("emails".to_string()))
        );
    }

    #[test]
    fn renumbers_placeholders_outside_literals() {
        let cases = [
            ("a = ? AND b = ?", 1, "a = $1 AND b = $2"),
            ("a = ? AND c = '?' AND b = ?", 3, "a = $3 AND c = '?' AND b = $4"),
            ("x LIKE ? ESCAPE '\\' OR y = ?", 1, "x LIKE $1 ESCAPE '\\' OR y = $2"),
            ("d = 'it''s ?' AND e = ?", 1, "d = 'it''s ?' AND e = $1"),
            ("no params", 1, "no params"),
        ];
        for (sql, first, want) in cases {
            assert_eq!(renumber_placeholders(sql, first), want, "{sql}");
        }
    }

    #[test]
    fn placeholder_count_matches_params() {
        for input in [
            "userName eq \"a\" or externalId co \"b\" and not (emails[type eq \"work\" and value sw \"c\"])",
            "meta.lastModified gt \"2011-05-13T04:42:34Z\" and active eq true",
        ] {
            let sqlite = translate(input, SqlDialect::Sqlite).unwrap();
            assert_eq!(sqlite.sql.matches('?').count(), sqlite.params.len(), "{input}");
            let postgres = translate(input, SqlDialect::Postgres).unwrap();
            assert!(!postgres.sql.contains('?'), "{input}");
            assert!(postgres.sql.contains(&format!("${}", postgres.params.len())), "{input}");
        }
    }
}
