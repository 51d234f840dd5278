package io.oncallapprover.request;

import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.oncallapprover.approval.Evidence;
import io.oncallapprover.approval.RuleRef;
import io.oncallapprover.policy.AccessPolicy.RotationFilter;
import io.oncallapprover.audit.AuditAction;
import io.oncallapprover.audit.AuditLog;
import io.oncallapprover.common.DatabaseDeadline;
import io.oncallapprover.common.Emails;
import io.oncallapprover.oncall.OnCallService;
import io.oncallapprover.oncall.OnCallSet;
import io.oncallapprover.organization.OrgSnapshots;
import io.oncallapprover.request.AccessRequest.Status;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Grants that end with the shift: when incident.io reports a shift change on a schedule, every active
 * auto-approved grant whose evidence names that schedule ends at once (EXPIRED, with the reason and
 * the delivery in the audit trail) unless the requester is still on call now, in the rotations the
 * approving step counts, for a schedule that justified it. A requester the event no longer lists is
 * not on call for the changed schedule; one it still lists is, if the step counts every rotation, or
 * else if incident.io (asked afresh: the event dropped the cached entries) shows a shift in a counted
 * rotation; the grant's other schedules are asked of incident.io. Grants a person approved are not
 * touched: they did not rest on a shift.
 * <p>
 * The grants are read in one session, the other schedules are asked of incident.io with no
 * connection held, and each grant is ended in a transaction of its own that only ends it if it is
 * still active. Doing it again changes nothing, so a delivery processed twice is harmless; a failure
 * to ask incident.io fails the whole delivery, which is then retried.
 */
@ApplicationScoped
public class ShiftChangeService {

    private static final Logger LOG = Logger.getLogger(ShiftChangeService.class);

    @Inject
    RequestEvents events;

    @Inject
    OrgSnapshots snapshots;

    @Inject
    OnCallService onCall;

    @Inject
    AuditLog audit;

    @Inject
    Clock clock;

    /** Ends the grants the shift change took the ground from; returns how many ended. */
    public Uni<Integer> shiftChanged(String orgId, String scheduleId, Collection<String> currentUsers, String deliveryId) {
        Set<String> current = currentUsers.stream().map(Emails::normalize).filter(Objects::nonNull).collect(Collectors.toSet());
        return activeAutoGrants(orgId, clock.instant())
                .map(grants -> grants.stream().filter(r -> justifyingSchedules(r).contains(scheduleId))
                        // listed, and every rotation counts: still on call for the changed schedule, nothing to ask
                        .filter(r -> !(current.contains(r.requester) && !approvingFilter(r).filters())).toList())
                .flatMap(affected -> Multi.createFrom().iterable(affected)
                        .onItem().transformToUniAndConcatenate(grant -> stillOnCall(orgId, grant,
                                schedulesToAsk(grant, scheduleId, current.contains(grant.requester)))
                                .flatMap(still -> still ? Uni.createFrom().item(false)
                                        : end(orgId, grant.id, scheduleId, deliveryId)))
                        .collect().asList()
                        .map(ended -> (int) ended.stream().filter(Boolean::booleanValue).count()));
    }

    /** The grant's justifying schedules to ask about: the changed one only if the event still lists the requester. */
    static List<String> schedulesToAsk(AccessRequest grant, String changedSchedule, boolean listed) {
        return justifyingSchedules(grant).stream().filter(s -> listed || !s.equals(changedSchedule)).toList();
    }

    /**
     * The rotation filter of the auto step that approved the grant, from the rules the request matched
     * when it was made (the approval was decided under them); none when the step cannot be found.
     */
    static RotationFilter approvingFilter(AccessRequest grant) {
        RuleRef ref = grant.evaluation == null ? null : grant.evaluation.rule();
        if (ref == null || ref.rule() == null || ref.step() == null || grant.matchedRules == null) {
            return RotationFilter.NONE;
        }
        return MatchedRules.restore(grant.matchedRules).matchedRules().stream()
                .filter(rule -> rule.name().equals(ref.rule()) && ref.step() >= 0 && ref.step() < rule.approval().size())
                .map(rule -> rule.approval().get(ref.step()).filter())
                .findFirst().orElse(RotationFilter.NONE);
    }

    /** The schedules whose shifts justified an auto-approval, once each. */
    static List<String> justifyingSchedules(AccessRequest request) {
        return request.evaluation == null ? List.of()
                : request.evaluation.evidence().stream().map(Evidence::scheduleId).distinct().toList();
    }

    @WithSession
    @DatabaseDeadline
    Uni<List<AccessRequest>> activeAutoGrants(String orgId, Instant now) {
        return AccessRequest.<AccessRequest> find("orgId = ?1 and status = ?2 and grantExpiresAt > ?3", orgId, Status.APPROVED, now)
                .list()
                .map(rows -> rows.stream().filter(r -> r.evaluation != null && r.evaluation.approved()).toList());
    }

    /** Whether the requester is on call now for one of {@code schedules}, in a rotation the approving step counts (asked of incident.io). */
    private Uni<Boolean> stillOnCall(String orgId, AccessRequest grant, List<String> schedules) {
        if (schedules.isEmpty()) {
            return Uni.createFrom().item(false);
        }
        RotationFilter filter = approvingFilter(grant);
        return snapshots.of(orgId).flatMap(org -> org.installation().isEmpty() ? Uni.createFrom().item(false)
                : onCall.onCallNow(orgId, org.installation().get().key(), schedules)
                        .map(sets -> sets.stream().anyMatch((OnCallSet set) -> set.shiftsOf(grant.requester).stream()
                                .anyMatch(shift -> filter.admits(shift.rotationId(), shift.layerId())))));
    }

    /** Ends one grant if it is still active; false when it already ended (expired, ended by an earlier delivery). */
    @WithTransaction
    Uni<Boolean> end(String orgId, String requestId, String scheduleId, String deliveryId) {
        Instant now = clock.instant();
        String reason = "shift change on schedule " + scheduleId + ": the requester is no longer on call for any schedule "
                + "that justified the grant (in the rotations its step counts)";
        return AccessRequest.update("status = ?1, grantExpiresAt = ?2, endedReason = ?3, updatedAt = ?2, version = version + 1"
                + " where id = ?4 and orgId = ?5 and status = ?6 and grantExpiresAt > ?2",
                Status.EXPIRED, now, reason, requestId, orgId, Status.APPROVED)
                .flatMap(updated -> updated == 0 ? Uni.createFrom().item(false)
                        : audit.record(orgId, requestId, AuditAction.GRANT_ENDED_BY_SHIFT_CHANGE, "incident.io",
                                reason + " (webhook delivery " + deliveryId + ")")
                                .chain(() -> AccessRequest.<AccessRequest> findById(requestId))
                                .call(ended -> events.record(ended, RequestEventType.GRANT_ENDED,
                                        java.util.Map.of("endedReason", reason)))
                                .invoke(() -> LOG.infof("grant %s of org %s ended by a shift change on %s", requestId, orgId,
                                        scheduleId))
                                .replaceWith(true));
    }
}
