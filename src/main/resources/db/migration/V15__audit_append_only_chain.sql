-- The audit trail becomes append-only and tamper-evident (docs/audit.md).
--
-- 1. A hash chain per organization: each event carries its position (chain_seq, 1, 2, ... per org), the hash
--    of the organization's previous event (prev_hash; 32 zero bytes for the first) and its own hash, SHA-256 of
--    a canonical encoding of its fields and prev_hash (audit_event_hash below; AuditChain computes the same in
--    Java and GET /audit-events/verification recomputes the chain).
-- 2. The chain is written by a BEFORE INSERT trigger, not by the service: it takes a per-organization advisory
--    lock held until the commit (appends of one organization never fork the chain), and it covers every insert,
--    the previous release's during a rolling update included (it knows nothing of these columns).
-- 3. UPDATE and DELETE are refused by a trigger, even for the table's owner; the service's role is not granted them.
--
-- Events written before this migration are chained here, per organization in id order.

create function audit_chain_text(v text) returns bytea language sql immutable parallel safe as $$
    -- absent: one 0 byte; present: a 1 byte, the UTF-8 length as 4 bytes big-endian, the UTF-8 bytes
    select case when v is null then '\x00'::bytea
                else '\x01'::bytea || int4send(octet_length(convert_to(v, 'UTF8'))) || convert_to(v, 'UTF8') end
$$;

create function audit_chain_instant(t timestamptz) returns bytea language sql stable parallel safe as $$
    -- microseconds since the epoch, 8 bytes big-endian (exact: whole seconds, then the microseconds within)
    select int8send(extract(epoch from date_trunc('second', t))::bigint * 1000000
                    + extract(microseconds from t)::bigint % 1000000)
$$;

create function audit_event_hash(prev bytea, seq bigint, org text, request text, action text, subject text,
                                 detail text, at timestamptz) returns bytea language sql stable parallel safe as $$
    select sha256(convert_to('oncall-audit-v1', 'UTF8') || prev || int8send(seq)
                  || audit_chain_text(org) || audit_chain_text(request) || audit_chain_text(action)
                  || audit_chain_text(subject) || audit_chain_text(detail) || audit_chain_instant(at))
$$;

alter table audit_event
    add column chain_seq bigint,
    add column prev_hash bytea,
    add column hash      bytea;

do $$
declare
    r         record;
    last_org  text;
    seq       bigint;
    prev      bytea;
begin
    for r in select id, org_id, request_id, action, subject, detail, occurred_at from audit_event order by org_id, id loop
        if last_org is distinct from r.org_id then
            last_org := r.org_id;
            seq := 0;
            prev := decode(repeat('00', 32), 'hex');
        end if;
        seq := seq + 1;
        update audit_event
           set chain_seq = seq, prev_hash = prev,
               hash = audit_event_hash(prev, seq, r.org_id, r.request_id, r.action, r.subject, r.detail, r.occurred_at)
         where id = r.id
        returning hash into prev;
    end loop;
end
$$;

alter table audit_event
    alter column chain_seq set not null,
    alter column prev_hash set not null,
    alter column hash set not null,
    -- One event per position: even an append that escaped the lock could not fork the chain.
    add constraint audit_event_chain unique (org_id, chain_seq);

create function audit_event_append() returns trigger language plpgsql as $$
declare
    last_seq  bigint;
    last_hash bytea;
begin
    -- One append per organization at a time, until the commit (key space 'AUDT' of the two-key advisory locks).
    perform pg_advisory_xact_lock(1096107092, hashtext(new.org_id));
    select e.chain_seq, e.hash into last_seq, last_hash
      from audit_event e where e.org_id = new.org_id order by e.chain_seq desc limit 1;
    -- Whatever the insert said, the chain is the database's.
    new.chain_seq := coalesce(last_seq, 0) + 1;
    new.prev_hash := coalesce(last_hash, decode(repeat('00', 32), 'hex'));
    new.hash := audit_event_hash(new.prev_hash, new.chain_seq, new.org_id, new.request_id, new.action, new.subject,
                                 new.detail, new.occurred_at);
    return new;
end
$$;

create trigger audit_event_chain before insert on audit_event
    for each row execute function audit_event_append();

create function audit_event_refuse_change() returns trigger language plpgsql as $$
begin
    raise exception 'audit_event is append-only: % of event % refused', tg_op, old.id
        using hint = 'Audit events are never changed or deleted; record a new event instead.';
end
$$;

create trigger audit_event_append_only before update or delete on audit_event
    for each row execute function audit_event_refuse_change();

-- Whoever was granted UPDATE, DELETE or TRUNCATE on the table (the service's role, by default privileges) loses
-- them; the owner keeps TRUNCATE (emptying a test database), which no row trigger can stop and the chain cannot
-- show (docs/audit.md, what the chain does not prove).
do $$
declare
    g record;
begin
    for g in select distinct case when a.grantee = 0 then 'public' else quote_ident(r.rolname) end as who
               from pg_class c
               cross join lateral aclexplode(c.relacl) a
               left join pg_roles r on r.oid = a.grantee
              where c.oid = 'audit_event'::regclass
                and a.privilege_type in ('UPDATE', 'DELETE', 'TRUNCATE')
                and a.grantee <> c.relowner loop
        execute 'revoke update, delete, truncate on audit_event from ' || g.who;
    end loop;
end
$$;
