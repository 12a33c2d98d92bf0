//! Every constraint of the migrated schema (and every unique index, which a
//! violation names the same way) is accounted for in `src/db/error.rs`: either
//! mapped to the client error its violation means, or listed as one no request
//! can violate. A constraint in neither would answer its violations with a 500.

use crate::helpers::TestApp;
use lifecycle_workflows::db::error::{CLIENT_ERRORS, UNVIOLATABLE};
use std::collections::BTreeSet;

/// The names of the constraints of the service's tables, and of the unique
/// indexes that back no constraint (`workflows_live_display_name_key`, a partial
/// one). Not-null constraints, which PostgreSQL 18 lists too, are left out: their
/// violations name a column, not a constraint. So are primary keys: no request
/// names the key of what it creates (see `UNVIOLATABLE`).
const SCHEMA_CONSTRAINTS: &str = "
    select c.conname::text
    from pg_constraint c
    join pg_class t on t.oid = c.conrelid
    join pg_namespace n on n.oid = t.relnamespace
    where n.nspname = 'public' and t.relname <> '_sqlx_migrations' and c.contype not in ('n', 'p')
    union
    select i.relname::text
    from pg_index x
    join pg_class i on i.oid = x.indexrelid
    join pg_class t on t.oid = x.indrelid
    join pg_namespace n on n.oid = t.relnamespace
    where n.nspname = 'public' and t.relname <> '_sqlx_migrations' and x.indisunique
      and not exists (select 1 from pg_constraint c
                      where c.conindid = x.indexrelid and c.contype in ('p', 'u', 'x'))";

#[tokio::test]
async fn every_constraint_is_a_client_error_or_unviolatable() {
    let app = TestApp::spawn().await;
    let in_schema: BTreeSet<String> = sqlx::query_scalar::<_, String>(SCHEMA_CONSTRAINTS)
        .fetch_all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert!(in_schema.contains("runs_workflow_fkey"), "{in_schema:?}");
    let mapped: Vec<&str> = CLIENT_ERRORS.iter().map(|(name, _)| *name).collect();

    let unknown: Vec<&String> = in_schema
        .iter()
        .filter(|name| !mapped.contains(&name.as_str()) && !UNVIOLATABLE.contains(&name.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "constraints that src/db/error.rs neither maps to a client error (CLIENT_ERRORS) \
         nor lists, with the reason, as unviolatable (UNVIOLATABLE): {unknown:?}"
    );

    let stale: Vec<&&str> = mapped
        .iter()
        .chain(UNVIOLATABLE)
        .filter(|name| !in_schema.contains(**name))
        .collect();
    assert!(
        stale.is_empty(),
        "src/db/error.rs names constraints the schema does not have: {stale:?}"
    );

    let both: Vec<&&str> = mapped
        .iter()
        .filter(|name| UNVIOLATABLE.contains(*name))
        .collect();
    assert!(both.is_empty(), "both mapped and unviolatable: {both:?}");
    let listed = mapped.len() + UNVIOLATABLE.len();
    let distinct: BTreeSet<&&str> = mapped.iter().chain(UNVIOLATABLE).collect();
    assert_eq!(distinct.len(), listed, "a constraint is listed twice");

    for (name, error) in CLIENT_ERRORS {
        let status = error().status;
        assert!(status.is_client_error(), "{name}: {status}");
    }
}
