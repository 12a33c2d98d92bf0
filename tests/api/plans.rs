//! Creates cost the same under a parent with 50,000 children as under one with a
//! single child, whatever the planner's statistics say, with generic plans: the
//! cost is counted in the blocks each create touches (its statement, its
//! foreign-key checks and its counter triggers), never timed.

use crate::helpers::{Chain, TestApp};
use chrono::Utc;
use lifecycle_workflows::db;
use lifecycle_workflows::db::transaction::WriteConnection;
use lifecycle_workflows::domain::enums::{ProcessingStatus, WorkflowExecutionType};
use lifecycle_workflows::domain::keys::{RunKey, TaskProcessingResultKey, UserProcessingResultKey};
use lifecycle_workflows::domain::run::NewRun;
use lifecycle_workflows::domain::task_processing_result::NewTaskProcessingResult;
use lifecycle_workflows::domain::user_processing_result::NewUserProcessingResult;
use lifecycle_workflows::domain::workflow::Tree;
use lifecycle_workflows::tenant::Tenant;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

const SIBLINGS: i64 = 50_000;
const TABLES: &[&str] = &[
    "workflows",
    "tasks",
    "runs",
    "user_processing_results",
    "task_processing_results",
    "result_counters",
];

/// The creates that prove a parent, each under the parent of its kind in a chain.
#[derive(Debug, Clone, Copy)]
enum Create {
    Run,
    UserProcessingResult,
    TaskProcessingResult,
    SameTask,
}

const CREATES: [Create; 4] = [
    Create::Run,
    Create::UserProcessingResult,
    Create::TaskProcessingResult,
    Create::SameTask,
];

#[tokio::test]
async fn creates_touch_as_many_blocks_under_a_full_parent_as_under_a_new_one() {
    let app = TestApp::spawn().await;
    for table in TABLES {
        sqlx::query(&format!(
            "alter table {table} set (autovacuum_enabled = false)"
        ))
        .execute(&app.db)
        .await
        .unwrap();
    }
    // Statistics taken while every table was empty, as after a deployment.
    sqlx::query("analyze").execute(&app.db).await.unwrap();
    let new = app.create_chain().await;
    let full = app.create_chain().await;
    fill(&app, &full).await;
    // A later chain holds the right edge of every index, where an insert skips
    // the descent from the root: both parents under test then insert mid-tree.
    app.create_chain().await;
    let mut probe = Probe::connect(&app).await;

    for statistics in ["taken while empty", "taken with the full parent"] {
        for create in CREATES {
            let under_new = probe.blocks(create, &new).await;
            let under_full = probe.blocks(create, &full).await;
            println!("{create:?}, statistics {statistics}: {under_new} blocks under a new parent, {under_full} under a full one");
            assert!(
                under_full <= under_new + 2,
                "{create:?} with statistics {statistics}: {under_full} blocks under a parent with \
                 {SIBLINGS} children, {under_new} under a parent with one"
            );
        }
        sqlx::query("analyze").execute(&app.db).await.unwrap();
    }
}

/// Puts `SIBLINGS` runs under the chain's workflow, as many userProcessingResults
/// under its run and as many taskProcessingResults under its userProcessingResult.
async fn fill(app: &TestApp, chain: &Chain) {
    let ids = |id: &str| Uuid::parse_str(id).unwrap();
    sqlx::query(
        "insert into runs (tenant_id, workflow_id, id, processing_status, workflow_execution_type,
                           scheduled_date_time)
         select $1, $2, uuid_v7(), 'completed', 'scheduled', now() from generate_series(1, $3)",
    )
    .bind(app.tenant)
    .bind(ids(&chain.workflow))
    .bind(SIBLINGS)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into user_processing_results (tenant_id, workflow_id, run_id, id, subject_id,
             processing_status, workflow_execution_type, scheduled_date_time, workflow_version)
         select $1, $2, $3, uuid_v7(), gen_random_uuid(), 'completed', 'scheduled', now(), 1
         from generate_series(1, $4)",
    )
    .bind(app.tenant)
    .bind(ids(&chain.workflow))
    .bind(ids(&chain.run))
    .bind(SIBLINGS)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into task_processing_results (tenant_id, workflow_id, run_id,
             user_processing_result_id, id, task_id, subject_id, created_date_time, processing_status)
         select $1, $2, $3, $4, uuid_v7(), $5, gen_random_uuid(), now(), 'completed'
         from generate_series(1, $6)",
    )
    .bind(app.tenant)
    .bind(ids(&chain.workflow))
    .bind(ids(&chain.run))
    .bind(ids(&chain.user_result))
    .bind(ids(&chain.task))
    .bind(SIBLINGS)
    .execute(&app.db)
    .await
    .unwrap();
}

