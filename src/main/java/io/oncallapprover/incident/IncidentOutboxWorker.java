package io.oncallapprover.incident;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.oncallapprover.audit.AuditAction;
import io.oncallapprover.audit.AuditLog;
import io.oncallapprover.incident.IncidentComposer.Escalation;
import io.oncallapprover.incident.IncidentComposer.ScheduleField;
import io.oncallapprover.incidentio.IncidentIoClient;
import io.oncallapprover.incidentio.IncidentIoDtos.Incident;
import io.oncallapprover.incidentio.IncidentIoException;
import io.oncallapprover.integration.Integration;
import io.oncallapprover.integration.IntegrationService;
import io.oncallapprover.policy.PolicyEvaluator.Routing;
import io.oncallapprover.request.AccessDecision;
import io.oncallapprover.request.AccessRequest;
import io.oncallapprover.request.MatchedRules;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Drains the incident outbox. Tasks are claimed under {@code FOR UPDATE SKIP LOCKED} with a lease,
 * so replicas never work on the same task at once and a crashed worker's task is taken again after
 * the lease. incident.io is called outside any transaction; the result is written in one.
 * Edits wait until the request's incident exists. Failures back off exponentially with jitter
 * (honouring Retry-After) until {@code oncall.incidents.max-attempts}, then the task is FAILED and
 * the request shows it.
 */
@ApplicationScoped
public class IncidentOutboxWorker {

    private static final Logger LOG = Logger.getLogger(IncidentOutboxWorker.class);

    @Inject
    IncidentIoClient client;

    @Inject
    IntegrationService integrations;

    @Inject
    IncidentsConfig config;

    @Inject
    AuditLog audit;

    @Inject
    Clock clock;

    @Inject
    io.micrometer.core.instrument.MeterRegistry meters;

    /** A task taken by this worker for one lease. */
    record Claimed(long id, String orgId, String requestId, OutboxTask.Kind kind, int attempts) {
    }

