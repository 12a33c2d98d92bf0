//! Serving collections: a page with `@odata.count` and `@odata.nextLink`, and
//! `{collection}/$count`. An empty answer first checks that the parent exists, so
//! a missing parent is a 404 rather than an empty list.

use crate::auth::{Authorized, Need};
use crate::db::page::{self, After, Collection, Page, PageRequest};
use crate::domain::enums::EvolvableMembers;
use crate::domain::keys::Address;
use crate::domain::workflow::Tree;
use crate::error::GraphError;
use crate::odata::{Bound, Criteria, Cursor, ListOptions};
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::wire::{CollectionAddress, CollectionPage, Resource, Wire};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use std::future::Future;
use std::marker::PhantomData;

/// What a list or count request needs besides its path; `N` is the permission
/// reading the collection needs.
pub struct Listing<N: Need> {
    pub tenant: Tenant,
    pub tree: Tree,
    options: ListOptions,
    wire: Wire,
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
    /// Whether the request asked for `navigation` inline.
    pub fn expands(&self, navigation: &str) -> bool {
        self.wire.expands(navigation)
    }

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

    /// Answers with the page of collection `C` under `scope` that the request
    /// asks for (see [`Listing::respond`]).
    pub async fn serve<C: Collection, J: Resource>(
        &self,
        state: &AppState,
        scope: C::Scope,
        collection: CollectionAddress,
        parent: Option<Address>,
        render: impl Fn(C::Record, EvolvableMembers) -> J,
    ) -> Result<HttpResponse, GraphError> {
        let criteria = self.criteria::<C>()?;
        let (pool, tenant, tree) = (&state.pool, self.tenant, self.tree);
        let page = page::list::<C>(pool, tenant, tree, scope, &criteria, self.page(&criteria)?);
        let count = page::count::<C>(pool, tenant, tree, scope, &criteria);
        self.respond(state, collection, parent, page, count, render)
            .await
    }

    /// Answers `{collection}/$count` for collection `C` under `scope`.
    pub async fn serve_count<C: Collection>(
        &self,
        state: &AppState,
        scope: C::Scope,
        parent: Option<Address>,
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
        parent: Option<Address>,
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
        parent: Option<Address>,
        count: impl Future<Output = Result<i64, sqlx::Error>>,
    ) -> Result<HttpResponse, GraphError> {
        let count = count.await?;
        if count == 0 {
            self.check_parent(state, parent).await?;
        }
        Ok(self.wire.count(count))
    }

    async fn check_parent(
        &self,
        state: &AppState,
        parent: Option<Address>,
    ) -> Result<(), GraphError> {
        match parent {
            Some(address) => {
                match crate::db::locate::missing(&state.pool, self.tenant, &address).await? {
                    Some(error) => Err(error),
                    None => Ok(()),
                }
            }
            None => Ok(()),
        }
    }
}
