//! Reading collections, shared by every list: paging by keyset, items in `$orderby` order and then id
//! order (ids are time-ordered UUIDs); a page starts after the last item of the
//! one before, and one extra row tells whether another page follows.

use super::counters::{self, Counters};
use super::Pool;
use crate::domain::workflow::Tree;
use crate::odata::{push_after, Bound, Criteria, Field, FieldKind, OrderKey};
use crate::tenant::Tenant;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgExecutor, Postgres, QueryBuilder, Row};
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
enum Selection {
    One(Uuid),
    Page(PageRequest),
}

/// A stored record with an id.
pub trait Identified {
    fn id(&self) -> Uuid;
}

/// Appends the id condition, order and limit of `selection` to a query whose
/// WHERE clause is open.
fn push_selection(
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

/// A collection the service lists: where its rows live and how a scope (the
/// parents in the URL) narrows them. [`find`], [`list`] and [`count`] read any
/// collection through it.
pub trait Collection {
    /// The parents that narrow the collection.
    type Scope: Copy;
    type Row: for<'r> FromRow<'r, PgRow> + Send + Unpin + Into<Self::Record>;
    type Record: Identified;
    /// How its queries name its table.
    const ALIAS: &'static str;
    /// `select …` of the row's columns; they may name the `COUNTERS`.
    const COLUMNS: &'static str;
    /// ` from …`: the table, joined to its workflow, which holds the tree.
    const FROM: &'static str;
    /// The counters joined to each row of a select; a count joins them only
    /// when its filter names a counter.
    const COUNTERS: Option<Counters> = None;
    /// The properties `$filter` and `$orderby` may name.
    const FILTERABLE: &'static [Field];
    /// The column `$search` matches, where the collection is searchable.
    const SEARCHABLE: Option<&'static str> = None;

    /// Appends ` where …` for `scope` in `tree`, left open for more conditions.
    fn push_where(
        builder: &mut QueryBuilder<'_, Postgres>,
        tenant: Tenant,
        tree: Tree,
        scope: Self::Scope,
    );
}

/// Appends ` from … where …` for `scope` in `tree`, with the counters joined
/// when `counted`; the WHERE clause is left open.
fn push_from<C: Collection>(
    builder: &mut QueryBuilder<'_, Postgres>,
    tenant: Tenant,
    tree: Tree,
    scope: C::Scope,
    counted: bool,
) {
    builder.push(C::FROM);
    if let (true, Some(counters)) = (counted, C::COUNTERS) {
        counters.push(builder, tenant);
    }
    C::push_where(builder, tenant, tree, scope);
}

fn select<C: Collection>(
    tenant: Tenant,
    tree: Tree,
    scope: C::Scope,
    criteria: &Criteria,
    selection: Selection,
) -> QueryBuilder<'static, Postgres> {
    let mut builder = QueryBuilder::new(C::COLUMNS);
    push_from::<C>(&mut builder, tenant, tree, scope, true);
    criteria.push(&mut builder);
    push_selection(
        &mut builder,
        &format!("{}.id", C::ALIAS),
        selection,
        &criteria.order,
    );
    builder
}

/// One row of the collection, by id.
pub async fn find<C: Collection>(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    tree: Tree,
    scope: C::Scope,
    id: Uuid,
) -> Result<Option<C::Record>, sqlx::Error> {
    let row = select::<C>(
        tenant,
        tree,
        scope,
        &Criteria::default(),
        Selection::One(id),
    )
    .build_query_as::<C::Row>()
    .fetch_optional(executor)
    .await?;
    Ok(row.map(Into::into))
}

/// A page of the rows `criteria` keeps, and where the next page starts.
pub async fn list<C: Collection>(
    pool: &Pool,
    tenant: Tenant,
    tree: Tree,
    scope: C::Scope,
    criteria: &Criteria,
    page: PageRequest,
) -> Result<Page<C::Record>, sqlx::Error> {
    let size = page.size;
    let rows = select::<C>(tenant, tree, scope, criteria, Selection::Page(page))
        .build_query_as::<C::Row>()
        .fetch_all(pool)
        .await?;
    let has_more = rows.len() > usize::from(size);
    let items: Vec<C::Record> = rows
        .into_iter()
        .take(usize::from(size))
        .map(Into::into)
        .collect();
    let next = match items.last() {
        Some(last) if has_more => Some(After {
            id: last.id(),
            keys: sort_keys::<C>(pool, tenant, tree, scope, &criteria.order, last.id()).await?,
        }),
        _ => None,
    };
    Ok(Page { items, next })
}

/// How many rows `criteria` keeps.
pub async fn count<C: Collection>(
    pool: &Pool,
    tenant: Tenant,
    tree: Tree,
    scope: C::Scope,
    criteria: &Criteria,
) -> Result<i64, sqlx::Error> {
    let mut builder = QueryBuilder::new("select count(*)");
    let counted = criteria.filters_on(counters::ALIAS);
    push_from::<C>(&mut builder, tenant, tree, scope, counted);
    criteria.push(&mut builder);
    builder.build_query_scalar().fetch_one(pool).await
}

/// The values of the sort keys of one row (none without `$orderby`), read
/// through the collection's scope and joins, as the page read them.
async fn sort_keys<C: Collection>(
    pool: &Pool,
    tenant: Tenant,
    tree: Tree,
    scope: C::Scope,
    order: &[OrderKey],
    id: Uuid,
) -> Result<Vec<Bound>, sqlx::Error> {
    if order.is_empty() {
        return Ok(Vec::new());
    }
    // Integers are read as bigint, whether the column is an integer or a counter.
    let columns: Vec<String> = order
        .iter()
        .map(|key| match key.kind {
            FieldKind::Integer => format!("{}::bigint", key.column),
            _ => key.column.to_owned(),
        })
        .collect();
    let mut builder = QueryBuilder::new(format!("select {}", columns.join(", ")));
    push_from::<C>(&mut builder, tenant, tree, scope, true);
    builder
        .push(format_args!(" and {}.id = ", C::ALIAS))
        .push_bind(id);
    let row = builder.build().fetch_one(pool).await?;
    order
        .iter()
        .enumerate()
        .map(|(index, key)| match key.kind {
            FieldKind::Guid => bound(&row, index, Bound::Guid),
            FieldKind::String | FieldKind::Enum(_) | FieldKind::Flags(_) => {
                bound(&row, index, Bound::Text)
            }
            FieldKind::DateTime => bound::<DateTime<Utc>>(&row, index, Bound::DateTime),
            FieldKind::Integer => bound(&row, index, Bound::Integer),
            FieldKind::Boolean => bound(&row, index, Bound::Boolean),
        })
        .collect()
}

/// Column `index` of `row` as a bound: null, or `of` its value.
fn bound<'r, T>(row: &'r PgRow, index: usize, of: fn(T) -> Bound) -> Result<Bound, sqlx::Error>
where
    T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    Ok(row.try_get::<Option<T>, _>(index)?.map_or(Bound::Null, of))
}

macro_rules! identified {
    ($($record:ty),*) => {$(
        impl Identified for $record {
            fn id(&self) -> Uuid {
                self.id
            }
        }
    )*};
}

identified!(
    crate::domain::custom_task_extension::CustomTaskExtension,
    crate::domain::user::User,
    crate::domain::group::Group,
    crate::domain::workflow::Workflow,
    crate::domain::workflow::Task,
    crate::domain::run::Run,
    crate::domain::user_processing_result::UserProcessingResult,
    crate::domain::task_processing_result::TaskProcessingResult
);
