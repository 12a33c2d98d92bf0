//! Keyset paging shared by every list: items in `$orderby` order and then id
//! order (ids are time-ordered UUIDs); a page starts after the last item of the
//! one before, and one extra row tells whether another page follows.

use crate::odata::{push_after, Bound, FieldKind, OrderKey};
use crate::tenant::Tenant;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgPool, Postgres, QueryBuilder, Row};
use uuid::Uuid;

/// Where a page starts: after the row with this id and these sort-key values.
#[derive(Debug, Clone, PartialEq)]
pub struct After {
    pub id: Uuid,
    pub keys: Vec<Bound>,
}

#[derive(Debug, Clone)]
pub struct PageRequest {
    pub after: Option<After>,
    pub size: u16,
}

#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Where the next page starts, when items follow this one.
    pub next: Option<After>,
}

/// What a read selects: one entity by id, or a page of the collection.
#[derive(Debug, Clone)]
pub enum Selection {
    One(Uuid),
    Page(PageRequest),
}

/// The table a list reads, for reading back the sort keys of a page's last row.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    pub name: &'static str,
    pub alias: &'static str,
}

/// A stored record with an id.
pub trait Identified {
    fn id(&self) -> Uuid;
}

/// Appends the id condition, order and limit of `selection` to a query whose
/// WHERE clause is open.
pub fn push_selection(
    builder: &mut QueryBuilder<'_, Postgres>,
    id_column: &str,
    selection: Selection,
    order: &[OrderKey],
) {
    match selection {
        Selection::One(id) => {
            builder
                .push(format_args!(" and {id_column} = "))
                .push_bind(id);
        }
        Selection::Page(page) => {
            if let Some(after) = page.after {
                builder.push(" and ");
                push_after(builder, order, &after.keys, id_column, after.id);
            }
            builder.push(" order by ");
            for key in order {
                builder.push(key.sql()).push(", ");
            }
            builder
                .push(format_args!("{id_column} limit "))
                .push_bind(i64::from(page.size) + 1);
        }
    }
}

/// Runs a query built with [`push_selection`] for one row, converted to `T`.
pub async fn fetch_one<R, T>(
    mut builder: QueryBuilder<'_, Postgres>,
    pool: &PgPool,
) -> Result<Option<T>, sqlx::Error>
where
    R: for<'r> FromRow<'r, PgRow> + Send + Unpin + Into<T>,
{
    let row = builder.build_query_as::<R>().fetch_optional(pool).await?;
    Ok(row.map(Into::into))
}

/// Runs a query built with [`push_selection`] for a page of `size`, converted to
/// `T`, and finds where the next page starts.
pub async fn fetch_page<R, T>(
    mut builder: QueryBuilder<'_, Postgres>,
    pool: &PgPool,
    tenant: Tenant,
    table: Table,
    order: &[OrderKey],
    size: u16,
) -> Result<Page<T>, sqlx::Error>
where
    R: for<'r> FromRow<'r, PgRow> + Send + Unpin + Into<T>,
    T: Identified,
{
    let rows = builder.build_query_as::<R>().fetch_all(pool).await?;
    let has_more = rows.len() > usize::from(size);
    let items: Vec<T> = rows
        .into_iter()
        .take(usize::from(size))
        .map(Into::into)
        .collect();
    let next = match items.last() {
        Some(last) if has_more => Some(After {
            id: last.id(),
            keys: sort_keys(pool, tenant, table, order, last.id()).await?,
        }),
        _ => None,
    };
    Ok(Page { items, next })
}

/// The values of the sort keys of one row (none without `$orderby`).
async fn sort_keys(
    pool: &PgPool,
    tenant: Tenant,
    table: Table,
    order: &[OrderKey],
    id: Uuid,
) -> Result<Vec<Bound>, sqlx::Error> {
    if order.is_empty() {
        return Ok(Vec::new());
    }
    let columns: Vec<&str> = order.iter().map(|key| key.column).collect();
    let mut builder = QueryBuilder::new(format!(
        "select {} from {} {} where {alias}.tenant_id = ",
        columns.join(", "),
        table.name,
        table.alias,
        alias = table.alias
    ));
    builder
        .push_bind(tenant.id())
        .push(format_args!(" and {}.id = ", table.alias))
        .push_bind(id);
    let row = builder.build().fetch_one(pool).await?;
    order
        .iter()
        .enumerate()
        .map(|(index, key)| {
            Ok(match key.kind {
                FieldKind::Guid => row
                    .try_get::<Option<Uuid>, _>(index)?
                    .map_or(Bound::Null, Bound::Guid),
                FieldKind::String | FieldKind::Enum(_) => row
                    .try_get::<Option<String>, _>(index)?
                    .map_or(Bound::Null, Bound::Text),
                FieldKind::DateTime => row
                    .try_get::<Option<DateTime<Utc>>, _>(index)?
                    .map_or(Bound::Null, Bound::DateTime),
                FieldKind::Integer => row
                    .try_get::<Option<i32>, _>(index)?
                    .map_or(Bound::Null, |value| Bound::Integer(value.into())),
                FieldKind::Boolean => row
                    .try_get::<Option<bool>, _>(index)?
                    .map_or(Bound::Null, Bound::Boolean),
            })
        })
        .collect()
}

impl Identified for crate::domain::workflow::Workflow {
    fn id(&self) -> Uuid {
        self.id
    }
}

impl Identified for crate::domain::workflow::Task {
    fn id(&self) -> Uuid {
        self.id
    }
}

impl Identified for crate::domain::run::Run {
    fn id(&self) -> Uuid {
        self.id
    }
}

impl Identified for crate::domain::user_processing_result::UserProcessingResult {
    fn id(&self) -> Uuid {
        self.id
    }
}

impl Identified for crate::domain::task_processing_result::TaskProcessingResult {
    fn id(&self) -> Uuid {
        self.id
    }
}
