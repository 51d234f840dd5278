-- Event destinations: URLs every request event of an organization is POSTed to, signed (Standard Webhooks).
-- Each destination reads the organization's events (request_event, V12) in sequence order behind a cursor of
-- its own: delivered_seq moves past an event only once the destination answered 2xx (or once the event was
-- given up, oncall.events.retry-for after it happened). So the events of a request arrive in their order, at
-- least once, and a crash between the change and the delivery loses nothing: the event is in the database
-- from the change's own commit, and the cursor has not moved.
create table event_destination (
    id                uuid        primary key,
    org_id            text        not null,
    url               text        not null,
    -- null: every event type
    types             text[],
    -- whsec_ secret, sealed like the API key (bound to the organization and the destination)
    secret_ciphertext text        not null,
    secret_hint       text        not null,
    created_at        timestamptz not null,
    created_by        text        not null,
    -- every event of the organization up to this sequence number was delivered, skipped (another type) or given up
    delivered_seq     bigint      not null,
    -- failed attempts at the event after delivered_seq, and when to try it again
    attempts          int         not null default 0,
    next_attempt_at   timestamptz not null,
    -- the replica delivering now, until when: every cursor move is fenced by the owner
    lease_owner       uuid,
    lease_until       timestamptz,
    last_success_at   timestamptz,
    last_failure_at   timestamptz,
    last_failure      text,
    given_up          bigint      not null default 0,
    last_given_up_at  timestamptz
);

create index event_destination_org on event_destination (org_id);
create index event_destination_due on event_destination (next_attempt_at);
