-- Every change of an access request's state, as an event for integrators (GET /events), written in the
-- transaction that makes the change. Within an organization events are numbered by org_event_counter: the
-- counter row is locked from the event's insert to the commit, so sequence order is commit order and a
-- reader polling "after seq N" never skips an event that commits later with a smaller number.
create table org_event_counter (
    org_id         text primary key,
    last_seq       bigint not null,
    -- events up to this sequence number were deleted (kept oncall.events.retention): older cursors answer 410
    pruned_through bigint not null default 0
);

create table request_event (
    org_id      text        not null,
    seq         bigint      not null,
    id          uuid        not null unique,
    type        text        not null,
    request_id  text        not null,
    occurred_at timestamptz not null,
    event       jsonb       not null,
    primary key (org_id, seq)
);

create index request_event_occurred_at on request_event (occurred_at);

-- Revoke (an active grant ended early) and withdraw (a pending request given up by its requester's side):
-- a status of its own for a withdrawn request, and who ended a request and why.
alter table access_request drop constraint access_request_status;
alter table access_request add constraint access_request_status
    check (status in ('PENDING', 'APPROVED', 'DENIED', 'EXPIRED', 'WITHDRAWN'));
alter table access_request add column ended_by text, add column ended_comment text;
