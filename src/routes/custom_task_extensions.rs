//! `{base}/customTaskExtensions`: the tenant's custom task extensions, beside
//! `workflows` and in neither tree: create, list, get, update and delete, and
//! who wrote each (`…/createdBy`, `…/lastModifiedBy`). A write records the
//! token's signed-in user and refuses an endpoint that outbound calls may not
//! reach; a create counts against the tenant's limit, so it is not the generic
//! one of `create.rs`.

use super::body::GraphJson;
use super::collection::{self, CollectionPath, ItemPath, Served};
use super::not_found;
use super::tree::Node;
use crate::auth::{Authorized, ReadCustomTaskExtensions, WriteCustomTaskExtensions};
use crate::db;
use crate::db::custom_task_extensions::{CustomTaskExtensions, Deletion, DependentWorkflow};
use crate::db::transaction::Writer;
use crate::db::Pool;
use crate::domain::callout_configuration::EndpointConfiguration;
use crate::domain::custom_task_extension::{
    CustomTaskExtension, CustomTaskExtensionBody, CustomTaskExtensionPatchBody,
};
use crate::domain::enums::EvolvableMembers;
use crate::domain::keys::{
    Address, Addressed, CustomTaskExtensionKey, EntitySet, UserKey, CUSTOM_TASK_EXTENSIONS,
};
use crate::domain::user::User;
use crate::domain::validation::ValidationError;
use crate::domain::workflow::Tree;
use crate::error::GraphError;
use crate::openapi::Operation;
use crate::outbound::guard;
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::wire::{CustomTaskExtensionJson, UserJson, Wire};
use actix_web::{web, HttpResponse};
use std::collections::HashMap;
use uuid::Uuid;

/// `…/customTaskExtensions` and beneath.
pub fn routes() -> Node {
    let extension = collection::item::<CustomTaskExtensions, CustomTaskExtensionKey>(
        "/{customTaskExtensionId}",
        "Get a custom task extension",
    )
    .patch(
        Operation::update::<CustomTaskExtensionPatchBody>(
            "Update a custom task extension's properties",
        ),
        update,
    )
    .delete(
        Operation::delete("Delete a custom task extension that no live workflow's task runs"),
        delete,
    )
    .child(Node::at("/createdBy").get(
        Operation::get::<UserJson>("Get the user who created the custom task extension"),
        created_by,
    ))
    .child(Node::at("/lastModifiedBy").get(
        Operation::get::<UserJson>("Get the user who changed the custom task extension last"),
        last_modified_by,
    ));
    collection::node::<CustomTaskExtensions, ()>(
        "/customTaskExtensions",
        [
            "List the custom task extensions",
            "Count the custom task extensions",
        ],
    )
    .post(
        Operation::create::<CustomTaskExtensionJson, CustomTaskExtensionBody>(
            "Create a custom task extension",
        ),
        create,
    )
    .child(extension)
}

impl Served for CustomTaskExtensions {
    const SET: &'static EntitySet = &CUSTOM_TASK_EXTENSIONS;
    type Json = CustomTaskExtensionJson;
    type Read = ReadCustomTaskExtensions;
    type Extra = Authors;

    fn address(_: Tree, _: (), extension: &CustomTaskExtension) -> Address {
        key(extension).address(Tree::Live)
    }

    async fn extra(
        pool: &Pool,
        tenant: Tenant,
        _: (),
        wire: &Wire,
        extensions: &[CustomTaskExtension],
    ) -> Result<Authors, GraphError> {
        Authors::read(pool, tenant, wire, extensions).await
    }

    fn render(
        extension: CustomTaskExtension,
        _: EvolvableMembers,
        authors: &Authors,
    ) -> CustomTaskExtensionJson {
        authors.render(extension)
    }
}

impl CollectionPath<CustomTaskExtensions> for () {
    fn scope(self) {}
}

impl ItemPath<CustomTaskExtensions> for CustomTaskExtensionKey {
    fn scope(self) {}

    fn id(self) -> Uuid {
        self.custom_task_extension_id
    }

    fn parent(self, _: Tree) -> Address {
        Address::root()
    }
}

