//! Where an entity lives, rendered as a URL (`Location`) and as an OData context
//! URL (`@odata.context`).

use crate::domain::workflow::Tree;
use std::fmt::Write;
use uuid::Uuid;

/// The API's container, below the version.
pub const CONTAINER: &str = "identityGovernance/lifecycleWorkflows";

/// The canonical address of an entity: its workflow's tree, then a chain of
/// collections and ids.
#[derive(Debug, Clone)]
pub struct EntityAddress {
    tree: Tree,
    steps: Vec<(&'static str, Uuid)>,
}

impl EntityAddress {
    pub fn workflow(tree: Tree, id: Uuid) -> Self {
        Self {
            tree,
            steps: vec![("", id)],
        }
    }

    /// The entity `id` in the collection `collection` beneath this one.
    pub fn then(mut self, collection: &'static str, id: Uuid) -> Self {
        self.steps.push((collection, id));
        self
    }

    fn workflows(&self) -> &'static str {
        Self::workflows_of(self.tree)
    }

    fn workflows_of(tree: Tree) -> &'static str {
        match tree {
            Tree::Live => "workflows",
            Tree::Deleted => "deletedItems/workflows",
        }
    }

    /// `{root}/identityGovernance/lifecycleWorkflows/workflows/{w}/runs/{r}`.
    pub fn url(&self, root: &str) -> String {
        let mut url = format!("{root}/{CONTAINER}/{}", self.workflows());
        for (collection, id) in &self.steps {
            if !collection.is_empty() {
                let _ = write!(url, "/{collection}");
            }
            let _ = write!(url, "/{id}");
        }
        url
    }

    /// `{root}/$metadata#identityGovernance/lifecycleWorkflows/workflows('{w}')/runs/$entity`.
    pub fn entity_context(&self, root: &str) -> String {
        let mut context = format!("{root}/$metadata#{CONTAINER}/{}", self.workflows());
        let (last, parents) = self
            .steps
            .split_last()
            .map_or((None, &[][..]), |(last, parents)| (Some(last), parents));
        for (collection, id) in parents {
            if !collection.is_empty() {
                let _ = write!(context, "/{collection}");
            }
            let _ = write!(context, "('{id}')");
        }
        if let Some((collection, _)) = last.filter(|(collection, _)| !collection.is_empty()) {
            let _ = write!(context, "/{collection}");
        }
        context.push_str("/$entity");
        context
    }
}

/// A collection: the workflows of a tree, or a collection beneath an entity.
#[derive(Debug, Clone)]
pub enum CollectionAddress {
    Workflows(Tree),
    Beneath(EntityAddress, &'static str),
}

impl CollectionAddress {
    /// `{root}/$metadata#identityGovernance/lifecycleWorkflows/workflows('{w}')/runs`.
    pub fn context(&self, root: &str) -> String {
        match self {
            CollectionAddress::Workflows(tree) => {
                format!(
                    "{root}/$metadata#{CONTAINER}/{}",
                    EntityAddress::workflows_of(*tree)
                )
            }
            CollectionAddress::Beneath(parent, collection) => {
                let mut context = format!("{root}/$metadata#{CONTAINER}/{}", parent.workflows());
                for (step, id) in &parent.steps {
                    if !step.is_empty() {
                        let _ = write!(context, "/{step}");
                    }
                    let _ = write!(context, "('{id}')");
                }
                let _ = write!(context, "/{collection}");
                context
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_urls_and_contexts_in_both_trees() {
        let (w, r) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let run = EntityAddress::workflow(Tree::Deleted, w).then("runs", r);
        assert_eq!(
            run.url("https://h/beta"),
            format!("https://h/beta/identityGovernance/lifecycleWorkflows/deletedItems/workflows/{w}/runs/{r}")
        );
        assert_eq!(
            run.entity_context("https://h/beta"),
            format!("https://h/beta/$metadata#identityGovernance/lifecycleWorkflows/deletedItems/workflows('{w}')/runs/$entity")
        );
        let workflow = EntityAddress::workflow(Tree::Live, w);
        assert_eq!(
            workflow.entity_context("https://h/v1.0"),
            "https://h/v1.0/$metadata#identityGovernance/lifecycleWorkflows/workflows/$entity"
        );
        assert_eq!(
            CollectionAddress::Beneath(run, "userProcessingResults").context("https://h"),
            format!("https://h/$metadata#identityGovernance/lifecycleWorkflows/deletedItems/workflows('{w}')/runs('{r}')/userProcessingResults")
        );
        assert_eq!(
            CollectionAddress::Workflows(Tree::Live).context("https://h"),
            "https://h/$metadata#identityGovernance/lifecycleWorkflows/workflows"
        );
        assert_eq!(
            workflow.url("https://h/v1.0"),
            format!("https://h/v1.0/identityGovernance/lifecycleWorkflows/workflows/{w}")
        );
    }
}
