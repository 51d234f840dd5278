package io.oncallapprover.escalation;

import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.oncallapprover.installation.IncidentSettings;
import io.oncallapprover.queue.LeasedQueue;
import io.oncallapprover.queue.LeasedQueues;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.oncallapprover.audit.AuditAction;
import io.oncallapprover.audit.AuditLog;
import io.oncallapprover.escalation.IncidentComposer.Escalation;
import io.oncallapprover.escalation.IncidentComposer.ScheduleField;
import io.oncallapprover.incidentio.IncidentIoClient;
import io.oncallapprover.incidentio.IncidentIoDtos.Incident;
import io.oncallapprover.incidentio.IncidentIoException;
import io.oncallapprover.installation.Integration;
import io.oncallapprover.installation.IntegrationService;
import io.oncallapprover.approval.DecisionTable;
import io.oncallapprover.approval.DecisionTable.EscalationPlan;
import io.oncallapprover.approval.RuleRef;
import io.oncallapprover.request.AccessDecision;
import io.oncallapprover.request.AccessRequest;
import io.oncallapprover.request.RequestEventType;
import io.oncallapprover.request.MatchedRules;
import io.oncallapprover.request.PageEscalation;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;

/**
 * Drains the incident outbox. Tasks are claimed (rows another replica locked skipped) with a lease,
 * so replicas never work on the same task at once and a crashed worker's task is taken again after
 * the lease (a {@link LeasedQueue}; the table's SQL and what giving up means are {@link OutboxTaskRows}).
 * incident.io is called outside any transaction; the result is written in one.
 * Edits wait until the request's incident exists. Failures back off exponentially with jitter
 * (honouring Retry-After) until {@code oncall.incidents.max-attempts}, then the task is FAILED and
 * the request shows it.
 */
@ApplicationScoped
public class IncidentOutboxWorker {

    private static final Logger LOG = Logger.getLogger(IncidentOutboxWorker.class);

    @Inject
    io.oncallapprover.request.RequestEvents events;

    @Inject
    IncidentIoClient client;

    @Inject
    IntegrationService integrations;

    @Inject
    io.oncallapprover.oncall.OnCallService onCall;

    @Inject
    EscalationConfig config;

    @Inject
    AuditLog audit;

    @Inject
    Clock clock;

    @Inject
    io.micrometer.core.instrument.MeterRegistry meters;

    /** An escalation to the people on call finds nobody in the step's rotations with an incident.io user id. */
    static final class NobodyToPage extends RuntimeException {
        NobodyToPage(String message) {
            super(message, null, false, false);
        }
    }

    /** A task taken by this worker under a lease; {@code leaseToken} fences every write about it. */
    record Claimed(long id, String orgId, String requestId, OutboxTask.Kind kind, Long pageEscalationId, String leaseToken) {
        @Override
        public String toString() {
            return id + " (" + kind + " of request " + requestId + ")";
        }
    }

    @Inject
    LeasedQueues queues;

    /** The outbox as a leased queue: claim, attempt counted before the call, back-off, give-up, release at shutdown. */
    private LeasedQueue<Claimed> queue;
    @PostConstruct
    void makeQueue() {
        queue = queues.of(handler());
    }

    /** The queue's handler, its call {@link #process} (tests work it as a second replica). */
    OutboxTaskRows handler() {
        return new OutboxTaskRows(config, clock, audit, events, meters, this::process);
    }

