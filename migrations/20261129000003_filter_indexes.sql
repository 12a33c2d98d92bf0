-- Indexes for the common $filter criteria on large collections: a user's results
-- (subject/id) and a run's results by time. Status filters ride on the id-ordered scope
-- indexes, which carry processing_status. docs/QUERY-PLANS.md shows the plans.
create index user_processing_results_subject_idx
    on user_processing_results (tenant_id, workflow_id, subject_id, id);
create index task_processing_results_subject_idx
    on task_processing_results (tenant_id, workflow_id, subject_id, id);
create index task_processing_results_created_idx
    on task_processing_results (tenant_id, workflow_id, run_id, created_date_time);
