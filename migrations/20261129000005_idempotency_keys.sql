-- Idempotency keys: the response a POST with an Idempotency-Key answered, kept
-- for 24 hours so that a retry with the same key gets it again instead of writing
-- twice. A row is inserted in the transaction of the write it guards and filled
-- with the response before that transaction commits, so other sessions only ever
-- see complete rows; a concurrent duplicate waits on the primary key meanwhile.
create table idempotency_keys (
    tenant_id uuid not null,
    key text not null,
    -- SHA-256 of the method, path and body: the same key with another request is
    -- refused.
    request_hash bytea not null,
    status smallint not null default 0,
    -- The response headers a replay repeats (Content-Type, Location, ...).
    headers jsonb not null default '{}',
    body bytea not null default '',
    created_at timestamptz not null default now(),
    constraint idempotency_keys_pkey primary key (tenant_id, key),
    constraint idempotency_keys_key_length_check check (length(key) between 1 and 255)
);

-- The purge deletes by age.
create index idempotency_keys_created_at_idx on idempotency_keys (created_at);