    @Scheduled(every = "${oncall.jobs.outbox-poll-every:2s}", delayed = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> poll() {
        return drainOnce().replaceWithVoid();
    }

    /** Claims due tasks and works them one by one; returns how many were claimed. */
    public Uni<Integer> drainOnce() {
        return queue.drainOnce();
    }

    /** Stops, waits at most {@code wait} for the task in flight, gives back the leases (tests; at shutdown: LeasedQueues). */
    public void stopForShutdown(Duration wait) {
        queue.stop(wait);
    }

    /** Resumes after {@link #stopForShutdown} (tests). */
    public void resume() {
        queue.resume();
    }

    /** Tests: claims the due tasks at the clock's now and works none (a worker that dies after claiming). */
    Uni<List<Claimed>> claim() {
        return queue.claimOnly();
    }

    /** Tests: works one task under the lease it was claimed with (a worker that comes back late). */
    Uni<Void> attempt(Claimed task) {
        return queue.work(task, task.leaseToken());
    }

    /** Whether the row is still this worker's to finish: pending, under this worker's lease. */
    static boolean holds(OutboxTask row, Claimed task) {
        return row != null && row.status == OutboxTask.Status.PENDING && task.leaseToken().equals(row.leaseToken);
    }

    record Work(AccessRequest request, Integration integration, AccessDecision decision, PageEscalation escalation) {
    }

    /** The call of one task; its failure is recorded by the queue ({@link OutboxTaskRows#failed}). */
    Uni<Void> process(Claimed task) {
        return loadWork(task)
                .flatMap(work -> {
                    if (work.integration() == null) {
                        return Uni.createFrom().failure(IncidentIoException.of(IncidentIoException.Kind.REJECTED,
                                "incident.io is not installed for this organization"));
                    }
                    return switch (task.kind()) {
                        case CREATE_INCIDENT -> create(task, work);
                        case UPDATE_INCIDENT -> update(task, work);
                        case CREATE_ESCALATION -> createEscalation(task, work);
                        case CANCEL_ESCALATION -> cancelEscalation(task, work);
                    };
                });
    }

    @WithSession
    Uni<Work> loadWork(Claimed task) {
        return AccessRequest.<AccessRequest> findById(task.requestId())
                .flatMap(request -> Integration.<Integration> findById(task.orgId())
                        .flatMap(integration -> AccessDecision.<AccessDecision> findById(task.requestId())
                                .flatMap(decision -> (task.pageEscalationId() == null ? Uni.createFrom().<PageEscalation> nullItem()
                                        : PageEscalation.<PageEscalation> findById(task.pageEscalationId()))
                                        .map(escalation -> new Work(request, integration, decision, escalation)))));
    }

    /**
     * Creates one escalation of a request paged without an incident: to its escalation path, or to
     * the people on call now for its schedules (read after the session closed, through the cache).
     * Before the first send, the users are written down ({@code sentAt}, {@code userIds}): from then
     * on the escalation may exist in incident.io, every retry sends exactly that body under the same
     * key, and it is never taken for "not sent". A request that ended before anything was sent is
     * not paged at all; one that ended after a send that may have reached incident.io is sent again
     * (incident.io answers with the escalation it made) so that its cancel task can cancel it.
     */
    private Uni<Void> createEscalation(Claimed task, Work work) {
        PageEscalation row = work.escalation();
        AccessRequest request = work.request();
        if (row == null) {
            return Uni.createFrom().failure(new IllegalStateException("the escalation of this task is gone"));
        }
        if (row.escalationId != null || row.state != PageEscalation.State.PENDING) {
            return escalationSettled(task, null, null, null, null); // made by an earlier attempt whose bookkeeping was lost
        }
        AccessRequest.Status status = request.statusAt(clock.instant());
        boolean over = status != AccessRequest.Status.PENDING;
        if (over && row.sentAt == null) {
            return escalationSettled(task, PageEscalation.State.NOT_SENT, null, null,
                    "not sent: the request was " + status + " before the page went out");
        }
        var key = integrations.keyOf(work.integration());
        Uni<List<String>> users = row.sentAt != null ? Uni.createFrom().item(sentUsers(row))
                : row.escalationPathId != null ? Uni.createFrom().item(List.<String> of()).call(() -> sending(task, List.of()))
                        : peopleOnCall(task, key, row).call(ids -> sending(task, ids));
        return users.flatMap(ids -> client.createEscalation(key, body(request, row, ids))
                .flatMap(made -> escalationSettled(task, PageEscalation.State.CREATED, made.id(), ids,
                        "escalation " + made.id() + " pages " + (row.escalationPathId != null
                                ? "escalation path " + row.escalationPathId : "user(s) " + ids)
                                + (over ? " (sent again after the request ended: it is cancelled next)" : ""))));
    }

    /** The users a people target pages now; none is an error, retried (a shift may start, a user id may appear). */
    private Uni<List<String>> peopleOnCall(Claimed task, io.oncallapprover.common.ApiKey key, PageEscalation row) {
        List<String> schedules = EscalationPages.schedulesOf(row.sources.schedules());
        return onCall.onCallNow(task.orgId(), key, schedules).map(sets -> {
            List<String> unknown = io.oncallapprover.oncall.OnCallSet.unknownOf(sets);
            if (!unknown.isEmpty()) { // retried like any failure, up to the attempts: the policy may be fixed
                throw IncidentIoException.of(IncidentIoException.Kind.REJECTED,
                        "incident.io does not know schedule(s) " + String.join(", ", unknown));
            }
            List<String> ids = EscalationPages.usersToPage(row.sources.schedules(), sets);
            if (ids.isEmpty()) {
                throw new NobodyToPage("nobody with an incident.io user id is on call for " + schedules + " in the step's rotations");
            }
            return ids;
        });
    }

    private static List<String> sentUsers(PageEscalation row) {
        return row.escalationPathId != null || row.userIds == null ? List.of() : List.of(row.userIds);
    }

    private static io.oncallapprover.incidentio.IncidentIoDtos.CreateEscalationRequest body(AccessRequest request,
            PageEscalation row, List<String> users) {
        return IncidentComposer.escalation(escalation(request), row.ordinal, row.escalationPathId,
                row.escalationPathId == null ? users : null);
    }

    /** Writes down, under the task's lease, that the escalation is about to be sent to {@code users}. */
    @WithTransaction
    Uni<Void> sending(Claimed task, List<String> users) {
        Instant now = clock.instant();
        return OutboxTask.<OutboxTask> findById(task.id()).flatMap(taskRow -> {
            if (!holds(taskRow, task)) {
                return Uni.createFrom().failure(new IllegalStateException("lease lost before sending"));
            }
            return PageEscalation.<PageEscalation> findById(task.pageEscalationId()).invoke(row -> {
                row.sentAt = now;
                row.userIds = users.isEmpty() ? null : users.toArray(String[]::new);
                row.updatedAt = now;
            }).replaceWithVoid();
        });
    }

    /**
     * Cancels an escalation of a request that is over. One never sent needs nothing. One whose
     * creation failed after a send that may have reached incident.io is asked for again with its
     * key and body, and what incident.io answers is cancelled (at worst, an escalation it had not
     * made is made and cancelled at once); if incident.io refuses the body, it made none.
     */
    private Uni<Void> cancelEscalation(Claimed task, Work work) {
        PageEscalation row = work.escalation();
        if (row == null || row.state == PageEscalation.State.CANCELLED) {
            return escalationSettled(task, null, null, null, null);
        }
        var key = integrations.keyOf(work.integration());
        if (row.escalationId == null) {
            if (row.sentAt == null) {
                return escalationSettled(task, null, null, null, null); // never sent: nothing pages
            }
            return client.createEscalation(key, body(work.request(), row, sentUsers(row)))
                    .flatMap(made -> client.cancelEscalation(key, made.id()).replaceWith(made))
                    .flatMap(made -> escalationSettled(task, PageEscalation.State.CANCELLED, made.id(), null,
                            "escalation " + made.id() + " cancelled: its creation had failed after a send that reached"
                                    + " incident.io; the request is " + work.request().statusAt(clock.instant())))
                    .onFailure(e -> e instanceof IncidentIoException ie && ie.kind() == IncidentIoException.Kind.REJECTED)
                    .recoverWithUni(() -> escalationSettled(task, null, null, null, null)); // refused: none was made
        }
        if (row.incidentioStatus != null && io.oncallapprover.request.IncidentResolutionService.ESCALATION_OVER.contains(row.incidentioStatus)) {
            return escalationSettled(task, PageEscalation.State.CANCELLED, null, null, "escalation " + row.escalationId
                    + " needs no cancelling: incident.io reported it " + row.incidentioStatus);
        }
        return client.cancelEscalation(key, row.escalationId)
                .onFailure(e -> e instanceof IncidentIoException ie && ie.kind() == IncidentIoException.Kind.NOT_FOUND)
                .recoverWithNull() // gone from incident.io: nothing pages any more either
                .flatMap(ignored -> escalationSettled(task, PageEscalation.State.CANCELLED, null, null,
                        "escalation " + row.escalationId + " cancelled: the request is " + work.request().statusAt(clock.instant())));
    }

    /**
     * Finishes an escalation task under its lease and moves its escalation to {@code state} (null:
     * leaves it), with the incident.io id and the users paged when it was just made.
     */
    @WithTransaction
    Uni<Void> escalationSettled(Claimed task, PageEscalation.State state, String escalationId, List<String> userIds,
            String detail) {
        Instant now = clock.instant();
        return OutboxTask.<OutboxTask> findById(task.id()).flatMap(row -> {
            if (!markDone(row, task, now)) {
                return Uni.createFrom().voidItem();
            }
            if (state == null) {
                return Uni.createFrom().voidItem();
            }
            return PageEscalation.<PageEscalation> findById(task.pageEscalationId()).flatMap(escalation -> {
                escalation.state = state;
                if (escalationId != null) {
                    escalation.escalationId = escalationId;
                }
                if (userIds != null && !userIds.isEmpty()) {
                    escalation.userIds = userIds.toArray(String[]::new);
                }
                escalation.error = null;
                escalation.updatedAt = now;
                boolean createdNow = task.kind() == OutboxTask.Kind.CREATE_ESCALATION && state == PageEscalation.State.CREATED;
                return audit.record(task.orgId(), task.requestId(), createdNow ? AuditAction.ESCALATION_CREATED
                        : AuditAction.ESCALATION_CANCELLED, "system", detail)
                        .call(() -> createdNow ? OutboxTaskRows.requestEvent(events, clock, task.requestId(), RequestEventType.PAGE_CREATED)
                                : Uni.createFrom().voidItem());
            }).replaceWithVoid();
        });
    }

    private Uni<Void> create(Claimed task, Work work) {
        AccessRequest request = work.request();
        if (request.incidentId != null) {
            return done(task, null, null); // created by an earlier attempt whose bookkeeping was lost
        }
        var body = IncidentComposer.create(escalation(request),
                new ScheduleField(work.integration().customFieldId, work.integration().customFieldType),
                IncidentSettings.of(work.integration(), IncidentDefaultsProducer.from(config)));
        return client.createIncident(integrations.keyOf(work.integration()), body)
                .flatMap(incident -> done(task, incident, "incident " + incident.reference() + " (" + incident.id() + ")"));
    }

    private Uni<Void> update(Claimed task, Work work) {
        AccessRequest request = work.request();
        AccessDecision decision = work.decision();
        boolean withdrawn = request.status == AccessRequest.Status.WITHDRAWN;
        if (decision == null && !withdrawn || request.incidentId == null) {
            return Uni.createFrom().failure(new IllegalStateException("nothing to edit yet"));
        }
        var body = withdrawn ? IncidentComposer.withdrawn(escalation(request), request.endedBy, request.updatedAt,
                request.endedComment, config.notifyIncidentChannel())
                : IncidentComposer.decided(escalation(request), decision.decision, decision.approver, decision.decidedAt,
                        decision.comment, request.grantExpiresAt, config.notifyIncidentChannel());
        return client.editIncident(integrations.keyOf(work.integration()), request.incidentId, body)
                .flatMap(incident -> done(task, null, "summary of " + request.incidentReference + " shows the decision"));
    }

    /** What the page is about: the schedules and rules fixed when the request was escalated. */
    private static Escalation escalation(AccessRequest r) {
        List<String> schedules;
        List<String> rules;
        if (r.pagedSchedules != null) {
            schedules = List.of(r.pagedSchedules);
            rules = r.pagedRules == null ? List.of() : List.of(r.pagedRules);
        } else { // escalated before the schedules were recorded: what the frozen rules allow
            EscalationPlan plan = DecisionTable.escalation(MatchedRules.restore(r.matchedRules), r.reason, RuleRef.FROZEN);
            schedules = plan.schedules();
            rules = plan.ruleNames();
        }
        return new Escalation(r.id, r.requester, r.resourceType, r.resourceService, r.resourceName, r.reason,
                r.conversationUrl, schedules, rules);
    }

    @WithTransaction
    Uni<Void> done(Claimed task, Incident created, String detail) {
        Instant now = clock.instant();
        return OutboxTask.<OutboxTask> findById(task.id()).flatMap(row -> {
            if (!markDone(row, task, now)) {
                return Uni.createFrom().voidItem();
            }
            if (created == null) {
                return detail == null ? Uni.createFrom().voidItem()
                        : audit.record(task.orgId(), task.requestId(), AuditAction.INCIDENT_UPDATED, "system", detail).replaceWithVoid();
            }
            return AccessRequest.<AccessRequest> findById(task.requestId()).flatMap(request -> {
                request.incidentId = created.id();
                request.incidentReference = created.reference();
                request.incidentUrl = created.permalink();
                request.incidentState = AccessRequest.IncidentState.CREATED;
                request.incidentError = null;
                request.updatedAt = now;
                return audit.record(task.orgId(), task.requestId(), AuditAction.INCIDENT_CREATED, "system", detail)
                        .call(() -> events.record(request, RequestEventType.PAGE_CREATED));
            }).replaceWithVoid();
        });
    }

    /** Marks a sent task DONE if this worker still holds its lease; false (the holder records it) if not. */
    private boolean markDone(OutboxTask row, Claimed task, Instant now) {
        if (!holds(row, task)) {
            LOG.warnf("outbox task %d was sent, but its lease was lost; its holder records it", task.id());
            return false;
        }
        meters.counter("incident.outbox.attempts", "kind", task.kind().name(), "outcome", "done").increment();
        row.status = OutboxTask.Status.DONE;
        row.leaseToken = null;
        row.lockedUntil = null;
        row.lastError = null;
        row.updatedAt = now;
        return true;
    }
}
