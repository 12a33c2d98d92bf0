//! `POST {collection}`: a create beneath a parent, in one statement that finds
//! the parent and inserts, on the request's [`Writer`]. A path that names where
//! items of `S` are created implements [`Creates`]; [`create`] serves it.

use super::body::GraphJson;
use super::collection::Served;
use super::not_found;
use super::tree::Node;
use crate::auth::{Authorized, Need};
use crate::db::transaction::{WriteConnection, Writer};
use crate::domain::keys::Addressed;
use crate::domain::validation::ValidationError;
use crate::domain::workflow::Tree;
use crate::error::GraphError;
use crate::openapi::Operation;
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::wire::Wire;
use actix_web::{web, HttpResponse};
use serde::de::DeserializeOwned;
use utoipa::ToSchema;
use uuid::Uuid;

/// A path beneath which items of `S` are created: the key of the parent, which
/// the 404 names when it is missing.
pub trait Creates<S: Served>: Addressed + DeserializeOwned + 'static {
    type Body: DeserializeOwned + ToSchema + 'static;
    /// The item as validated from the body.
    type New;
    /// The permission creating needs.
    type Write: Need;

    fn validate(self, body: Self::Body) -> Result<Self::New, ValidationError>;

    /// Inserts the item `id` beneath the parent: None when there is no parent.
    async fn insert(
        self,
        connection: &mut WriteConnection<'_>,
        tenant: Tenant,
        tree: Tree,
        id: Uuid,
        new: &Self::New,
    ) -> Result<Option<S::Record>, sqlx::Error>;

    /// The collection the new item is in.
    fn scope(self) -> S::Scope;
}

/// Adds the create of `S`'s items beneath `K` to `node`.
pub fn creates<S: Served, K: Creates<S>>(node: Node, summary: &'static str) -> Node {
    node.post(
        Operation::create::<S::Json, K::Body>(summary),
        create::<S, K>,
    )
}

/// 201 with the stored item, or the 404 naming what of the parent is missing.
pub async fn create<S: Served, K: Creates<S>>(
    state: web::Data<AppState>,
    writer: Writer,
    Authorized { tenant, .. }: Authorized<K::Write>,
    tree: Tree,
    key: web::Path<K>,
    wire: Wire,
    body: GraphJson<K::Body>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let new = key.validate(body.0)?;
    let created = writer
        .run(async |connection| {
            key.insert(connection, tenant, tree, Uuid::now_v7(), &new)
                .await
        })
        .await?;
    match created {
        Some(record) => wire.created(
            &S::address(tree, key.scope(), &record),
            S::render(record, wire.evolvable, &S::Extra::default()),
        ),
        None => Err(not_found(&state, tenant, key.address(tree)).await),
    }
}
