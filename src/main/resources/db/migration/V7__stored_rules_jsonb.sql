-- A stored policy and a request's frozen rules become jsonb in the shape of the policy document,
-- bound to records when read (they were validated when written).
alter table access_policy alter column document type jsonb using document::jsonb;
alter table access_request alter column matched_rules type jsonb using matched_rules::jsonb;
