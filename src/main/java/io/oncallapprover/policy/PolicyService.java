package io.oncallapprover.policy;

import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.JsonNode;

import io.oncallapprover.audit.AuditAction;
import io.oncallapprover.audit.AuditLog;
import io.oncallapprover.common.OrgChanged;
import io.oncallapprover.installation.Integration;
import io.oncallapprover.installation.IntegrationService;
import io.oncallapprover.policy.AccessPolicy.ApprovalStep;
import io.oncallapprover.policy.AccessPolicy.EscalationApproval;
import io.oncallapprover.problem.ApiException;
import io.oncallapprover.problem.FieldError;
import io.oncallapprover.problem.ProblemCode;
import io.oncallapprover.problem.Preconditions;
import io.oncallapprover.security.Caller;
import io.smallrye.mutiny.Uni;

/** Reading and replacing an organization's access policy; validated whole before anything is written. */
@ApplicationScoped
public class PolicyService {

    @Inject
    IntegrationService integrations;

    @Inject
    AuditLog audit;

    @Inject
    Event<OrgChanged> changed;

    @Inject
    Clock clock;

    /** The stored policy, or {@link AccessPolicy#DEFAULT_ROUTING} when none is stored. Must run inside a session. */
    public Uni<AccessPolicy> load(String orgId) {
        return StoredPolicy.<StoredPolicy> findById(orgId)
                .map(stored -> stored == null ? AccessPolicy.DEFAULT_ROUTING : stored.document.toPolicy());
    }

    /** The stored policy row, or null. */
    @WithSession
    @io.oncallapprover.common.DatabaseDeadline
    public Uni<StoredPolicy> stored(String orgId) {
        return StoredPolicy.findById(orgId);
    }

    /** Deletes the stored policy, so the organization is routed by default again; false when none was stored. */
    public Uni<Boolean> delete(String orgId, Caller caller, String ifMatch) {
        return remove(orgId, caller, ifMatch)
                .onFailure(Preconditions::lostRace).transform(e -> Preconditions.raced(e, ifMatch, "access policy"))
                .invoke(() -> changed.fire(new OrgChanged(orgId)));
    }

    @WithTransaction
    Uni<Boolean> remove(String orgId, Caller caller, String ifMatch) {
        return StoredPolicy.<StoredPolicy> findById(orgId).flatMap(found -> {
            Preconditions.require(ifMatch, found == null ? null : Preconditions.tagOf(found.version), "access policy");
            if (found == null) {
                return Uni.createFrom().item(false);
            }
            return found.delete().replaceWith(true)
                    .call(() -> audit.record(orgId, AuditAction.POLICY_DELETED, caller, "back to default routing"));
        });
    }



    /**
     * Validates the document (syntax, shape and, when incident.io is installed, schedule ids and the
     * rotations and layers of filtered steps) and stores it. The schedules are checked against the
     * account's schedule list (one call, whatever their number), after the installation's session has closed.
     */
    public Uni<StoredPolicy> replace(String orgId, String body, boolean yaml, Caller caller, String ifMatch) {
        AccessPolicy policy = parseRequest(body, yaml);
        return integrations.read(orgId)
                .flatMap(integration -> integration.isEmpty() ? Uni.createFrom().voidItem()
                        : checkAgainstIncidentIo(orgId, policy, integration.get()))
                .flatMap(ignored -> store(orgId, policy, caller, ifMatch))
                .onFailure(Preconditions::lostRace).transform(e -> Preconditions.raced(e, ifMatch, "access policy"))
                .invoke(() -> changed.fire(new OrgChanged(orgId)));
    }

