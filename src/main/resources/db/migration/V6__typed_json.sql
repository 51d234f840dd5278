-- Stored answers are typed JSON: the auto-approval evaluation of a request and the on-call evidence
-- of a decision become jsonb objects, read back as records (never re-parsed as text). The evidence,
-- a list, is wrapped in an object: {"shifts": [...]}.
alter table access_request alter column evaluation type jsonb using evaluation::jsonb;
alter table access_decision alter column evidence type jsonb using jsonb_build_object('shifts', evidence::jsonb);
