//! Serving collections: a page with `@odata.count` and `@odata.nextLink`,
//! `{collection}/$count`, one item, and a PATCH of one item. An empty answer
//! first checks that the parent exists, so a missing parent is a 404 rather than
//! an empty list.
//!
//! A collection implements [`Served`], and [`CollectionPath`] and [`ItemPath`]
//! for the paths that address it; [`list`], [`count`] and [`get`] then serve it,
//! and [`Updated`] adds [`update`]. A read-only collection writes no handler.

use super::body::GraphJson;
use super::tree::Node;
use super::{not_found, not_found_beneath};
use crate::auth::{Authorized, Need};
use crate::db::page::{self, After, Collection, Page, PageRequest};
use crate::db::Pool;
use crate::domain::enums::EvolvableMembers;
use crate::domain::keys::{Address, Addressed, EntitySet};
use crate::domain::workflow::Tree;
use crate::error::GraphError;
use crate::odata::{Bound, Criteria, Cursor, ListOptions};
use crate::openapi::Operation;
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::wire::{CollectionAddress, CollectionPage, Resource, Wire};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::marker::PhantomData;
use utoipa::ToSchema;
use uuid::Uuid;

/// A collection the API serves, read through its database collection.
pub trait Served: Collection + 'static {
    /// What its items are called, and where they are.
    const SET: &'static EntitySet;
    type Json: Resource + ToSchema;
    /// The permission reading the collection needs.
    type Read: Need;
    /// What rendering needs besides each record: what `$expand` asks for
    /// (`()` for a collection that expands nothing it must read).
    type Extra: Default;

    /// The canonical address of a record of `scope`.
    fn address(tree: Tree, scope: Self::Scope, record: &Self::Record) -> Address;

    /// Reads what the request's `$expand` asks for, for `records` of `scope`
    /// (a page, or the one entity): one query for them all.
    async fn extra(
        _pool: &Pool,
        _tenant: Tenant,
        _scope: Self::Scope,
        _wire: &Wire,
        _records: &[Self::Record],
    ) -> Result<Self::Extra, GraphError> {
        Ok(Self::Extra::default())
    }

    fn render(record: Self::Record, evolvable: EvolvableMembers, extra: &Self::Extra)
        -> Self::Json;
}

/// A path that names a collection of `S`: the key of the entity it is beneath,
/// which must exist for the collection to exist.
pub trait CollectionPath<S: Served>: Addressed + DeserializeOwned + 'static {
    /// The collection's segment beneath the parent.
    const SEGMENT: &'static str = S::SET.segment;

    fn scope(self) -> S::Scope;

    /// The collection, as `@odata.context` names it.
    fn collection(self, tree: Tree) -> CollectionAddress {
        CollectionAddress::beneath(&self.address(tree), Self::SEGMENT)
    }
}

/// A path that names one item of `S`.
pub trait ItemPath<S: Served>: DeserializeOwned + Copy + 'static {
    fn scope(self) -> S::Scope;
    fn id(self) -> Uuid;
    /// What must exist for the item to exist.
    fn parent(self, tree: Tree) -> Address;

    /// The 404 message when the parent exists but the item does not.
    fn missing(self, parent: &Address) -> String {
        parent.lacks(S::SET, self.id())
    }
}

/// A collection whose items take a PATCH.
pub trait Updated: 'static {
    /// The path of one item.
    type Key: Addressed + DeserializeOwned + 'static;
    type Body: DeserializeOwned + ToSchema + 'static;
    /// The permission writing needs.
    type Write: Need;

    /// Applies `body` to the item at `key`: false when there is none.
    async fn update(
        pool: &Pool,
        tenant: Tenant,
        tree: Tree,
        key: Self::Key,
        body: Self::Body,
    ) -> Result<bool, GraphError>;
}

