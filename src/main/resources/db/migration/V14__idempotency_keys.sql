-- Idempotency-Key (IETF httpapi draft) on the access-request writes: one row per organization and key.
-- A claim inserts the row IN_PROGRESS under a lease (lease_token, locked_until) before the write runs;
-- the write's own transaction turns it DONE with the answer, on condition that it still holds the lease,
-- so the effect and its record commit together or not at all. A lease that lapses (a crashed replica)
-- lets a retry take the key over. Rows are kept oncall.idempotency.retention (24 h) from created_at.
create table idempotency_key (
    org_id            text        not null,
    idempotency_key   text        not null,
    -- SHA-256 (hex) of the method, the path and the canonical JSON of the parsed body
    fingerprint       text        not null,
    state             text        not null check (state in ('IN_PROGRESS', 'DONE')),
    lease_token       text        not null,
    locked_until      timestamptz not null,
    created_at        timestamptz not null,
    -- the first answer, replayed as it was sent: text, not jsonb (which would reorder the members)
    response_status   int,
    response_location text,
    response_body     text,
    completed_at      timestamptz,
    primary key (org_id, idempotency_key),
    check (state = 'IN_PROGRESS' or (response_status is not null and response_body is not null))
);
create index idempotency_key_created on idempotency_key (created_at);
