-- A child's ancestor ids are functionally dependent (a run belongs to one
-- workflow, a userProcessingResult to one run). Without saying so, the planner
-- multiplies their selectivities as if independent, estimates one row for any
-- ancestor prefix, and may then find a result by its run through an index that
-- lacks its id, reading every result of the run (measured: 7 ms instead of 0.06 ms
-- under a userProcessingResult holding 29,000 results; docs/BENCHMARKS.md).
create statistics task_processing_results_ancestors_stats (dependencies)
    on tenant_id, workflow_id, run_id, user_processing_result_id
    from task_processing_results;
create statistics user_processing_results_ancestors_stats (dependencies)
    on tenant_id, workflow_id, run_id
    from user_processing_results;
create statistics runs_ancestors_stats (dependencies)
    on tenant_id, workflow_id
    from runs;
create statistics tasks_ancestors_stats (dependencies)
    on tenant_id, workflow_id
    from tasks;
analyze task_processing_results, user_processing_results, runs, tasks;
