-- The decision table: what an escalation paged, when a pending request lapses, fenced outbox leases,
-- and callers' subjects of any length.

-- The approver schedules (and their rules) an escalation paged: exactly the eligible steps' services,
-- fixed when the request was escalated, so the incident names what was decided then.
alter table access_request add column paged_schedules text[];
alter table access_request add column paged_rules text[];

-- A pending request lapses (EXPIRED, never approved) at this instant.
alter table access_request add column pending_expires_at timestamptz;
update access_request set pending_expires_at = created_at + interval '24 hours' where status = 'PENDING';
create index access_request_pending_expiring on access_request (pending_expires_at) where status = 'PENDING';

-- A token's subject is recorded whole, whatever its length.
alter table access_request alter column requested_by type text;
alter table access_request alter column escalated_by type text;
alter table access_decision alter column decided_by type text;
alter table access_policy alter column updated_by type text;
alter table audit_event alter column subject type text;

-- The lease of the worker holding a task: done/failed are written only by the holder of this token.
alter table outbox_task add column lease_token varchar(36);
