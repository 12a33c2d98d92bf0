//! `/{version}/users`: the tenant's users at Graph's own path, with their
//! manager (`…/manager`, `…/manager/$ref`) and the groups they are members of
//! (`…/memberOf`). A deletion is permanent: there is no `deletedItems` for
//! users here.

use super::body::{GraphJson, Reference};
use super::collection::{self, CollectionPath, ItemPath, Served, Updated};
use super::create::{self, Creates};
use super::groups::user_member_of;
use super::tree::Node;
use super::{not_found, not_found_beneath};
use crate::auth::{Authorized, ReadUsers, WriteUsers};
use crate::db;
use crate::db::transaction::{WriteConnection, Writer};
use crate::db::users::Users;
use crate::db::Pool;
use crate::domain::enums::EvolvableMembers;
use crate::domain::keys::{Address, Addressed, DirectoryRoot, EntitySet, UserKey, USERS};
use crate::domain::user::{NewUser, User, UserBody, UserPatchBody, UserWithManager};
use crate::domain::validation::ValidationError;
use crate::domain::workflow::Tree;
use crate::error::GraphError;
use crate::openapi::Operation;
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::wire::{UserJson, Wire};
use actix_web::{web, HttpResponse};
use std::collections::HashMap;
use uuid::Uuid;

/// `{version}/users` and everything beneath.
pub fn routes(version: &str) -> Node {
    let users = collection::node::<Users, DirectoryRoot>(
        &format!("{version}/users"),
        ["List the users", "Count the users"],
    );
    let user = collection::item::<Users, UserKey>("/{userId}", "Get a user")
        .delete(
            Operation::delete("Delete a user for good, clearing it as anyone's manager"),
            delete,
        )
        .child(
            Node::at("/manager")
                .get(
                    Operation::get::<UserJson>("Get the user's manager"),
                    manager,
                )
                .child(
                    Node::at("/$ref")
                        .put(
                            Operation::action::<Reference>("Make a user the user's manager"),
                            set_manager,
                        )
                        .delete(
                            Operation::delete("Remove the user's manager"),
                            remove_manager,
                        ),
                ),
        )
        .child(user_member_of());
    create::creates::<Users, DirectoryRoot>(users, "Create a user").child(collection::updated::<
        Users,
    >(
        user,
        "Update a user's properties",
    ))
}

impl Served for Users {
    const SET: &'static EntitySet = &USERS;
    type Json = UserJson;
    type Read = ReadUsers;
    type Extra = ();

    fn address(_: Tree, _: (), user: &User) -> Address {
        UserKey { user_id: user.id }.address(Tree::Live)
    }

    fn render(user: User, _: EvolvableMembers, _: &()) -> UserJson {
        user.into()
    }
}

impl CollectionPath<Users> for DirectoryRoot {
    fn scope(self) {}
}

impl ItemPath<Users> for UserKey {
    fn scope(self) {}

    fn id(self) -> Uuid {
        self.user_id
    }

    fn parent(self, _: Tree) -> Address {
        Address::directory()
    }
}

impl Creates<Users> for DirectoryRoot {
    type Body = UserBody;
    type New = NewUser;
    type Write = WriteUsers;

    fn validate(self, body: UserBody) -> Result<NewUser, ValidationError> {
        body.into_domain()
    }

    /// The directory root always exists.
    async fn insert(
        self,
        connection: &mut WriteConnection<'_>,
        tenant: Tenant,
        _: Tree,
        id: Uuid,
        user: &NewUser,
    ) -> Result<Option<User>, sqlx::Error> {
        db::users::create(connection, tenant, id, user)
            .await
            .map(Some)
    }

    fn scope(self) {}
}

/// Records each property whose value the update changes.
impl Updated for Users {
    type Key = UserKey;
    type Body = UserPatchBody;
    type Write = WriteUsers;

    async fn update(
        pool: &Pool,
        tenant: Tenant,
        _: Tree,
        key: UserKey,
        body: UserPatchBody,
    ) -> Result<bool, GraphError> {
        let update = body.into_domain()?;
        let changed = Writer::Pool(pool.clone())
            .run(async |connection| {
                db::users::update(connection, tenant, key.user_id, &update).await
            })
            .await?;
        Ok(changed.is_some())
    }
}

async fn delete(
    state: web::Data<AppState>,
    writer: Writer,
    Authorized { tenant, .. }: Authorized<WriteUsers>,
    key: web::Path<UserKey>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let deleted = writer
        .run(async |connection| db::users::delete(connection, tenant, key.user_id).await)
        .await?;
    if deleted {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(not_found(&state, tenant, key.address(Tree::Live)).await)
    }
}

/// `GET /users/{id}/manager`: the manager, at its own address.
async fn manager(
    state: web::Data<AppState>,
    Authorized { tenant, .. }: Authorized<ReadUsers>,
    key: web::Path<UserKey>,
    wire: Wire,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    match db::users::with_manager(&state.pool, tenant, key.user_id).await? {
        Some(UserWithManager {
            manager: Some(manager),
            ..
        }) => wire.ok(
            &Users::address(Tree::Live, (), &manager),
            UserJson::from(manager),
        ),
        Some(UserWithManager { manager: None, .. }) => Err(no_manager(key)),
        None => Err(not_found(&state, tenant, key.address(Tree::Live)).await),
    }
}

fn no_manager(key: UserKey) -> GraphError {
    GraphError::not_found(format!("The user '{}' has no manager.", key.user_id))
}

/// `PUT /users/{id}/manager/$ref` with `{"@odata.id": "…/users/{managerId}"}`.
async fn set_manager(
    state: web::Data<AppState>,
    Authorized { tenant, .. }: Authorized<WriteUsers>,
    key: web::Path<UserKey>,
    body: GraphJson<Reference>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let manager_id = body.0.directory_object()?;
    if manager_id == key.user_id {
        return Err(ValidationError::new("@odata.id", "a user cannot be its own manager").into());
    }
    if db::users::set_manager(&state.pool, tenant, key.user_id, manager_id).await? {
        return Ok(HttpResponse::NoContent().finish());
    }
    let missing_manager = || {
        GraphError::not_found(format!(
            "No user with id '{manager_id}' exists: a manager is a user of the tenant."
        ))
    };
    Err(not_found_beneath(&state, tenant, key.address(Tree::Live), missing_manager).await)
}

/// `DELETE /users/{id}/manager/$ref`.
async fn remove_manager(
    state: web::Data<AppState>,
    Authorized { tenant, .. }: Authorized<WriteUsers>,
    key: web::Path<UserKey>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    if db::users::remove_manager(&state.pool, tenant, key.user_id).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(not_found_beneath(&state, tenant, key.address(Tree::Live), || no_manager(key)).await)
    }
}

/// The subjects of results, by id, that `$expand=subject` shows in full: those
/// the tenant's directory holds (the others stay `{"id": …}`).
pub(super) type Subjects = HashMap<Uuid, User>;

/// The subjects among `ids` the directory holds, in one query, when the
/// request expands `subject`.
pub(super) async fn subjects(
    pool: &Pool,
    tenant: Tenant,
    wire: &Wire,
    ids: impl Iterator<Item = Uuid>,
) -> Result<Subjects, GraphError> {
    if !wire.expands("subject") {
        return Ok(HashMap::new());
    }
    let mut ids: Vec<Uuid> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    let users = db::users::by_ids(pool, tenant, &ids).await?;
    Ok(users.into_iter().map(|user| (user.id, user)).collect())
}
