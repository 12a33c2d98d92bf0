//! Changes to the directory that workflows trigger on: a user's property
//! (`attributeChangeTrigger`) and a group's membership
//! (`membershipChangeTrigger`), recorded with the change itself.

use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectoryChange {
    /// A user's property, by its JSON name, took a new value.
    Attribute(&'static str),
    /// The user joined the group.
    MemberAdded(Uuid),
    /// The user left the group.
    MemberRemoved(Uuid),
}

impl DirectoryChange {
    /// The `kind` that `directory_changes` stores.
    pub fn kind(self) -> &'static str {
        match self {
            DirectoryChange::Attribute(_) => "attribute",
            DirectoryChange::MemberAdded(_) => "memberAdded",
            DirectoryChange::MemberRemoved(_) => "memberRemoved",
        }
    }

    pub fn attribute(self) -> Option<&'static str> {
        match self {
            DirectoryChange::Attribute(name) => Some(name),
            _ => None,
        }
    }

    pub fn group_id(self) -> Option<Uuid> {
        match self {
            DirectoryChange::MemberAdded(group) | DirectoryChange::MemberRemoved(group) => {
                Some(group)
            }
            DirectoryChange::Attribute(_) => None,
        }
    }
}