fn key(extension: &CustomTaskExtension) -> CustomTaskExtensionKey {
    CustomTaskExtensionKey {
        custom_task_extension_id: extension.id,
    }
}

/// The users `$expand=createdBy` and `$expand=lastModifiedBy` show, read for
/// a page (or the one extension) in one query.
#[derive(Default)]
pub struct Authors {
    created_by: bool,
    last_modified_by: bool,
    users: HashMap<Uuid, User>,
}

impl Authors {
    async fn read(
        pool: &Pool,
        tenant: Tenant,
        wire: &Wire,
        extensions: &[CustomTaskExtension],
    ) -> Result<Self, GraphError> {
        let created_by = wire.expands(Author::Creator.property());
        let last_modified_by = wire.expands(Author::LastModifier.property());
        let mut ids: Vec<Uuid> = extensions
            .iter()
            .flat_map(|extension| {
                [
                    extension.created_by.filter(|_| created_by),
                    extension.last_modified_by.filter(|_| last_modified_by),
                ]
            })
            .flatten()
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let users = if ids.is_empty() {
            Vec::new()
        } else {
            db::users::by_ids(pool, tenant, &ids).await?
        };
        Ok(Self {
            created_by,
            last_modified_by,
            users: users.into_iter().map(|user| (user.id, user)).collect(),
        })
    }

    fn render(&self, extension: CustomTaskExtension) -> CustomTaskExtensionJson {
        let user = |id: Option<Uuid>| id.and_then(|id| self.users.get(&id).cloned());
        let (creator, last_modifier) =
            (user(extension.created_by), user(extension.last_modified_by));
        let mut json = CustomTaskExtensionJson::from(extension);
        if self.created_by {
            json = json.with_created_by(creator);
        }
        if self.last_modified_by {
            json = json.with_last_modified_by(last_modifier);
        }
        json
    }
}

/// Refuses an endpoint that outbound calls may not reach, naming its URL's
/// property and why.
pub(super) fn check_endpoint(
    endpoint: &EndpointConfiguration,
    allow_private: bool,
) -> Result<(), ValidationError> {
    guard::check_endpoint(endpoint.url(), allow_private)
        .map_err(|reason| ValidationError::new(endpoint.url_property(), reason))
}

/// 201 with the stored extension; 409 when the tenant has as many as it may.
async fn create(
    state: web::Data<AppState>,
    writer: Writer,
    Authorized { tenant, user, .. }: Authorized<WriteCustomTaskExtensions>,
    wire: Wire,
    body: GraphJson<CustomTaskExtensionBody>,
) -> Result<HttpResponse, GraphError> {
    let extension = body.0.into_domain()?;
    check_endpoint(
        &extension.endpoint_configuration,
        state.extensions.allow_private,
    )?;
    let limit = state.extensions.max_per_tenant;
    let created = writer
        .run(async |connection| {
            let id = Uuid::now_v7();
            db::custom_task_extensions::create(connection, tenant, id, &extension, user, limit)
                .await
        })
        .await?;
    match created {
        Some(extension) => wire.created(
            &key(&extension).address(Tree::Live),
            CustomTaskExtensionJson::from(extension),
        ),
        None => Err(GraphError::conflict(format!(
            "The tenant has {limit} custom task extensions, the most it may have: delete one \
             before creating another."
        ))),
    }
}

/// `PATCH …/customTaskExtensions/{id}`: 204.
async fn update(
    state: web::Data<AppState>,
    Authorized { tenant, user, .. }: Authorized<WriteCustomTaskExtensions>,
    key: web::Path<CustomTaskExtensionKey>,
    body: GraphJson<CustomTaskExtensionPatchBody>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let update = body.0.into_domain()?;
    if let Some(endpoint) = &update.endpoint_configuration {
        check_endpoint(endpoint, state.extensions.allow_private)?;
    }
    let id = key.custom_task_extension_id;
    if db::custom_task_extensions::update(&state.pool, tenant, id, &update, user).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(not_found(&state, tenant, key.address(Tree::Live)).await)
    }
}

