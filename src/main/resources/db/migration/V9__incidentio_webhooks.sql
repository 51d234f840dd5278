-- Signed webhooks from incident.io (Standard Webhooks). The signing secret is sealed like the API key
-- (AES-GCM under the master key, bound to the organization and to its use), and set by an admin.
alter table incidentio_integration
    add column webhook_secret_ciphertext text,
    add column webhook_secret_hint text,
    -- When incident.io reports a request's escalation incident resolved or closed while the request is
    -- still pending, close the request as not approved (else it is only recorded on the request).
    add column close_on_incident_resolved boolean not null default false;

-- One row per verified delivery, written before the 2xx: the work is done after the answer, from
-- here, by whichever replica claims it (lease + FOR UPDATE SKIP LOCKED). The primary key makes a
-- delivery seen before (same webhook-id) a no-op. Rows are kept for oncall.webhooks.retention, longer
-- than incident.io retries a delivery.
create table webhook_delivery (
    org_id          text        not null,
    webhook_id      text        not null,
    event_type      text        not null,
    payload         jsonb       not null,
    received_at     timestamptz not null,
    status          text        not null check (status in ('PENDING', 'DONE', 'FAILED')),
    attempts        int         not null default 0,
    next_attempt_at timestamptz not null,
    locked_until    timestamptz,
    lease_token     text,
    outcome         text,
    processed_at    timestamptz,
    primary key (org_id, webhook_id)
);
create index webhook_delivery_due on webhook_delivery (next_attempt_at) where status = 'PENDING';
create index webhook_delivery_received on webhook_delivery (received_at);

-- Two-way pages: what incident.io last said of a request's escalation incident.
alter table access_request
    add column incident_status text,
    add column incident_closed_at timestamptz,
    -- Why a request ended before its natural end (a shift change ended the grant, the incident was resolved).
    add column ended_reason text,
    -- Re-evaluation of requests created while incident.io could not be asked.
    add column reevaluate_at timestamptz,
    add column reevaluations int not null default 0;
create index access_request_reevaluate on access_request (reevaluate_at) where status = 'PENDING' and reevaluate_at is not null;
create index access_request_incident on access_request (org_id, incident_id) where incident_id is not null;