/// `GET {collection}`: a page.
pub async fn list<S: Served, P: CollectionPath<S>>(
    state: web::Data<AppState>,
    path: web::Path<P>,
    listing: Listing<S::Read>,
) -> Result<HttpResponse, GraphError> {
    let (path, tree, tenant) = (path.into_inner(), listing.tree, listing.tenant);
    let (pool, scope) = (&state.pool, path.scope());
    let criteria = listing.criteria::<S>()?;
    let page = page::list::<S>(
        pool,
        tenant,
        tree,
        scope,
        &criteria,
        listing.page(&criteria)?,
    );
    let page = page.await?;
    let extra = S::extra(pool, tenant, scope, &listing.wire, &page.items).await?;
    listing
        .respond(
            &state,
            path.collection(tree),
            path.address(tree),
            std::future::ready(Ok(page)),
            page::count::<S>(pool, tenant, tree, scope, &criteria),
            |record, evolvable| S::render(record, evolvable, &extra),
        )
        .await
}

/// `GET {collection}/$count`.
pub async fn count<S: Served, P: CollectionPath<S>>(
    state: web::Data<AppState>,
    path: web::Path<P>,
    listing: Listing<S::Read>,
) -> Result<HttpResponse, GraphError> {
    let path = path.into_inner();
    listing
        .serve_count::<S>(&state, path.scope(), path.address(listing.tree))
        .await
}

/// `GET {collection}/{id}`: the item, rendered at its canonical address.
pub async fn get<S: Served, P: ItemPath<S>>(
    state: web::Data<AppState>,
    Authorized { tenant, .. }: Authorized<S::Read>,
    tree: Tree,
    path: web::Path<P>,
    wire: Wire,
) -> Result<HttpResponse, GraphError> {
    let path = path.into_inner();
    match page::find::<S>(&state.pool, tenant, tree, path.scope(), path.id()).await? {
        Some(record) => {
            let records = std::slice::from_ref(&record);
            let extra = S::extra(&state.pool, tenant, path.scope(), &wire, records).await?;
            wire.ok(
                &S::address(tree, path.scope(), &record),
                S::render(record, wire.evolvable, &extra),
            )
        }
        None => {
            let parent = path.parent(tree);
            let message = path.missing(&parent);
            Err(not_found_beneath(&state, tenant, parent, || GraphError::not_found(message)).await)
        }
    }
}

/// `PATCH {collection}/{id}`: 204.
pub async fn update<S: Updated>(
    state: web::Data<AppState>,
    Authorized { tenant, .. }: Authorized<S::Write>,
    tree: Tree,
    key: web::Path<S::Key>,
    body: GraphJson<S::Body>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    if S::update(&state.pool, tenant, tree, key, body.0).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(not_found(&state, tenant, key.address(tree)).await)
    }
}

/// The node of a collection of `S` at `pattern`, addressed by `P`: its list and
/// its `$count`, with their summaries.
pub fn node<S: Served, P: CollectionPath<S>>(
    pattern: &str,
    [list_summary, count_summary]: [&'static str; 2],
) -> Node {
    Node::at(pattern)
        .get(Operation::list::<S::Json, S>(list_summary), list::<S, P>)
        .child(Node::at("/$count").get(Operation::count::<S>(count_summary), count::<S, P>))
}

/// The node of one item of `S` at `pattern`, addressed by `P`, with its get.
pub fn item<S: Served, P: ItemPath<S>>(pattern: &str, summary: &'static str) -> Node {
    Node::at(pattern).get(Operation::get::<S::Json>(summary), get::<S, P>)
}

/// Adds the PATCH of `S`'s items to `node`.
pub fn updated<S: Updated>(node: Node, summary: &'static str) -> Node {
    node.patch(Operation::update::<S::Body>(summary), update::<S>)
}

/// What a list or count request needs besides its path; `N` is the permission
/// reading the collection needs.
pub struct Listing<N: Need> {
    pub tenant: Tenant,
    pub tree: Tree,
    options: ListOptions,
    pub wire: Wire,
    request: HttpRequest,
    need: PhantomData<N>,
}

impl<N: Need> FromRequest for Listing<N> {
    type Error = GraphError;
    type Future = LocalBoxFuture<'static, Result<Self, GraphError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let parts = (
            Authorized::<N>::from_request(request, payload),
            Tree::from_request(request, payload),
            ListOptions::from_request(request, payload),
            Wire::from_request(request, payload),
        );
        let request = request.clone();
        Box::pin(async move {
            Ok(Self {
                tenant: parts.0.await?.tenant,
                tree: parts.1.await?,
                options: parts.2.await?,
                wire: parts.3.await?,
                request,
                need: PhantomData,
            })
        })
    }
}

