//! The counters of runs and userProcessingResults, as reads see them.
//!
//! Triggers keep them in `result_counters` as rows are written (migration 6): a
//! parent's counters are the sum of at most 16 stripe rows, so reading them costs
//! the same whatever the parent holds.

use crate::tenant::Tenant;
use sqlx::{Postgres, QueryBuilder};

/// The counters of the parent rows a statement names by `parent` (the alias of
/// a runs or user_processing_results row), summed by a lateral join into
/// `counters`.
#[derive(Clone, Copy, Debug)]
pub struct Counters {
    parent: &'static str,
}

/// The counters of each run `r`.
pub const OF_RUN: Counters = Counters { parent: "r" };
/// The counters of each userProcessingResult `u`.
pub const OF_USER_PROCESSING_RESULT: Counters = Counters { parent: "u" };

impl Counters {
    /// Appends the join. It reads the counters with the tenant as a value, not
    /// through the parent's column, so that Citus sends the whole statement to
    /// the tenant's shard.
    pub fn push(self, builder: &mut QueryBuilder<'_, Postgres>, tenant: Tenant) {
        builder
            .push(
                " cross join lateral (
                select coalesce(sum(c.total_users), 0)::bigint as total_users,
                       coalesce(sum(c.successful_users), 0)::bigint as successful_users,
                       coalesce(sum(c.failed_users), 0)::bigint as failed_users,
                       coalesce(sum(c.total_tasks), 0)::bigint as total_tasks,
                       coalesce(sum(c.failed_tasks), 0)::bigint as failed_tasks,
                       coalesce(sum(c.unprocessed_tasks), 0)::bigint as unprocessed_tasks
                from result_counters c
                where c.tenant_id = ",
            )
            .push_bind(tenant.id())
            .push(format_args!(
                " and c.workflow_id = {parent}.workflow_id and c.parent_id = {parent}.id
            ) counters",
                parent = self.parent
            ));
    }
}

/// The alias the joins give the counters; a `$filter` or `$orderby` that names a
/// column under it needs the join.
pub const ALIAS: &str = "counters";
