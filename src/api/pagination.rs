//! List query parameters and the `list_metadata` object shared by every list endpoint.

use crate::error::{ApiError, FieldError};
use crate::store::pagination::{Cursor, Order, PageRequest};
use poem_openapi::{Enum, Object};

pub const DEFAULT_LIMIT: u64 = 10;
pub const MAX_LIMIT: u64 = 100;

#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "lowercase")]
pub enum ListOrder {
    Asc,
    Desc,
}

#[derive(Debug, Clone, Object)]
pub struct ListMetadata {
    /// Cursor for the previous page (pass as `before`), or null.
    pub before: Option<String>,
    /// Cursor for the next page (pass as `after`), or null at the end.
    pub after: Option<String>,
}

/// Builds a page request; cursors must be ids of the listed kind (`T`).
pub fn page_request<T: std::str::FromStr>(
    limit: Option<u64>,
    before: Option<String>,
    after: Option<String>,
    order: Option<ListOrder>,
) -> Result<PageRequest, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            "out_of_range",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let check = |field: &str, raw: String| -> Result<String, ApiError> {
        if raw.parse::<T>().is_ok() {
            Ok(raw)
        } else {
            let mut err = ApiError::invalid_request(format!("`{field}` is not a valid cursor"));
            err.body
                .errors
                .push(FieldError::new(field, "invalid_cursor", "not an id from this list"));
            Err(err)
        }
    };
    let cursor = match (before, after) {
        (Some(_), Some(_)) => return Err(ApiError::invalid_request("pass either `before` or `after`, not both")),
        (Some(b), None) => Cursor::Before(check("before", b)?),
        (None, Some(a)) => Cursor::After(check("after", a)?),
        (None, None) => Cursor::Start,
    };
    let order = match order {
        Some(ListOrder::Asc) => Order::Asc,
        _ => Order::Desc,
    };
    Ok(PageRequest { limit, cursor, order })
}

/// Declares `$list { data: Vec<$item>, list_metadata }` for one resource.
#[macro_export]
macro_rules! list_object {
    ($list:ident, $item:ty) => {
        #[derive(Debug, Clone, poem_openapi::Object)]
        pub struct $list {
            pub data: Vec<$item>,
            pub list_metadata: $crate::api::pagination::ListMetadata,
        }

        impl<T: Into<$item>> From<$crate::store::pagination::Page<T>> for $list {
            fn from(page: $crate::store::pagination::Page<T>) -> Self {
                Self {
                    data: page.data.into_iter().map(Into::into).collect(),
                    list_metadata: $crate::api::pagination::ListMetadata {
                        before: page.before,
                        after: page.after,
                    },
                }
            }
        }
    };
}
