//! The counters of runs and userProcessingResults, as reads see them.
//!
//! Triggers keep them in `result_counters` as rows are written (migration 6): a
//! parent's counters are the sum of at most 16 stripe rows, so reading them costs
//! the same whatever the parent holds.

/// A lateral join that sums the counters of the parent row `$parent` (the alias
/// of a runs or user_processing_results row) into `counters`.
macro_rules! counters_of {
    ($parent:literal) => {
        concat!(
            " cross join lateral (
                select coalesce(sum(c.total_users), 0)::bigint as total_users,
                       coalesce(sum(c.successful_users), 0)::bigint as successful_users,
                       coalesce(sum(c.failed_users), 0)::bigint as failed_users,
                       coalesce(sum(c.total_tasks), 0)::bigint as total_tasks,
                       coalesce(sum(c.failed_tasks), 0)::bigint as failed_tasks,
                       coalesce(sum(c.unprocessed_tasks), 0)::bigint as unprocessed_tasks
                from result_counters c
                where c.tenant_id = ",
            $parent,
            ".tenant_id and c.workflow_id = ",
            $parent,
            ".workflow_id and c.parent_id = ",
            $parent,
            ".id
            ) counters"
        )
    };
}

/// The counters of each run `r`.
pub const OF_RUN: &str = counters_of!("r");
/// The counters of each userProcessingResult `u`.
pub const OF_USER_PROCESSING_RESULT: &str = counters_of!("u");

/// The alias the joins give the counters; a `$filter` or `$orderby` that names a
/// column under it needs the join.
pub const ALIAS: &str = "counters";
