-- Every committed change to what an organization's snapshot holds (its installation, its policy) is
-- announced on channel oncall_org_changed, payload the organization id ('*' after a truncate).
-- NOTIFY is transactional: listeners hear of a change when it commits, never before, never if it
-- rolls back. Each replica listens and drops its in-memory snapshot of that organization.
create function notify_org_changed() returns trigger language plpgsql as $$
begin
    if tg_op = 'TRUNCATE' then
        perform pg_notify('oncall_org_changed', '*');
        return null;
    end if;
    if tg_op in ('UPDATE', 'DELETE') then
        perform pg_notify('oncall_org_changed', old.org_id);
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
        perform pg_notify('oncall_org_changed', new.org_id);
    end if;
    return null;
end
$$;

create trigger incidentio_integration_changed after insert or update or delete on incidentio_integration
    for each row execute function notify_org_changed();
create trigger incidentio_integration_truncated after truncate on incidentio_integration
    for each statement execute function notify_org_changed();
create trigger access_policy_changed after insert or update or delete on access_policy
    for each row execute function notify_org_changed();
create trigger access_policy_truncated after truncate on access_policy
    for each statement execute function notify_org_changed();
