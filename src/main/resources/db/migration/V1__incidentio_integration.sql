-- One incident.io installation per organization. The API key is stored only AES-256-GCM encrypted
-- (bound to org_id as associated data); api_key_hint keeps its last four characters for display.
create table incidentio_integration (
    org_id                      varchar(63)  primary key,
    api_key_ciphertext          text         not null,
    api_key_hint                varchar(4)   not null,
    identity_name               varchar(255) not null,
    identity_roles              text[]       not null,
    custom_field_id             varchar(64)  not null,
    custom_field_type           varchar(32)  not null,
    auto_approval_schedule_ids  text[]       not null default '{}',
    installed_at                timestamptz  not null,
    key_rotated_at              timestamptz  not null,
    updated_at                  timestamptz  not null,
    version                     bigint       not null default 0
);