    @Scheduled(every = "${oncall.jobs.outbox-poll-every:2s}", delayed = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> poll() {
        return drainOnce().replaceWithVoid();
    }

    /** Claims due tasks and works them one by one; returns how many were claimed. */
    public Uni<Integer> drainOnce() {
        Instant now = clock.instant();
        return claim(now).flatMap(tasks -> Multi.createFrom().iterable(tasks)
                .onItem().transformToUniAndConcatenate(this::process)
                .collect().asList()
                .map(done -> tasks.size()));
    }

    Uni<List<Claimed>> claim(Instant now) {
        return Panache.withTransaction(() -> Panache.getSession().flatMap(session -> session.createNativeQuery(
                "select t.id from outbox_task t where t.status = 'PENDING' and t.next_attempt_at <= ?1"
                        + " and (t.locked_until is null or t.locked_until <= ?1)"
                        + " and (t.kind = 'CREATE_INCIDENT' or exists (select 1 from access_request r"
                        + " where r.id = t.request_id and r.incident_id is not null))"
                        + " order by t.id limit ?2 for update of t skip locked", Long.class)
                .setParameter(1, now.atOffset(ZoneOffset.UTC))
                .setParameter(2, config.batchSize())
                .getResultList())
                .flatMap(ids -> ids.isEmpty() ? Uni.createFrom().item(List.<Claimed> of())
                        : OutboxTask.<OutboxTask> list("id in ?1 order by id", ids).map(tasks -> tasks.stream().map(task -> {
                            task.lockedUntil = now.plus(config.lease());
                            task.attempts++;
                            task.updatedAt = now;
                            return new Claimed(task.id, task.orgId, task.requestId, task.kind, task.attempts);
                        }).toList())));
    }

    private record Work(AccessRequest request, Integration integration, AccessDecision decision) {
    }

    Uni<Void> process(Claimed task) {
        return Panache.withSession(() -> AccessRequest.<AccessRequest> findById(task.requestId())
                .flatMap(request -> Integration.<Integration> findById(task.orgId())
                        .flatMap(integration -> AccessDecision.<AccessDecision> findById(task.requestId())
                                .map(decision -> new Work(request, integration, decision)))))
                .flatMap(work -> {
                    if (work.integration() == null) {
                        return Uni.createFrom().failure(IncidentIoException.of(IncidentIoException.Kind.REJECTED,
                                "incident.io is not installed for this organization"));
                    }
                    return switch (task.kind()) {
                        case CREATE_INCIDENT -> create(task, work);
                        case UPDATE_INCIDENT -> update(task, work);
                    };
                })
                .onFailure().recoverWithUni(failure -> failed(task, failure));
    }

    private Uni<Void> create(Claimed task, Work work) {
        AccessRequest request = work.request();
        if (request.incidentId != null) {
            return done(task, null, null); // created by an earlier attempt whose bookkeeping was lost
        }
        var body = IncidentComposer.create(escalation(request),
                new ScheduleField(work.integration().customFieldId, work.integration().customFieldType), config);
        return client.createIncident(integrations.keyOf(work.integration()), body)
                .flatMap(incident -> done(task, incident, "incident " + incident.reference() + " (" + incident.id() + ")"));
    }

    private Uni<Void> update(Claimed task, Work work) {
        AccessRequest request = work.request();
        AccessDecision decision = work.decision();
        if (decision == null || request.incidentId == null) {
            return Uni.createFrom().failure(new IllegalStateException("nothing to edit yet"));
        }
        var body = IncidentComposer.decided(escalation(request), decision.decision, decision.approver, decision.decidedAt,
                decision.comment, request.grantExpiresAt, config.notifyIncidentChannel());
        return client.editIncident(integrations.keyOf(work.integration()), request.incidentId, body)
                .flatMap(incident -> done(task, null, "summary of " + request.incidentReference + " shows the decision"));
    }

    private static Escalation escalation(AccessRequest r) {
        Routing routing = MatchedRules.restore(r.matchedRules);
        return new Escalation(r.id, r.requester, r.resourceType, r.resourceService, r.resourceName, r.reason,
                r.conversationUrl, routing.approverSchedules(), routing.escalationRuleNames());
    }

    private Uni<Void> done(Claimed task, Incident created, String detail) {
        Instant now = clock.instant();
        meters.counter("incident.outbox.attempts", "kind", task.kind().name(), "outcome", "done").increment();
        return Panache.withTransaction(() -> OutboxTask.<OutboxTask> findById(task.id()).flatMap(row -> {
            row.status = OutboxTask.Status.DONE;
            row.lockedUntil = null;
            row.lastError = null;
            row.updatedAt = now;
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
                return audit.record(task.orgId(), task.requestId(), AuditAction.INCIDENT_CREATED, "system", detail);
            }).replaceWithVoid();
        }));
    }

    private Uni<Void> failed(Claimed task, Throwable failure) {
        Instant now = clock.instant();
        String error = failure instanceof IncidentIoException ? failure.getMessage()
                : failure.getClass().getSimpleName() + ": " + failure.getMessage();
        boolean givingUp = task.attempts() >= config.maxAttempts();
        meters.counter("incident.outbox.attempts", "kind", task.kind().name(), "outcome", givingUp ? "failed" : "retry").increment();
        LOG.warnf("outbox task %d (%s of request %s) attempt %d failed%s: %s", task.id(), task.kind(), task.requestId(),
                task.attempts(), givingUp ? ", giving up" : "", error);
        return Panache.withTransaction(() -> OutboxTask.<OutboxTask> findById(task.id()).flatMap(row -> {
            row.lastError = truncate(error);
            row.lockedUntil = null;
            row.updatedAt = now;
            if (!givingUp) {
                row.nextAttemptAt = now.plus(delay(task.attempts(), failure));
                return Uni.createFrom().voidItem();
            }
            row.status = OutboxTask.Status.FAILED;
            boolean create = task.kind() == OutboxTask.Kind.CREATE_INCIDENT;
            Uni<Void> markRequest = !create ? Uni.createFrom().voidItem()
                    : AccessRequest.<AccessRequest> findById(task.requestId()).invoke(request -> {
                        request.incidentState = AccessRequest.IncidentState.FAILED;
                        request.incidentError = truncate(error);
                        request.updatedAt = now;
                    }).replaceWithVoid();
            return markRequest.call(() -> audit.record(task.orgId(), task.requestId(),
                    create ? AuditAction.INCIDENT_CREATE_FAILED : AuditAction.INCIDENT_UPDATE_FAILED, "system",
                    "gave up after " + task.attempts() + " attempts: " + error)).replaceWithVoid();
        })).onFailure().invoke(e -> LOG.errorf(e, "could not record the failure of outbox task %d", task.id()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Exponential back-off with jitter, at least what incident.io asked for. */
    Duration delay(int attempts, Throwable failure) {
        long base = config.backoff().toMillis() * (1L << Math.min(20, attempts - 1));
        long capped = Math.min(base, config.maxBackoff().toMillis());
        long jittered = capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
        Duration wait = Duration.ofMillis(jittered);
        if (failure instanceof IncidentIoException e && e.retryAfter().isPresent() && e.retryAfter().get().compareTo(wait) > 0) {
            wait = e.retryAfter().get();
        }
        return wait;
    }

    private static String truncate(String s) {
        return s == null ? null : s.length() <= 2000 ? s : s.substring(0, 2000);
    }
}