    private Uni<Void> checkAgainstIncidentIo(String orgId, AccessPolicy policy, Integration integration) {
        Set<String> scheduleIds = PolicyParser.scheduleIds(policy);
        List<String> autoSchedules = List.of(integration.autoApprovalScheduleIds);
        Set<String> toRead = new LinkedHashSet<>(scheduleIds);
        toRead.addAll(RotationCheck.schedulesToRead(policy, autoSchedules));
        return integrations.knownSchedules(orgId, integrations.keyOf(integration), List.copyOf(toRead))
                .invoke(known -> {
                    List<String> unknown = scheduleIds.stream().filter(id -> !known.containsKey(id)).toList();
                    if (!unknown.isEmpty()) {
                        throw ApiException.unprocessable(ProblemCode.UNKNOWN_SCHEDULES,
                                "incident.io does not know schedule(s): " + String.join(", ", unknown) + ".",
                                unknownSchedulePaths(policy, Set.copyOf(unknown)));
                    }
                    List<FieldError> rotations = RotationCheck.unknown(policy, autoSchedules, known);
                    if (!rotations.isEmpty()) {
                        throw ApiException.unprocessable(ProblemCode.UNKNOWN_ROTATIONS,
                                "The schedules these steps consider have no such rotation or layer in incident.io: "
                                        + String.join(", ", rotations.stream().map(FieldError::field).toList()) + ".",
                                rotations);
                    }
                })
                .flatMap(ignored -> integrations.unknownEscalationPaths(integrations.keyOf(integration),
                        List.copyOf(escalationPaths(policy).keySet())))
                .invoke(unknown -> {
                    if (!unknown.isEmpty()) {
                        throw ApiException.unprocessable(ProblemCode.UNKNOWN_ESCALATION_PATHS,
                                "incident.io does not know escalation path(s): " + String.join(", ", unknown) + ".",
                                escalationPaths(policy).entrySet().stream().filter(e -> unknown.contains(e.getKey()))
                                        .flatMap(e -> e.getValue().stream())
                                        .map(at -> new FieldError(at, "is not an escalation path of this incident.io account"))
                                        .toList());
                    }
                })
                .replaceWithVoid();
    }

    /** Every escalation path a step pages, with the paths of the options naming it, in document order. */
    static Map<String, List<String>> escalationPaths(AccessPolicy policy) {
        Map<String, List<String>> paths = new java.util.LinkedHashMap<>();
        for (int r = 0; r < policy.rules().size(); r++) {
            List<ApprovalStep> steps = policy.rules().get(r).approval();
            for (int a = 0; a < steps.size(); a++) {
                if (steps.get(a) instanceof EscalationApproval e && e.escalationPathId() != null) {
                    paths.computeIfAbsent(e.escalationPathId(), id -> new ArrayList<>())
                            .add("rules[" + r + "].approval[" + a + "].options.escalationPath");
                }
            }
        }
        return paths;
    }

    @WithTransaction
    Uni<StoredPolicy> store(String orgId, AccessPolicy policy, Caller caller, String ifMatch) {
        return StoredPolicy.<StoredPolicy> findById(orgId).flatMap(found -> {
            Preconditions.require(ifMatch, found == null ? null : Preconditions.tagOf(found.version), "access policy");
            StoredPolicy stored = found != null ? found : new StoredPolicy();
            stored.orgId = orgId;
            stored.document = StoredRules.of(policy);
            stored.updatedAt = clock.instant();
            stored.updatedBy = caller.subject();
            Uni<StoredPolicy> saved = found != null ? Uni.createFrom().item(stored) : stored.persist();
            return saved.call(() -> audit.record(orgId, AuditAction.POLICY_CHANGED, caller,
                    policy.rules().size() + " rule(s): " + String.join(", ",
                            policy.rules().stream().map(AccessPolicy.Rule::name).toList())));
        });
    }

    private static AccessPolicy parseRequest(String body, boolean yaml) {
        JsonNode tree;
        try {
            tree = PolicyDocument.read(body == null ? "" : body, yaml);
        } catch (PolicyDocument.UnreadablePolicyException e) {
            throw new ApiException(400, ProblemCode.MALFORMED_BODY,
                    "The policy document cannot be read: " + e.getMessage(),
                    List.of(new FieldError("body", e.getMessage())), null, null);
        }
        PolicyParser.Result result = PolicyParser.parse(tree);
        if (!result.valid()) {
            throw ApiException.invalid("The policy is invalid: " + String.join("; ",
                    result.errors().stream().map(f -> f.field() + " " + f.message()).toList()) + ".", result.errors());
        }
        return result.policy();
    }

    private static List<FieldError> unknownSchedulePaths(AccessPolicy policy, Set<String> unknown) {
        List<FieldError> errors = new ArrayList<>();
        for (int r = 0; r < policy.rules().size(); r++) {
            List<ApprovalStep> steps = policy.rules().get(r).approval();
            for (int a = 0; a < steps.size(); a++) {
                if (steps.get(a) instanceof EscalationApproval escalation) {
                    for (int s = 0; s < escalation.services().size(); s++) {
                        if (unknown.contains(escalation.services().get(s))) {
                            errors.add(new FieldError("rules[" + r + "].approval[" + a + "].services[" + s + "]",
                                    "is not a schedule of this incident.io account"));
                        }
                    }
                }
            }
        }
        return errors;
    }
}
