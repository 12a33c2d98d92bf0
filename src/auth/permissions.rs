//! Graph's Lifecycle Workflows permissions, and what each operation needs.
//!
//! Delegated tokens carry permissions in `scp` (space-separated), application
//! tokens in `roles`; both name the same permissions. The meanings are Graph's:
//! the `Workflow` permissions cover workflows and their tasks (`Activate` only
//! running them), the `Reports` permission covers runs and processing results,
//! the `CustomExt` permissions cover custom task extensions, and the two broad
//! permissions cover everything. As the API contract says, a write permission
//! also reads everything, but for custom task extensions, which take their own
//! permissions or the broad ones only, as in Graph. The write side of runs and
//! results, which Graph keeps internal, needs the broad write permission.
//!
//! The directory (users and groups) takes Graph's directory permissions, which
//! no Lifecycle Workflows permission grants: `User.*` for users and their
//! manager, `Group.*` for groups and their members, and `Directory.*` for both.

/// A permission this service understands; others in a token are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ReadAll,
    ReadWriteAll,
    WorkflowRead,
    WorkflowReadWrite,
    WorkflowActivate,
    ReportsRead,
    CustomExtRead,
    CustomExtReadWrite,
    UserRead,
    UserReadWrite,
    GroupRead,
    GroupReadWrite,
    DirectoryRead,
    DirectoryReadWrite,
}

impl Permission {
    pub const ALL: [Permission; 14] = [
        Permission::ReadAll,
        Permission::ReadWriteAll,
        Permission::WorkflowRead,
        Permission::WorkflowReadWrite,
        Permission::WorkflowActivate,
        Permission::ReportsRead,
        Permission::CustomExtRead,
        Permission::CustomExtReadWrite,
        Permission::UserRead,
        Permission::UserReadWrite,
        Permission::GroupRead,
        Permission::GroupReadWrite,
        Permission::DirectoryRead,
        Permission::DirectoryReadWrite,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Permission::ReadAll => "LifecycleWorkflows.Read.All",
            Permission::ReadWriteAll => "LifecycleWorkflows.ReadWrite.All",
            Permission::WorkflowRead => "LifecycleWorkflows-Workflow.Read.All",
            Permission::WorkflowReadWrite => "LifecycleWorkflows-Workflow.ReadWrite.All",
            Permission::WorkflowActivate => "LifecycleWorkflows-Workflow.Activate",
            Permission::ReportsRead => "LifecycleWorkflows-Reports.Read.All",
            Permission::CustomExtRead => "LifecycleWorkflows-CustomExt.Read.All",
            Permission::CustomExtReadWrite => "LifecycleWorkflows-CustomExt.ReadWrite.All",
            Permission::UserRead => "User.Read.All",
            Permission::UserReadWrite => "User.ReadWrite.All",
            Permission::GroupRead => "Group.Read.All",
            Permission::GroupReadWrite => "Group.ReadWrite.All",
            Permission::DirectoryRead => "Directory.Read.All",
            Permission::DirectoryReadWrite => "Directory.ReadWrite.All",
        }
    }

    fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// The permissions a token grants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Permissions(u16);

impl Permissions {
    /// The permissions named by a token's `scp` (space-separated) and `roles`.
    pub fn from_claims(scopes: Option<&str>, roles: &[String]) -> Self {
        let names = scopes
            .into_iter()
            .flat_map(str::split_whitespace)
            .chain(roles.iter().map(String::as_str));
        let mut granted = Self::default();
        for name in names {
            if let Some(permission) = Permission::ALL.into_iter().find(|p| p.name() == name) {
                granted.0 |= permission.bit();
            }
        }
        granted
    }

    /// Whether any of `accepted` is granted.
    pub fn grant_any(self, accepted: &[Permission]) -> bool {
        accepted
            .iter()
            .any(|permission| self.0 & permission.bit() != 0)
    }
}

/// What an operation needs: any one of `ACCEPTED`. Handlers name it in the type
/// of their [`Authorized`](super::Authorized) argument.
pub trait Need: 'static {
    const ACCEPTED: &'static [Permission];
    /// What the operation does, for the 403 message: "read workflows".
    const ACTION: &'static str;
}

/// Reading workflows and their tasks, in both trees.
pub enum ReadWorkflows {}
/// Creating, updating, deleting and restoring workflows, and updating tasks.
pub enum WriteWorkflows {}
/// Running a workflow on demand.
pub enum ActivateWorkflows {}
/// Reading runs, processing results and their summaries.
pub enum ReadReports {}
/// Recording runs and processing results: the write side Graph keeps internal.
pub enum WriteReports {}
/// Resuming a task that waits for a callback.
pub enum ResumeTasks {}
/// Reading the catalogs every tenant shares (task definitions, workflow
/// templates).
pub enum ReadCatalog {}
/// Reading the tenant's settings.
pub enum ReadSettings {}
/// Changing the tenant's settings, which Graph leaves to the broad permission.
pub enum WriteSettings {}
/// Reading custom task extensions and who wrote them.
pub enum ReadCustomTaskExtensions {}
/// Creating, updating and deleting custom task extensions.
pub enum WriteCustomTaskExtensions {}
/// Reading the directory's users and their managers.
pub enum ReadUsers {}
/// Creating, updating and deleting users, and setting their managers.
pub enum WriteUsers {}
/// Reading the directory's groups and their members (and a user's groups).
pub enum ReadGroups {}
/// Creating, updating and deleting groups, and changing their members.
pub enum WriteGroups {}