/// `DELETE …/customTaskExtensions/{id}`: 204, or 409 naming the live
/// workflows whose tasks run it.
async fn delete(
    state: web::Data<AppState>,
    writer: Writer,
    Authorized { tenant, .. }: Authorized<WriteCustomTaskExtensions>,
    key: web::Path<CustomTaskExtensionKey>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let id = key.custom_task_extension_id;
    let deletion = writer
        .run(async |connection| db::custom_task_extensions::delete(connection, tenant, id).await)
        .await?;
    match deletion {
        Deletion::Deleted => Ok(HttpResponse::NoContent().finish()),
        Deletion::Missing => Err(not_found(&state, tenant, key.address(Tree::Live)).await),
        Deletion::InUse(workflows) => Err(in_use(id, &workflows)),
    }
}

fn in_use(id: Uuid, workflows: &[DependentWorkflow]) -> GraphError {
    let named: Vec<String> = workflows
        .iter()
        .map(|workflow| format!("'{}' ({})", workflow.display_name, workflow.id))
        .collect();
    GraphError::conflict(format!(
        "The custom task extension '{id}' is run by tasks of live workflows: {}. Give each a \
         new version without those tasks (createNewVersion), or delete it, first.",
        named.join(", ")
    ))
}

/// Who wrote an extension, as its navigation properties name them.
#[derive(Debug, Clone, Copy)]
enum Author {
    Creator,
    LastModifier,
}

impl Author {
    fn property(self) -> &'static str {
        match self {
            Author::Creator => "createdBy",
            Author::LastModifier => "lastModifiedBy",
        }
    }

    fn of(self, extension: &CustomTaskExtension) -> Option<Uuid> {
        match self {
            Author::Creator => extension.created_by,
            Author::LastModifier => extension.last_modified_by,
        }
    }

    /// What the token that wrote it did, for a 404.
    fn wrote(self) -> &'static str {
        match self {
            Author::Creator => "created it",
            Author::LastModifier => "changed it last",
        }
    }
}

/// `GET …/customTaskExtensions/{id}/createdBy`.
async fn created_by(
    state: web::Data<AppState>,
    Authorized { tenant, .. }: Authorized<ReadCustomTaskExtensions>,
    key: web::Path<CustomTaskExtensionKey>,
    wire: Wire,
) -> Result<HttpResponse, GraphError> {
    author(&state, tenant, key.into_inner(), &wire, Author::Creator).await
}

/// `GET …/customTaskExtensions/{id}/lastModifiedBy`.
async fn last_modified_by(
    state: web::Data<AppState>,
    Authorized { tenant, .. }: Authorized<ReadCustomTaskExtensions>,
    key: web::Path<CustomTaskExtensionKey>,
    wire: Wire,
) -> Result<HttpResponse, GraphError> {
    author(
        &state,
        tenant,
        key.into_inner(),
        &wire,
        Author::LastModifier,
    )
    .await
}

/// The user of the directory who wrote the extension, at the user's address;
/// a 404 saying why when there is none.
async fn author(
    state: &AppState,
    tenant: Tenant,
    key: CustomTaskExtensionKey,
    wire: &Wire,
    which: Author,
) -> Result<HttpResponse, GraphError> {
    let id = key.custom_task_extension_id;
    let Some(extension) = db::custom_task_extensions::get(&state.pool, tenant, id).await? else {
        return Err(not_found(state, tenant, key.address(Tree::Live)).await);
    };
    let property = which.property();
    let Some(user_id) = which.of(&extension) else {
        return Err(GraphError::not_found(format!(
            "The custom task extension '{id}' has no {property}: the token that {} named no \
             signed-in user (an application's).",
            which.wrote()
        )));
    };
    let user = db::users::by_ids(&state.pool, tenant, &[user_id]).await?;
    match user.into_iter().next() {
        Some(user) => wire.ok(
            &UserKey { user_id }.address(Tree::Live),
            UserJson::from(user),
        ),
        None => Err(GraphError::not_found(format!(
            "The {property} of the custom task extension '{id}' is the user '{user_id}', whom \
             the tenant's directory does not hold."
        ))),
    }
}
