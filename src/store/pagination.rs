//! Keyset pagination over prefixed-ULID primary keys (`limit`, `before`, `after`, `order`).
//! Ids sort by creation time, so a page boundary stays put while rows are inserted.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Asc,
    Desc,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    Start,
    After(String),
    Before(String),
}

#[derive(Debug, Clone)]
pub struct PageRequest {
    pub limit: u64,
    pub cursor: Cursor,
    pub order: Order,
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            data: self.data.into_iter().map(f).collect(),
            before: self.before,
            after: self.after,
        }
    }
}

/// Runs `select` one page at a time, ordered by `id_col`; `id_of` reads a row's id.
pub async fn fetch_page<E, C>(
    db: &C,
    select: Select<E>,
    id_col: E::Column,
    id_of: impl Fn(&E::Model) -> String,
    page: &PageRequest,
) -> Result<Page<E::Model>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    // "Before" walks backwards from the cursor, so it reads in the opposite order and flips.
    let (walk_desc, select) = match (&page.cursor, page.order) {
        (Cursor::Start, order) => (order == Order::Desc, select),
        (Cursor::After(id), Order::Desc) => (true, select.filter(id_col.lt(id.clone()))),
        (Cursor::After(id), Order::Asc) => (false, select.filter(id_col.gt(id.clone()))),
        (Cursor::Before(id), Order::Desc) => (false, select.filter(id_col.gt(id.clone()))),
        (Cursor::Before(id), Order::Asc) => (true, select.filter(id_col.lt(id.clone()))),
    };
    let select = if walk_desc {
        select.order_by_desc(id_col)
    } else {
        select.order_by_asc(id_col)
    };
    let mut rows = select.limit(page.limit + 1).all(db).await?;
    let has_more = rows.len() as u64 > page.limit;
    rows.truncate(page.limit as usize);

    let backwards = matches!(page.cursor, Cursor::Before(_));
    if backwards {
        rows.reverse();
    }
    let first = rows.first().map(&id_of);
    let last = rows.last().map(&id_of);
    let (before, after) = match page.cursor {
        Cursor::Start => (None, if has_more { last } else { None }),
        Cursor::After(_) => (first, if has_more { last } else { None }),
        Cursor::Before(_) => (if has_more { first } else { None }, last),
    };
    Ok(Page {
        data: rows,
        before,
        after,
    })
}
