//! `/{version}/groups`: the tenant's groups at Graph's own path, with their
//! members (`…/members`, `…/members/$ref`, `…/members/{id}/$ref`); and a
//! user's groups (`/users/{id}/memberOf`). Each change of membership is
//! recorded for the workflows that trigger on it.

use super::body::{GraphJson, Reference};
use super::collection::{self, CollectionPath, ItemPath, Served, Updated};
use super::create::{self, Creates};
use super::not_found;
use super::tree::Node;
use crate::auth::{Authorized, ReadGroups, WriteGroups};
use crate::db;
use crate::db::groups::{GroupMembers, Groups, MemberOf, Membership};
use crate::db::transaction::{WriteConnection, Writer};
use crate::db::Pool;
use crate::domain::enums::EvolvableMembers;
use crate::domain::group::{Group, GroupBody, GroupPatchBody, NewGroup};
use crate::domain::keys::{
    Address, Addressed, DirectoryRoot, EntitySet, GroupKey, MemberKey, UserKey, GROUPS, USERS,
};
use crate::domain::user::User;
use crate::domain::validation::ValidationError;
use crate::domain::workflow::Tree;
use crate::error::GraphError;
use crate::openapi::Operation;
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::wire::{GroupJson, UserJson};
use actix_web::{web, HttpResponse};
use uuid::Uuid;

/// `{version}/groups` and everything beneath.
pub fn routes(version: &str) -> Node {
    let groups = collection::node::<Groups, DirectoryRoot>(
        &format!("{version}/groups"),
        ["List the groups", "Count the groups"],
    );
    let members = collection::node::<GroupMembers, GroupKey>(
        "/members",
        ["List the group's members", "Count the group's members"],
    )
    .child(Node::at("/$ref").post(
        Operation::action::<Reference>("Add a user to the group"),
        add_member,
    ))
    .child(Node::at("/{directoryObjectId}/$ref").delete(
        Operation::delete("Remove a user from the group"),
        remove_member,
    ));
    let group = collection::item::<Groups, GroupKey>("/{groupId}", "Get a group")
        .delete(
            Operation::delete("Delete a group for good, with its memberships"),
            delete,
        )
        .child(members);
    create::creates::<Groups, DirectoryRoot>(groups, "Create a group").child(collection::updated::<
        Groups,
    >(
        group,
        "Update a group's properties",
    ))
}

/// `…/users/{userId}/memberOf`.
pub(super) fn user_member_of() -> Node {
    collection::node::<MemberOf, UserKey>(
        "/memberOf",
        [
            "List the groups the user is a member of",
            "Count the groups the user is a member of",
        ],
    )
}

/// A group's canonical address.
fn group_address(group: &Group) -> Address {
    GroupKey { group_id: group.id }.address(Tree::Live)
}

impl Served for Groups {
    const SET: &'static EntitySet = &GROUPS;
    type Json = GroupJson;
    type Read = ReadGroups;
    type Extra = ();

    fn address(_: Tree, _: (), group: &Group) -> Address {
        group_address(group)
    }

    fn render(group: Group, _: EvolvableMembers, _: &()) -> GroupJson {
        group.into()
    }
}

/// Users, rendered at their own address.
impl Served for GroupMembers {
    const SET: &'static EntitySet = &USERS;
    type Json = UserJson;
    type Read = ReadGroups;
    type Extra = ();

    fn address(_: Tree, _: GroupKey, user: &User) -> Address {
        UserKey { user_id: user.id }.address(Tree::Live)
    }

    fn render(user: User, _: EvolvableMembers, _: &()) -> UserJson {
        user.into()
    }
}

/// Groups, rendered at their own address.
impl Served for MemberOf {
    const SET: &'static EntitySet = &GROUPS;
    type Json = GroupJson;
    type Read = ReadGroups;
    type Extra = ();

    fn address(_: Tree, _: UserKey, group: &Group) -> Address {
        group_address(group)
    }

    fn render(group: Group, _: EvolvableMembers, _: &()) -> GroupJson {
        group.into()
    }
}

impl CollectionPath<Groups> for DirectoryRoot {
    fn scope(self) {}
}

impl CollectionPath<GroupMembers> for GroupKey {
    const SEGMENT: &'static str = "members";

    fn scope(self) -> GroupKey {
        self
    }
}

impl CollectionPath<MemberOf> for UserKey {
    const SEGMENT: &'static str = "memberOf";

    fn scope(self) -> UserKey {
        self
    }
}

impl ItemPath<Groups> for GroupKey {
    fn scope(self) {}

    fn id(self) -> Uuid {
        self.group_id
    }

    fn parent(self, _: Tree) -> Address {
        Address::directory()
    }
}

impl Creates<Groups> for DirectoryRoot {
    type Body = GroupBody;
    type New = NewGroup;
    type Write = WriteGroups;

    fn validate(self, body: GroupBody) -> Result<NewGroup, ValidationError> {
        body.into_domain()
    }

    /// The directory root always exists.
    async fn insert(
        self,
        connection: &mut WriteConnection<'_>,
        tenant: Tenant,
        _: Tree,
        id: Uuid,
        group: &NewGroup,
    ) -> Result<Option<Group>, sqlx::Error> {
        db::groups::create(connection, tenant, id, group)
            .await
            .map(Some)
    }

    fn scope(self) {}
}

impl Updated for Groups {
    type Key = GroupKey;
    type Body = GroupPatchBody;
    type Write = WriteGroups;

    async fn update(
        pool: &Pool,
        tenant: Tenant,
        _: Tree,
        key: GroupKey,
        body: GroupPatchBody,
    ) -> Result<bool, GraphError> {
        let update = body.into_domain()?;
        Ok(db::groups::update(pool, tenant, key.group_id, &update).await?)
    }
}

async fn delete(
    state: web::Data<AppState>,
    Authorized { tenant, .. }: Authorized<WriteGroups>,
    key: web::Path<GroupKey>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    if db::groups::delete(&state.pool, tenant, key.group_id).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(not_found(&state, tenant, key.address(Tree::Live)).await)
    }
}

/// `POST /groups/{id}/members/$ref` with `{"@odata.id": "…/directoryObjects/{userId}"}`.
async fn add_member(
    writer: Writer,
    Authorized { tenant, .. }: Authorized<WriteGroups>,
    key: web::Path<GroupKey>,
    body: GraphJson<Reference>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let user_id = body.0.directory_object()?;
    let membership = writer
        .run(async |connection| {
            db::groups::add_member(connection, tenant, key.group_id, user_id).await
        })
        .await?;
    match membership {
        Membership::Added => Ok(HttpResponse::NoContent().finish()),
        Membership::AlreadyMember => Err(ValidationError::new(
            "@odata.id",
            format!(
                "the user '{user_id}' is already a member of the group '{}'",
                key.group_id
            ),
        )
        .into()),
        Membership::NoGroup => Err(GraphError::not_found(
            Address::directory().lacks(&GROUPS, key.group_id),
        )),
        Membership::NoUser => Err(GraphError::not_found(format!(
            "No user with id '{user_id}' exists: a member is a user of the tenant."
        ))),
    }
}

/// `DELETE /groups/{id}/members/{userId}/$ref`.
async fn remove_member(
    state: web::Data<AppState>,
    writer: Writer,
    Authorized { tenant, .. }: Authorized<WriteGroups>,
    key: web::Path<MemberKey>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let removed = writer
        .run(async |connection| {
            db::groups::remove_member(connection, tenant, key.group_id, key.directory_object_id)
                .await
        })
        .await?;
    if removed {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(not_found(&state, tenant, key.address(Tree::Live)).await)
    }
}
