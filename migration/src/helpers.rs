//! Schema-building shorthands shared by the migrations.

use sea_orm_migration::prelude::*;

pub fn unique_index(table: &'static str, name: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    index(table, name, cols).unique().take()
}

pub fn index(table: &'static str, name: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(*col);
    }
    index.take()
}

/// A foreign key to `to.id` whose rows go away with the row they point at.
pub fn cascade_fk(from: &'static str, col: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from, col)
        .to(to, "id")
        .on_delete(ForeignKeyAction::Cascade)
        .take()
}
