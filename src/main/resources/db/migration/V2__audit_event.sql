-- Who changed what, and when. Kept when an integration is removed; never updated.
create table audit_event (
    id           bigserial     primary key,
    org_id       varchar(63)   not null,
    action       varchar(64)   not null,
    subject      varchar(255)  not null,
    detail       varchar(2000),
    occurred_at  timestamptz   not null
);
create index audit_event_org_time on audit_event (org_id, occurred_at desc, id desc);
