//! Keyset paging shared by every list: items in id order (ids are time-ordered
//! UUIDs), a page starts after the last id of the one before, and one extra row
//! tells whether another page follows.

use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgExecutor, Postgres, QueryBuilder};
use uuid::Uuid;

#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub after: Option<Uuid>,
    pub size: u16,
}

#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Whether items follow the last one of this page.
    pub has_more: bool,
}

/// What a read selects: one entity by id, or a page of the collection.
#[derive(Debug, Clone, Copy)]
pub enum Selection {
    One(Uuid),
    Page(PageRequest),
}

/// Appends the id condition, order and limit of `selection` to a query whose
/// WHERE clause is open.
pub fn push_selection(
    builder: &mut QueryBuilder<'_, Postgres>,
    id_column: &str,
    selection: Selection,
) {
    match selection {
        Selection::One(id) => {
            builder
                .push(format_args!(" and {id_column} = "))
                .push_bind(id);
        }
        Selection::Page(page) => {
            if let Some(after) = page.after {
                builder
                    .push(format_args!(" and {id_column} > "))
                    .push_bind(after);
            }
            builder
                .push(format_args!(" order by {id_column} limit "))
                .push_bind(i64::from(page.size) + 1);
        }
    }
}

/// The page out of rows fetched with one row more than the page holds.
fn into_page<T>(mut rows: Vec<T>, size: u16) -> Page<T> {
    let has_more = rows.len() > usize::from(size);
    rows.truncate(usize::from(size));
    Page {
        items: rows,
        has_more,
    }
}

/// Runs a query built with [`push_selection`] for one row, converted to `T`.
pub async fn fetch_one<R, T>(
    mut builder: QueryBuilder<'_, Postgres>,
    executor: impl PgExecutor<'_>,
) -> Result<Option<T>, sqlx::Error>
where
    R: for<'r> FromRow<'r, PgRow> + Send + Unpin + Into<T>,
{
    let row = builder
        .build_query_as::<R>()
        .fetch_optional(executor)
        .await?;
    Ok(row.map(Into::into))
}

/// Runs a query built with [`push_selection`] for a page of `size`, converted to `T`.
pub async fn fetch_page<R, T>(
    mut builder: QueryBuilder<'_, Postgres>,
    executor: impl PgExecutor<'_>,
    size: u16,
) -> Result<Page<T>, sqlx::Error>
where
    R: for<'r> FromRow<'r, PgRow> + Send + Unpin + Into<T>,
{
    let rows = builder.build_query_as::<R>().fetch_all(executor).await?;
    Ok(into_page(rows.into_iter().map(Into::into).collect(), size))
}