impl Need for ReadWorkflows {
    const ACCEPTED: &'static [Permission] = &[
        Permission::WorkflowRead,
        Permission::WorkflowReadWrite,
        Permission::ReadAll,
        Permission::ReadWriteAll,
    ];
    const ACTION: &'static str = "read workflows";
}

impl Need for WriteWorkflows {
    const ACCEPTED: &'static [Permission] =
        &[Permission::WorkflowReadWrite, Permission::ReadWriteAll];
    const ACTION: &'static str = "change workflows";
}

impl Need for ActivateWorkflows {
    const ACCEPTED: &'static [Permission] = &[
        Permission::WorkflowActivate,
        Permission::WorkflowReadWrite,
        Permission::ReadWriteAll,
    ];
    const ACTION: &'static str = "activate workflows";
}

impl Need for ReadReports {
    const ACCEPTED: &'static [Permission] = &[
        Permission::ReportsRead,
        Permission::WorkflowReadWrite,
        Permission::ReadAll,
        Permission::ReadWriteAll,
    ];
    const ACTION: &'static str = "read runs and processing results";
}

/// Any permission that reads something of Lifecycle Workflows.
impl Need for ReadCatalog {
    const ACCEPTED: &'static [Permission] = &[
        Permission::WorkflowRead,
        Permission::WorkflowReadWrite,
        Permission::ReportsRead,
        Permission::CustomExtRead,
        Permission::CustomExtReadWrite,
        Permission::ReadAll,
        Permission::ReadWriteAll,
    ];
    const ACTION: &'static str = "read the task definitions and workflow templates";
}

impl Need for ReadSettings {
    const ACCEPTED: &'static [Permission] = &[
        Permission::WorkflowRead,
        Permission::WorkflowReadWrite,
        Permission::ReadAll,
        Permission::ReadWriteAll,
    ];
    const ACTION: &'static str = "read the Lifecycle Workflows settings";
}

impl Need for WriteSettings {
    const ACCEPTED: &'static [Permission] = &[Permission::ReadWriteAll];
    const ACTION: &'static str = "change the Lifecycle Workflows settings";
}

impl Need for WriteReports {
    const ACCEPTED: &'static [Permission] = &[Permission::ReadWriteAll];
    const ACTION: &'static str = "record runs and processing results";
}

/// Resuming a task that waits for its custom task extension's callback; the
/// applications the extension authorizes need no permission.
impl Need for ResumeTasks {
    const ACCEPTED: &'static [Permission] = &[Permission::ReadWriteAll];
    const ACTION: &'static str = "resume a task waiting for its custom task extension";
}

impl Need for ReadCustomTaskExtensions {
    const ACCEPTED: &'static [Permission] = &[
        Permission::CustomExtRead,
        Permission::CustomExtReadWrite,
        Permission::ReadAll,
        Permission::ReadWriteAll,
    ];
    const ACTION: &'static str = "read custom task extensions";
}

impl Need for WriteCustomTaskExtensions {
    const ACCEPTED: &'static [Permission] =
        &[Permission::CustomExtReadWrite, Permission::ReadWriteAll];
    const ACTION: &'static str = "change custom task extensions";
}

impl Need for ReadUsers {
    const ACCEPTED: &'static [Permission] = &[
        Permission::UserRead,
        Permission::UserReadWrite,
        Permission::DirectoryRead,
        Permission::DirectoryReadWrite,
    ];
    const ACTION: &'static str = "read users";
}

impl Need for WriteUsers {
    const ACCEPTED: &'static [Permission] =
        &[Permission::UserReadWrite, Permission::DirectoryReadWrite];
    const ACTION: &'static str = "change users";
}

impl Need for ReadGroups {
    const ACCEPTED: &'static [Permission] = &[
        Permission::GroupRead,
        Permission::GroupReadWrite,
        Permission::DirectoryRead,
        Permission::DirectoryReadWrite,
    ];
    const ACTION: &'static str = "read groups and their members";
}

impl Need for WriteGroups {
    const ACCEPTED: &'static [Permission] =
        &[Permission::GroupReadWrite, Permission::DirectoryReadWrite];
    const ACTION: &'static str = "change groups and their members";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_and_roles_both_grant() {
        let delegated =
            Permissions::from_claims(Some("User.Read  LifecycleWorkflows-Reports.Read.All"), &[]);
        assert!(delegated.grant_any(ReadReports::ACCEPTED));
        assert!(!delegated.grant_any(ReadWorkflows::ACCEPTED));

