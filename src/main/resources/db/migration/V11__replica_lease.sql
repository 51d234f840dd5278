-- One row per running replica: its lease and the share of every incident.io key's limit it claims.
-- Renewed every second under an advisory lock; a replica whose lease lapsed (expires_at in the past)
-- no longer counts and spends nothing. The claims of unexpired rows never add up to more than 1.
create table replica_lease (
    replica_id    text primary key,
    claimed_share double precision not null check (claimed_share >= 0 and claimed_share <= 1),
    started_at    timestamptz not null,
    renewed_at    timestamptz not null,
    expires_at    timestamptz not null
);
