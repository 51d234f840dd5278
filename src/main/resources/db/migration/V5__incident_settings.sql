-- Per-organization settings of escalation incidents, each checked against the organization's
-- incident.io before it is stored. Null: the global oncall.incidents.* setting applies.
alter table incidentio_integration add column incident_severity_id varchar(64);
alter table incidentio_integration add column incident_type_id varchar(64);
alter table incidentio_integration add column incident_mode varchar(16);
alter table incidentio_integration add constraint incidentio_integration_incident_mode_check
    check (incident_mode in ('standard', 'test'));
