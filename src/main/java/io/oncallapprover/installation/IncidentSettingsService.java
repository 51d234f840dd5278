package io.oncallapprover.installation;

import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.oncallapprover.audit.AuditAction;
import io.oncallapprover.audit.AuditLog;
import io.oncallapprover.incidentio.IncidentIoClient;
import io.oncallapprover.installation.IntegrationRequests.IncidentSettingsRequest;
import io.oncallapprover.problem.ApiException;
import io.oncallapprover.problem.FieldError;
import io.oncallapprover.problem.ProblemCode;
import io.oncallapprover.common.ApiKey;
import io.oncallapprover.security.Caller;
import io.smallrye.mutiny.Uni;

/**
 * The severity, incident type and mode of an organization's escalation incidents. Every id is
 * checked against the organization's own incident.io (one list call each, at once) before anything
 * is stored, so the outbox never sends an id incident.io refuses for ever.
 */
@ApplicationScoped
public class IncidentSettingsService {

    private static final Logger LOG = Logger.getLogger(IncidentSettingsService.class);

    @Inject
    IntegrationService integrations;

    @Inject
    IncidentIoClient client;

    @Inject
    IncidentDefaults config;

    @Inject
    AuditLog audit;

    @Inject
    Clock clock;

    /** The settings shown, and the entity tag of the organization's own. */
    public record Tagged(IncidentSettingsView view, String tag) {
    }

    /** The settings in force: the organization's own, else the global ones. 404 NOT_INSTALLED without an installation. */
    public Uni<Tagged> show(String orgId) {
        return integrations.readRequired(orgId).map(i -> new Tagged(IncidentSettingsView.of(i, config), i.incidentSettingsTag()));
    }

    /**
     * Replaces the organization's settings; a null id returns that setting to the global default. With
     * {@code ifMatch}, only while the settings are still those of that tag (412 otherwise, nothing written).
     */
    public Uni<Tagged> set(String orgId, IncidentSettingsRequest body, Caller caller, String ifMatch) {
        return integrations.readRequired(orgId)
                .flatMap(integration -> unknownIds(integrations.keyOf(integration), body))
                .invoke(errors -> {
                    if (!errors.isEmpty()) {
                        throw ApiException.unprocessable(ProblemCode.UNKNOWN_INCIDENT_SETTINGS,
                                "incident.io does not know: " + String.join("; ",
                                        errors.stream().map(e -> e.field() + " " + e.message()).toList()) + ".",
                                errors);
                    }
                })
                .flatMap(ignored -> store(orgId, body, caller, ifMatch))
                .onFailure(io.oncallapprover.problem.Preconditions::lostRace)
                .transform(e -> io.oncallapprover.problem.Preconditions.raced(e, ifMatch, "incident settings"))
                .invoke(view -> LOG.infof("incident settings of org %s set: severity %s, type %s, mode %s", orgId,
                        body.severityId(), body.incidentTypeId(), body.mode()));
    }

    @WithTransaction
    Uni<Tagged> store(String orgId, IncidentSettingsRequest body, Caller caller, String ifMatch) {
        return integrations.require(orgId).flatMap(integration -> {
            io.oncallapprover.problem.Preconditions.require(ifMatch, integration.incidentSettingsTag(), "incident settings");
            String before = describe(integration);
            integration.incidentSeverityId = body.severityId();
            integration.incidentTypeId = body.incidentTypeId();
            integration.incidentMode = body.mode();
            integration.updatedAt = clock.instant();
            return audit.record(orgId, AuditAction.INCIDENT_SETTINGS_CHANGED, caller,
                    before + " -> " + describe(integration))
                    .replaceWith(new Tagged(IncidentSettingsView.of(integration, config), integration.incidentSettingsTag()));
        });
    }

    /**
     * The fields naming an id incident.io does not know. Severities and incident types are asked at
     * once, and only for the ids given; any failure to ask is a 503 and nothing is stored.
     */
    private Uni<List<FieldError>> unknownIds(ApiKey key, IncidentSettingsRequest body) {
        Uni<Boolean> severityKnown = body.severityId() == null ? Uni.createFrom().item(true)
                : client.severities(key).map(list -> list.stream().anyMatch(s -> s != null && body.severityId().equals(s.id())));
        Uni<Boolean> typeKnown = body.incidentTypeId() == null ? Uni.createFrom().item(true)
                : client.incidentTypes(key).map(list -> list.stream().anyMatch(t -> t != null && body.incidentTypeId().equals(t.id())));
        return Uni.join().all(severityKnown, typeKnown).andFailFast()
                .map(known -> {
                    List<FieldError> errors = new ArrayList<>();
                    if (!known.get(0)) {
                        errors.add(new FieldError("severityId", "is not a severity of this incident.io account"));
                    }
                    if (!known.get(1)) {
                        errors.add(new FieldError("incidentTypeId", "is not an incident type of this incident.io account"));
                    }
                    return errors;
                });
    }

    /** For the audit trail: what the organization set, "default" where it set nothing. */
    private static String describe(Integration i) {
        return "severity " + orDefault(i.incidentSeverityId) + ", incident type " + orDefault(i.incidentTypeId) + ", mode "
                + orDefault(i.incidentMode);
    }

    private static String orDefault(String value) {
        return value == null ? "default" : value;
    }
}