impl<N: Need> Listing<N> {
    /// The page the request asks for, in the order of `criteria`.
    pub fn page(&self, criteria: &Criteria) -> Result<PageRequest, GraphError> {
        let after = match &self.options.after {
            None => None,
            Some(cursor) => {
                let keys = (cursor.keys.len() == criteria.order.len())
                    .then(|| {
                        criteria
                            .order
                            .iter()
                            .zip(&cursor.keys)
                            .map(|(key, value)| Bound::from_json(key.kind, value))
                            .collect::<Option<Vec<_>>>()
                    })
                    .flatten()
                    .ok_or_else(|| {
                        GraphError::invalid_request(
                            "The query option '$skiptoken' does not belong to this $orderby: follow @odata.nextLink as given.",
                        )
                    })?;
                Some(After {
                    id: cursor.after_id,
                    keys,
                })
            }
        };
        Ok(PageRequest {
            after,
            size: self.options.top,
        })
    }

    /// The request's `$filter`, `$search` and `$orderby`, checked against what
    /// the collection `C` can filter, search and sort by.
    pub fn criteria<C: Collection>(&self) -> Result<Criteria, GraphError> {
        Criteria::check(&self.options, C::FILTERABLE, C::SEARCHABLE)
    }

    /// Answers `{collection}/$count` for collection `C` under `scope`.
    pub async fn serve_count<C: Collection>(
        &self,
        state: &AppState,
        scope: C::Scope,
        parent: Address,
    ) -> Result<HttpResponse, GraphError> {
        let criteria = self.criteria::<C>()?;
        let count = page::count::<C>(&state.pool, self.tenant, self.tree, scope, &criteria);
        self.respond_count(state, parent, count).await
    }

    /// Answers with `page`, counting the whole collection with `count` when the
    /// request asked for `$count=true`. `parent` is checked when the page is empty.
    pub async fn respond<T, J: Resource>(
        &self,
        state: &AppState,
        collection: CollectionAddress,
        parent: Address,
        page: impl Future<Output = Result<Page<T>, sqlx::Error>>,
        count: impl Future<Output = Result<i64, sqlx::Error>>,
        render: impl Fn(T, EvolvableMembers) -> J,
    ) -> Result<HttpResponse, GraphError> {
        let page = page.await?;
        if page.items.is_empty() {
            self.check_parent(state, parent).await?;
        }
        let count = if self.options.count {
            Some(count.await?)
        } else {
            None
        };
        let next_link = page.next.map(|next| {
            let cursor = Cursor {
                after_id: next.id,
                keys: next.keys.iter().map(Bound::to_json).collect(),
            };
            self.options
                .next_link(&self.wire.url_of(&self.request), &cursor)
        });
        let items = page
            .items
            .into_iter()
            .map(|item| render(item, self.wire.evolvable))
            .collect();
        self.wire.collection(
            &collection,
            CollectionPage {
                items,
                count,
                next_link,
            },
        )
    }

    /// Answers `{collection}/$count`.
    pub async fn respond_count(
        &self,
        state: &AppState,
        parent: Address,
        count: impl Future<Output = Result<i64, sqlx::Error>>,
    ) -> Result<HttpResponse, GraphError> {
        let count = count.await?;
        if count == 0 {
            self.check_parent(state, parent).await?;
        }
        Ok(self.wire.count(count))
    }

    async fn check_parent(&self, state: &AppState, parent: Address) -> Result<(), GraphError> {
        match crate::db::locate::missing(&state.pool, self.tenant, &parent).await? {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}
