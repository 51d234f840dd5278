-- Paging without an incident: an escalation step may page through incident.io escalations instead of
-- an incident. A request paged that way has one row per escalation target (an escalation path, or the
-- people on call for some schedules), each created and later cancelled through the outbox.
alter table access_request
    -- How the request's escalation pages: INCIDENT or ESCALATION (null: not escalated yet).
    add column page_kind varchar(16),
    add constraint access_request_page_kind check (page_kind in ('INCIDENT', 'ESCALATION'));

create table page_escalation (
    id                  bigserial     primary key,
    org_id              varchar(63)   not null,
    request_id          varchar(36)   not null references access_request (id),
    -- The target's position in the request's page; with the request id it makes the idempotency key.
    ordinal             integer       not null,
    -- The escalation path paged; null: the people on call now for the schedules in sources.
    escalation_path_id  varchar(64),
    -- For a people target: {"schedules": [{scheduleId, rotations, layers}]}, whose on-call people are paged.
    sources             jsonb         not null default '{"schedules": []}',
    state               varchar(16)   not null,
    escalation_id       varchar(64),
    -- The incident.io users paged (a people target), written down before the first send.
    user_ids            text[],
    -- When it was first about to be sent: from then on incident.io may have it (retries resend the same).
    sent_at             timestamptz,
    error               varchar(2000),
    -- What incident.io last reported of the escalation's status, through webhooks.
    incidentio_status   varchar(64),
    created_at          timestamptz   not null,
    updated_at          timestamptz   not null,
    version             bigint        not null default 0,
    constraint page_escalation_state check (state in ('PENDING', 'CREATED', 'FAILED', 'NOT_SENT', 'CANCELLED', 'CANCEL_FAILED')),
    constraint page_escalation_once unique (request_id, ordinal)
);
-- Webhooks find an escalation by its incident.io id, within the organization.
create index page_escalation_incidentio on page_escalation (org_id, escalation_id) where escalation_id is not null;

-- Escalation tasks name the escalation they create or cancel; a request has one task of each kind per escalation.
alter table outbox_task
    add column page_escalation_id bigint references page_escalation (id),
    drop constraint outbox_task_kind,
    add constraint outbox_task_kind check (kind in ('CREATE_INCIDENT', 'UPDATE_INCIDENT', 'CREATE_ESCALATION', 'CANCEL_ESCALATION')),
    drop constraint outbox_task_once;
create unique index outbox_task_once on outbox_task (request_id, kind, coalesce(page_escalation_id, 0));
alter table outbox_task add constraint outbox_task_escalation_kinds
    check ((page_escalation_id is not null) = (kind in ('CREATE_ESCALATION', 'CANCEL_ESCALATION')));
create index outbox_task_page_escalation on outbox_task (page_escalation_id) where page_escalation_id is not null;