        let application =
            Permissions::from_claims(None, &["LifecycleWorkflows.ReadWrite.All".to_owned()]);
        for accepted in [
            ReadWorkflows::ACCEPTED,
            WriteWorkflows::ACCEPTED,
            ActivateWorkflows::ACCEPTED,
            ReadReports::ACCEPTED,
            WriteReports::ACCEPTED,
        ] {
            assert!(application.grant_any(accepted));
        }
    }

    #[test]
    fn names_match_exactly() {
        let lookalikes = Permissions::from_claims(
            Some("lifecycleworkflows.read.all LifecycleWorkflows.Read.All.Extra"),
            &["LifecycleWorkflows.ReadWrite".to_owned()],
        );
        assert_eq!(lookalikes, Permissions::default());
    }

    #[test]
    fn the_directory_takes_directory_permissions_only() {
        let workflows = Permissions::from_claims(
            Some("LifecycleWorkflows.ReadWrite.All LifecycleWorkflows.Read.All"),
            &[],
        );
        let directory = Permissions::from_claims(Some("Directory.ReadWrite.All"), &[]);
        for accepted in [
            ReadUsers::ACCEPTED,
            WriteUsers::ACCEPTED,
            ReadGroups::ACCEPTED,
            WriteGroups::ACCEPTED,
        ] {
            assert!(!workflows.grant_any(accepted));
            assert!(directory.grant_any(accepted));
        }
        assert!(!directory.grant_any(ReadWorkflows::ACCEPTED));
        let users = Permissions::from_claims(None, &["User.ReadWrite.All".to_owned()]);
        assert!(users.grant_any(WriteUsers::ACCEPTED) && !users.grant_any(ReadGroups::ACCEPTED));
        let reader = Permissions::from_claims(Some("Group.Read.All"), &[]);
        assert!(reader.grant_any(ReadGroups::ACCEPTED) && !reader.grant_any(WriteGroups::ACCEPTED));
    }

    #[test]
    fn custom_task_extensions_take_their_own_permissions_or_the_broad_ones() {
        let reader = Permissions::from_claims(Some("LifecycleWorkflows-CustomExt.Read.All"), &[]);
        assert!(reader.grant_any(ReadCustomTaskExtensions::ACCEPTED));
        assert!(!reader.grant_any(WriteCustomTaskExtensions::ACCEPTED));
        let writer = Permissions::from_claims(
            None,
            &["LifecycleWorkflows-CustomExt.ReadWrite.All".to_owned()],
        );
        assert!(writer.grant_any(ReadCustomTaskExtensions::ACCEPTED));
        assert!(writer.grant_any(WriteCustomTaskExtensions::ACCEPTED));
        for other in [
            ReadWorkflows::ACCEPTED,
            WriteWorkflows::ACCEPTED,
            ReadReports::ACCEPTED,
            WriteSettings::ACCEPTED,
        ] {
            assert!(!writer.grant_any(other));
        }
        let broad_reader = Permissions::from_claims(Some("LifecycleWorkflows.Read.All"), &[]);
        assert!(broad_reader.grant_any(ReadCustomTaskExtensions::ACCEPTED));
        assert!(!broad_reader.grant_any(WriteCustomTaskExtensions::ACCEPTED));
        let broad_writer = Permissions::from_claims(Some("LifecycleWorkflows.ReadWrite.All"), &[]);
        assert!(broad_writer.grant_any(WriteCustomTaskExtensions::ACCEPTED));
        let workflows = Permissions::from_claims(
            Some("LifecycleWorkflows-Workflow.ReadWrite.All LifecycleWorkflows-Reports.Read.All"),
            &[],
        );
        assert!(!workflows.grant_any(ReadCustomTaskExtensions::ACCEPTED));
        assert!(!workflows.grant_any(WriteCustomTaskExtensions::ACCEPTED));
    }

    #[test]
    fn a_read_permission_never_writes() {
        for read in [
            Permission::ReadAll,
            Permission::WorkflowRead,
            Permission::ReportsRead,
            Permission::CustomExtRead,
            Permission::UserRead,
            Permission::GroupRead,
            Permission::DirectoryRead,
        ] {
            let granted = Permissions::from_claims(Some(read.name()), &[]);
            assert!(!granted.grant_any(WriteWorkflows::ACCEPTED), "{read:?}");
            assert!(!granted.grant_any(WriteReports::ACCEPTED), "{read:?}");
            assert!(!granted.grant_any(ActivateWorkflows::ACCEPTED), "{read:?}");
            assert!(!granted.grant_any(WriteUsers::ACCEPTED), "{read:?}");
            assert!(!granted.grant_any(WriteGroups::ACCEPTED), "{read:?}");
            assert!(
                !granted.grant_any(WriteCustomTaskExtensions::ACCEPTED),
                "{read:?}"
            );
        }
    }
}
