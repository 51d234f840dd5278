-- Re-evaluation and key re-encryption become leased queues (queue.LeasedQueue), like the outbox and the
-- inbound webhook deliveries: a claim sets an owner token and a lease, and every later write of the row
-- (the attempt, the outcome, the release at shutdown) is conditioned on that token, so a worker whose lease
-- lapsed and was taken over writes nothing. Only tables of V1-V14 are touched (V15 is not needed).

-- A request being re-evaluated: who holds it, until when. Its attempts are the existing reevaluations count,
-- now counted before incident.io is asked; reevaluate_at stays the due time.
alter table access_request
    add column reevaluate_owner       text,
    add column reevaluate_lease_until timestamptz;

-- An installation whose secrets are re-encrypted under the active master key: who holds it, until when,
-- the attempts at the current re-encryption, when to try again after a failure, and the last failure.
alter table incidentio_integration
    add column reencrypt_owner       text,
    add column reencrypt_lease_until timestamptz,
    add column reencrypt_attempts    int not null default 0,
    add column reencrypt_next_at     timestamptz,
    add column reencrypt_error       text;
