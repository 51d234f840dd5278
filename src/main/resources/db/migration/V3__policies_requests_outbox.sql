-- The routing rules of an organization, as the canonical JSON document.
create table access_policy (
    org_id       varchar(63)   primary key,
    document     text          not null,
    updated_at   timestamptz   not null,
    updated_by   varchar(255)  not null,
    version      bigint        not null default 0
);

-- Access requests. The matched rules are kept as a snapshot (JSON), so later policy edits do not
-- change who may decide a request already made.
create table access_request (
    id                   varchar(36)    primary key,
    org_id               varchar(63)    not null,
    requester            varchar(254)   not null,
    resource_type        varchar(100)   not null,
    resource_service     varchar(100)   not null,
    resource_name        varchar(200)   not null,
    reason               varchar(2000),
    conversation_url     varchar(2000),
    status               varchar(16)    not null,
    matched_rules        text           not null,
    evaluation           text           not null,
    requested_by         varchar(255)   not null,
    created_at           timestamptz    not null,
    updated_at           timestamptz    not null,
    grant_expires_at     timestamptz,
    escalated_at         timestamptz,
    escalated_by         varchar(255),
    incident_state       varchar(16)    not null default 'NONE',
    incident_id          varchar(64),
    incident_reference   varchar(64),
    incident_url         varchar(2000),
    incident_error       varchar(2000),
    version              bigint         not null default 0,
    constraint access_request_status check (status in ('PENDING', 'APPROVED', 'DENIED', 'EXPIRED')),
    constraint access_request_incident_state check (incident_state in ('NONE', 'PENDING', 'CREATED', 'FAILED'))
);
create index access_request_org on access_request (org_id, created_at desc);
create index access_request_expiring on access_request (grant_expires_at) where status = 'APPROVED';

-- The decision of a request: at most one, enforced by the primary key.
create table access_decision (
    request_id      varchar(36)    primary key references access_request (id),
    approver        varchar(254)   not null,
    decision        varchar(8)     not null,
    comment         varchar(2000),
    decided_at      timestamptz    not null,
    decided_by      varchar(255)   not null,
    evidence        text           not null,
    constraint access_decision_kind check (decision in ('APPROVE', 'DENY'))
);

-- Transactional outbox of incident.io writes, drained by the scheduler on any replica.
create table outbox_task (
    id               bigserial      primary key,
    org_id           varchar(63)    not null,
    request_id       varchar(36)    not null references access_request (id),
    kind             varchar(32)    not null,
    status           varchar(16)    not null,
    attempts         integer        not null default 0,
    next_attempt_at  timestamptz    not null,
    locked_until     timestamptz,
    last_error       varchar(2000),
    created_at       timestamptz    not null,
    updated_at       timestamptz    not null,
    version          bigint         not null default 0,
    constraint outbox_task_kind check (kind in ('CREATE_INCIDENT', 'UPDATE_INCIDENT')),
    constraint outbox_task_status check (status in ('PENDING', 'DONE', 'FAILED')),
    constraint outbox_task_once unique (request_id, kind)
);
create index outbox_task_due on outbox_task (next_attempt_at) where status = 'PENDING';

-- Audit events about one access request form its audit trail.
alter table audit_event add column request_id varchar(36);
create index audit_event_request on audit_event (request_id, occurred_at, id) where request_id is not null;
