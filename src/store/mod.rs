//! Database access shared by every service: the connection pair, keyset pagination, the
//! unique-violation check and the reading of stored JSON lists.

pub mod pagination;

use sea_orm::{ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, TransactionTrait};
use std::time::Duration;

/// Reads go to `read`; every write and transaction goes to `write`.
///
/// On SQLite the write pool holds one connection: SQLite allows one writer at a time and a
/// deferred transaction that upgrades to a writer fails with SQLITE_BUSY instead of waiting,
/// so serializing writers in the pool turns that failure into a short queue. Readers keep
/// their own pool and never block in WAL mode. On PostgreSQL both are the same pool.
#[derive(Clone)]
pub struct Db {
    read: DatabaseConnection,
    write: DatabaseConnection,
}

impl Db {
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, DbErr> {
        if url.contains(":memory:") {
            // Each connection to an in-memory SQLite database is its own database: keep one.
            let only = Database::connect(sqlite_options(url, 1)).await?;
            Ok(Self {
                read: only.clone(),
                write: only,
            })
        } else if url.starts_with("sqlite:") {
            let read = Database::connect(sqlite_options(url, max_connections)).await?;
            let write = Database::connect(sqlite_options(url, 1)).await?;
            Ok(Self { read, write })
        } else {
            let mut options = ConnectOptions::new(url);
            options
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .sqlx_logging(false);
            let pool = Database::connect(options).await?;
            Ok(Self {
                read: pool.clone(),
                write: pool,
            })
        }
    }

    pub fn read(&self) -> &DatabaseConnection {
        &self.read
    }

    pub fn write(&self) -> &DatabaseConnection {
        &self.write
    }

    pub async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        self.write.begin().await
    }

    pub fn backend(&self) -> DbBackend {
        self.write.get_database_backend()
    }
}

fn sqlite_options(url: &str, max_connections: u32) -> ConnectOptions {
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        // An in-process database cannot drop the connection; pinging before each use would only cost
        // the single writer a round trip per statement.
        .test_before_acquire(false)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true)
        });
    options
}

pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
}

/// A JSON column that holds a list of strings (`organization_policies.guest_domains`, …). A
/// value that is not one was written by something other than this code (a hand edit, a bad
/// restore), and reading it as an empty list would fail open (no guest domains means every
/// contractor's IdP-asserted email is trusted): it is an error.
pub fn string_list(column: &str, value: &serde_json::Value) -> Result<Vec<String>, DbErr> {
    serde_json::from_value(value.clone())
        .map_err(|_| DbErr::Custom(format!("{column} holds {value}, which is not a list of strings")))
}

#[cfg(test)]
mod string_list_tests {
    use super::string_list;
    use serde_json::json;

    #[test]
    fn only_a_list_of_strings_reads() {
        assert_eq!(
            string_list("c", &json!(["a.test", "b.test"])).unwrap(),
            ["a.test", "b.test"]
        );
        assert_eq!(string_list("c", &json!([])).unwrap(), Vec::<String>::new());
        for malformed in [
            json!("a.test"),
            json!({"a": 1}),
            json!([1]),
            json!(null),
            json!(["a", null]),
        ] {
            assert!(string_list("c", &malformed).is_err(), "{malformed}");
        }
    }
}
