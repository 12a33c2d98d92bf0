//! Where an entity lives, rendered as a URL (`Location`) and as an OData context
//! URL (`@odata.context`).

use crate::domain::keys::{Address, Key, Origin, WORKFLOWS};
use crate::domain::workflow::Tree;
use std::fmt::Write;

/// The API's container, below the version.
pub const CONTAINER: &str = "identityGovernance/lifecycleWorkflows";

/// The canonical address of an entity: a collection at the container's root
/// (`workflows`, `deletedItems/workflows`, …) or at the service root (`users`,
/// `groups`) and a key in it, then a chain of collections and keys beneath.
#[derive(Debug, Clone)]
pub struct EntityAddress {
    origin: Origin,
    steps: Vec<(&'static str, Key)>,
}

/// The path of `origin` below the version, ending in `/` unless it is empty.
fn origin_path(origin: Origin) -> String {
    match origin {
        Origin::Container => format!("{CONTAINER}/"),
        Origin::Service => String::new(),
    }
}

/// The collection of a tree's workflows, relative to the container.
fn workflows(tree: Tree) -> &'static str {
    match tree {
        Tree::Live => "workflows",
        Tree::Deleted => "deletedItems/workflows",
    }
}

impl From<&Address> for EntityAddress {
    /// The URL form of a domain address: each step's collection and key, a
    /// workflow's collection being that of its tree.
    fn from(address: &Address) -> Self {
        let steps = address
            .steps
            .iter()
            .map(|step| {
                let collection = match address.tree {
                    Some(tree) if step.set == &WORKFLOWS => workflows(tree),
                    _ => step.set.segment,
                };
                (collection, step.key)
            })
            .collect();
        Self {
            origin: address.origin,
            steps,
        }
    }
}

impl EntityAddress {
    /// `{root}/identityGovernance/lifecycleWorkflows/workflows/{w}/runs/{r}`, or
    /// `{root}/users/{u}`.
    pub fn url(&self, root: &str) -> String {
        let mut url = format!("{root}/{}", origin_path(self.origin));
        for (collection, key) in &self.steps {
            let _ = write!(url, "{collection}/{key}/");
        }
        url.pop();
        url
    }

    /// `{root}/$metadata#identityGovernance/lifecycleWorkflows/workflows('{w}')/runs/$entity`,
    /// or `{root}/$metadata#users/$entity`.
    pub fn entity_context(&self, root: &str) -> String {
        let mut context = format!("{root}/$metadata#{}", origin_path(self.origin));
        if let Some(((collection, _), parents)) = self.steps.split_last() {
            push_path(&mut context, parents);
            let _ = write!(context, "{collection}/");
        }
        context.push_str("$entity");
        context
    }
}

/// `{collection}({key})/` for each step, as an OData context path writes it.
fn push_path(context: &mut String, steps: &[(&'static str, Key)]) {
    for (collection, key) in steps {
        let _ = match key {
            Key::Id(id) => write!(context, "{collection}('{id}')/"),
            Key::Number(number) => write!(context, "{collection}({number})/"),
        };
    }
}

/// A collection: one at the container's root, or one beneath an entity.
#[derive(Debug, Clone)]
pub enum CollectionAddress {
    Root(&'static str),
    Beneath(EntityAddress, &'static str),
}

impl CollectionAddress {
    pub fn workflows(tree: Tree) -> Self {
        Self::Root(workflows(tree))
    }

    /// The collection `segment` beneath the entity at `parent`.
    pub fn beneath(parent: &Address, segment: &'static str) -> Self {
        Self::Beneath(parent.into(), segment)
    }

    /// `{root}/$metadata#identityGovernance/lifecycleWorkflows/workflows('{w}')/runs`,
    /// or `{root}/$metadata#users`.
    pub fn context(&self, root: &str) -> String {
        let (origin, collection) = match self {
            CollectionAddress::Root(collection) => (Origin::Container, collection),
            CollectionAddress::Beneath(parent, collection) => (parent.origin, collection),
        };
        let mut context = format!("{root}/$metadata#{}", origin_path(origin));
        if let CollectionAddress::Beneath(parent, _) = self {
            push_path(&mut context, &parent.steps);
        }
        context.push_str(collection);
        context
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::keys::{Addressed, GroupKey, RunKey, UserKey, WorkflowKey};
    use uuid::Uuid;

    #[test]
    fn renders_urls_and_contexts_in_both_trees() {
        let (w, r) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let run_key = RunKey {
            workflow_id: w,
            run_id: r,
        };
        let run = EntityAddress::from(&run_key.address(Tree::Deleted));
        assert_eq!(
            run.url("https://h/beta"),
            format!("https://h/beta/identityGovernance/lifecycleWorkflows/deletedItems/workflows/{w}/runs/{r}")
        );
        assert_eq!(
            run.entity_context("https://h/beta"),
            format!("https://h/beta/$metadata#identityGovernance/lifecycleWorkflows/deletedItems/workflows('{w}')/runs/$entity")
        );
        let workflow = EntityAddress::from(&(WorkflowKey { workflow_id: w }).address(Tree::Live));
        assert_eq!(
            workflow.entity_context("https://h/v1.0"),
            "https://h/v1.0/$metadata#identityGovernance/lifecycleWorkflows/workflows/$entity"
        );
        assert_eq!(
            CollectionAddress::beneath(&run_key.address(Tree::Deleted), "userProcessingResults")
                .context("https://h"),
            format!("https://h/$metadata#identityGovernance/lifecycleWorkflows/deletedItems/workflows('{w}')/runs('{r}')/userProcessingResults")
        );
        assert_eq!(
            CollectionAddress::workflows(Tree::Live).context("https://h"),
            "https://h/$metadata#identityGovernance/lifecycleWorkflows/workflows"
        );
        assert_eq!(
            workflow.url("https://h/v1.0"),
            format!("https://h/v1.0/identityGovernance/lifecycleWorkflows/workflows/{w}")
        );
        assert_eq!(
            CollectionAddress::beneath(&Address::root(), "taskDefinitions").context("https://h"),
            "https://h/$metadata#identityGovernance/lifecycleWorkflows/taskDefinitions"
        );
    }

    #[test]
    fn renders_the_directory_at_the_service_root() {
        let (u, g) = (Uuid::from_u128(3), Uuid::from_u128(4));
        let user = EntityAddress::from(&(UserKey { user_id: u }).address(Tree::Live));
        assert_eq!(
            user.url("https://h/beta"),
            format!("https://h/beta/users/{u}")
        );
        assert_eq!(
            user.entity_context("https://h/beta"),
            "https://h/beta/$metadata#users/$entity"
        );
        assert_eq!(
            CollectionAddress::beneath(&Address::directory(), "users").context("https://h"),
            "https://h/$metadata#users"
        );
        assert_eq!(
            CollectionAddress::beneath(&(GroupKey { group_id: g }).address(Tree::Live), "members")
                .context("https://h/v1.0"),
            format!("https://h/v1.0/$metadata#groups('{g}')/members")
        );
    }
}