/// A connection that runs the service's own statements with generic plans, and
/// a second one that reads how many blocks of the hierarchy's tables and indexes
/// they touched.
struct Probe {
    tenant: Tenant,
    writer: PgConnection,
    observer: PgConnection,
}

impl Probe {
    async fn connect(app: &TestApp) -> Self {
        let mut writer = PgConnection::connect(&app.database_url()).await.unwrap();
        sqlx::query("set plan_cache_mode = force_generic_plan")
            .execute(&mut writer)
            .await
            .unwrap();
        let observer = PgConnection::connect(&app.database_url()).await.unwrap();
        Self {
            tenant: Tenant::new(app.tenant),
            writer,
            observer,
        }
    }

    /// The fewest blocks one of three runs of `create` under `chain` touched. Other
    /// sessions' statistics may land in a window, and only ever add to it.
    async fn blocks(&mut self, create: Create, chain: &Chain) -> i64 {
        let mut fewest = i64::MAX;
        for _ in 0..3 {
            let before = self.blocks_so_far().await;
            self.run(create, chain).await;
            fewest = fewest.min(self.blocks_so_far().await - before);
        }
        fewest
    }

    /// The blocks touched so far, after the writer's statistics are flushed: a
    /// forced flush happens when the writer next goes idle, before it answers.
    async fn blocks_so_far(&mut self) -> i64 {
        sqlx::query("select pg_stat_force_next_flush()")
            .execute(&mut self.writer)
            .await
            .unwrap();
        sqlx::query_scalar(
            "select sum(heap_blks_hit + heap_blks_read + coalesce(idx_blks_hit, 0)
                        + coalesce(idx_blks_read, 0))::bigint
             from pg_statio_user_tables where relname = any($1)",
        )
        .bind(TABLES)
        .fetch_one(&mut self.observer)
        .await
        .unwrap()
    }

    async fn run(&mut self, create: Create, chain: &Chain) {
        let id = |text: &str| Uuid::parse_str(text).unwrap();
        let run = RunKey {
            workflow_id: id(&chain.workflow),
            run_id: id(&chain.run),
        };
        let user = UserProcessingResultKey {
            workflow_id: run.workflow_id,
            run_id: run.run_id,
            user_processing_result_id: id(&chain.user_result),
        };
        let result = NewTaskProcessingResult {
            created_date_time: Utc::now(),
            processing_status: ProcessingStatus::Completed,
            started_date_time: None,
            completed_date_time: None,
            failure_reason: None,
            processing_info: None,
        };
        let tenant = self.tenant;
        let writer = &mut WriteConnection::dedicated(&mut self.writer);
        let created = match create {
            Create::Run => db::runs::create(
                writer,
                tenant,
                Tree::Live,
                run.workflow_id,
                Uuid::now_v7(),
                &NewRun {
                    processing_status: ProcessingStatus::Queued,
                    workflow_execution_type: WorkflowExecutionType::OnDemand,
                    scheduled_date_time: Utc::now(),
                    started_date_time: None,
                    completed_date_time: None,
                },
            )
            .await
            .unwrap()
            .is_some(),
            Create::UserProcessingResult => db::user_processing_results::create(
                writer,
                tenant,
                Tree::Live,
                run,
                Uuid::now_v7(),
                &NewUserProcessingResult {
                    subject_id: Uuid::new_v4(),
                    processing_status: ProcessingStatus::Queued,
                    workflow_execution_type: WorkflowExecutionType::OnDemand,
                    scheduled_date_time: Utc::now(),
                    started_date_time: None,
                    completed_date_time: None,
                    workflow_version: None,
                },
            )
            .await
            .unwrap()
            .is_some(),
            Create::TaskProcessingResult => db::task_processing_results::create(
                writer,
                tenant,
                Tree::Live,
                user,
                Uuid::now_v7(),
                id(&chain.task),
                &result,
            )
            .await
            .unwrap()
            .is_some(),
            Create::SameTask => db::task_processing_results::create_for_same_task(
                writer,
                tenant,
                Tree::Live,
                TaskProcessingResultKey {
                    workflow_id: user.workflow_id,
                    run_id: user.run_id,
                    user_processing_result_id: user.user_processing_result_id,
                    task_processing_result_id: id(&chain.task_result),
                },
                Uuid::now_v7(),
                &result,
            )
            .await
            .unwrap()
            .is_some(),
        };
        assert!(created, "{create:?} found its parent");
    }
}
