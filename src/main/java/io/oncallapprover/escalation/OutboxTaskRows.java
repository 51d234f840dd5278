package io.oncallapprover.escalation;

import static io.oncallapprover.common.SqlTime.utc;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.oncallapprover.audit.AuditAction;
import io.oncallapprover.audit.AuditLog;
import io.oncallapprover.escalation.IncidentOutboxWorker.Claimed;
import io.oncallapprover.incidentio.IncidentIoException;
import io.oncallapprover.queue.QueueHandler;
import io.oncallapprover.queue.QueueSettings;
import io.oncallapprover.queue.RetryPolicy;
import io.oncallapprover.request.AccessRequest;
import io.oncallapprover.request.PageEscalation;
import io.oncallapprover.request.RequestEventType;
import io.oncallapprover.request.RequestEvents;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The {@code outbox_task} table as a leased queue: which tasks are due (an edit waits for its incident, a
 * cancel for its escalation's creation to be settled), fenced by {@code lease_token}, and what giving up
 * means for each kind (the request or escalation shows the failure). The calls are {@link IncidentOutboxWorker}'s;
 * they record their success themselves, in the transaction that writes what incident.io answered.
 * Native writes bump {@code version}, as Hibernate's would, so no entity read before them overwrites them.
 */
final class OutboxTaskRows implements QueueHandler<Claimed> {

    private static final Logger LOG = Logger.getLogger(OutboxTaskRows.class);

    private final EscalationConfig config;
    private final Clock clock;
    private final AuditLog audit;
    private final RequestEvents events;
    private final MeterRegistry meters;
    private final Function<Claimed, Uni<Void>> send;

    OutboxTaskRows(EscalationConfig config, Clock clock, AuditLog audit, RequestEvents events, MeterRegistry meters,
            Function<Claimed, Uni<Void>> send) {
        this.config = config;
        this.clock = clock;
        this.audit = audit;
        this.events = events;
        this.meters = meters;
        this.send = send;
    }

    @Override
    public String kind() {
        return "outbox task";
    }

    @Override
    public QueueSettings settings() {
        return new QueueSettings(new RetryPolicy(config.backoff(), config.maxBackoff(), config.maxAttempts()), config.lease(),
                config.batchSize()).waitingAtShutdown(config.shutdownWait());
    }

    @Override
    public Uni<List<Claimed>> claim(SqlClient db, String owner, Instant now, Instant leaseUntil, int limit) {
        return db.preparedQuery("update outbox_task t set locked_until = $1, lease_token = $2, updated_at = $3,"
                + " version = t.version + 1 from (select d.id from outbox_task d where d.status = 'PENDING'"
                + " and d.next_attempt_at <= $3 and (d.locked_until is null or d.locked_until <= $3)"
                + " and (d.kind in ('CREATE_INCIDENT', 'CREATE_ESCALATION')"
                + " or d.kind = 'UPDATE_INCIDENT' and exists (select 1 from access_request r"
                + " where r.id = d.request_id and r.incident_id is not null)"
                // a cancel waits until its escalation's creation is settled (made, failed or not sent)
                + " or d.kind = 'CANCEL_ESCALATION' and exists (select 1 from page_escalation e"
                + " where e.id = d.page_escalation_id and e.state <> 'PENDING'))"
                + " order by d.id limit $4 for update of d skip locked) due where t.id = due.id"
                + " returning t.id, t.org_id, t.request_id, t.kind, t.page_escalation_id")
                .execute(Tuple.of(utc(leaseUntil), owner, utc(now), limit))
                .map(rows -> {
                    List<Claimed> claimed = new ArrayList<>();
                    for (Row row : rows) {
                        claimed.add(new Claimed(row.getLong("id"), row.getString("org_id"), row.getString("request_id"),
                                OutboxTask.Kind.valueOf(row.getString("kind")), row.getLong("page_escalation_id"), owner));
                    }
                    claimed.sort(Comparator.comparingLong(Claimed::id)); // RETURNING keeps no order: the order of the tasks
                    return claimed;
                });
    }

    @Override
    public Uni<Integer> countAttempt(SqlClient db, Claimed task, String owner, Instant leaseUntil) {
        return db.preparedQuery("update outbox_task set attempts = attempts + 1, locked_until = $1, updated_at = $2,"
                + " version = version + 1 where id = $3 and lease_token = $4 and status = 'PENDING' returning attempts")
                .execute(Tuple.of(utc(leaseUntil), utc(clock.instant()), task.id(), owner))
                .map(rows -> rows.rowCount() == 0 ? null : rows.iterator().next().getInteger("attempts"));
    }

    @Override
    public Uni<String> call(Claimed task, int attempt) {
        return send.apply(task).replaceWith("sent");
    }

    /** Recorded by the call, with what incident.io answered, in one transaction under the lease. */
    @Override
    public Uni<Boolean> succeeded(SqlClient db, Claimed task, String owner, String outcome, Instant now) {
        return Uni.createFrom().item(true);
    }

    @Override
    public String describe(Throwable failure) {
        boolean explained = failure instanceof IncidentIoException || failure instanceof IncidentOutboxWorker.NobodyToPage;
        return explained ? failure.getMessage()
                : failure.getClass().getSimpleName() + ": " + failure.getMessage();
    }

    @Override
    public Duration askedWait(Throwable failure) {
        return failure instanceof IncidentIoException e ? e.retryAfter().orElse(null) : null;
    }

    @Override
    public Uni<Boolean> failed(SqlClient db, Claimed task, String owner, int attempt, String error, RetryPolicy.AfterFailure next,
            Instant now) {
        boolean givingUp = next instanceof RetryPolicy.GiveUp;
        meters.counter("incident.outbox.attempts", "kind", task.kind().name(), "outcome", givingUp ? "failed" : "retry")
                .increment();
        return Panache.withTransaction(() -> recordFailure(task, attempt, error, next, now));
    }

    private Uni<Boolean> recordFailure(Claimed task, int attempts, String error, RetryPolicy.AfterFailure next, Instant now) {
        return OutboxTask.<OutboxTask> findById(task.id()).flatMap(row -> {
            if (!IncidentOutboxWorker.holds(row, task)) {
                return Uni.createFrom().item(false);
            }
            row.lastError = truncate(error);
            row.lockedUntil = null;
            row.leaseToken = null;
            row.updatedAt = now;
            if (next instanceof RetryPolicy.RetryAt retry) {
                row.nextAttemptAt = retry.at();
                return Uni.createFrom().item(true);
            }
            row.status = OutboxTask.Status.FAILED;
            String gaveUp = "gave up after " + attempts + " attempts: " + error;
            if (task.pageEscalationId() != null) {
                boolean creating = task.kind() == OutboxTask.Kind.CREATE_ESCALATION;
                return PageEscalation.<PageEscalation> findById(task.pageEscalationId()).invoke(escalation -> {
                    escalation.state = creating ? PageEscalation.State.FAILED : PageEscalation.State.CANCEL_FAILED;
                    escalation.error = truncate(error);
                    escalation.updatedAt = now;
                }).call(() -> audit.record(task.orgId(), task.requestId(), creating ? AuditAction.ESCALATION_CREATE_FAILED
                        : AuditAction.ESCALATION_CANCEL_FAILED, "system", gaveUp))
                        .call(() -> creating ? pageFailed(task.requestId()) : Uni.createFrom().voidItem())
                        .replaceWith(true);
            }
            boolean create = task.kind() == OutboxTask.Kind.CREATE_INCIDENT;
            Uni<Void> markRequest = !create ? Uni.createFrom().voidItem()
                    : AccessRequest.<AccessRequest> findById(task.requestId()).invoke(request -> {
                        request.incidentState = AccessRequest.IncidentState.FAILED;
                        request.incidentError = truncate(error);
                        request.updatedAt = now;
                    }).replaceWithVoid();
            return markRequest.call(() -> audit.record(task.orgId(), task.requestId(),
                    create ? AuditAction.INCIDENT_CREATE_FAILED : AuditAction.INCIDENT_UPDATE_FAILED, "system", gaveUp))
                    .call(() -> create ? pageFailed(task.requestId()) : Uni.createFrom().voidItem())
                    .replaceWith(true);
        }).onFailure().invoke(e -> LOG.errorf(e, "could not record the failure of outbox task %d", task.id()));
    }

    private Uni<Void> pageFailed(String requestId) {
        return requestEvent(events, clock, requestId, RequestEventType.PAGE_FAILED);
    }

    /** The request's event about its page, in the current transaction (the page changed, not the request's row). */
    static Uni<Void> requestEvent(RequestEvents events, Clock clock, String requestId, RequestEventType type) {
        Instant now = clock.instant();
        return AccessRequest.<AccessRequest> findById(requestId)
                .flatMap(request -> events.record(request, type, java.util.Map.of(), now));
    }

    @Override
    public Uni<Integer> release(SqlClient db, List<String> owners) {
        return db.preparedQuery("update outbox_task set locked_until = null, lease_token = null, version = version + 1"
                + " where lease_token = any($1) and status = 'PENDING'")
                .execute(Tuple.of(owners.toArray(String[]::new)))
                .map(rows -> rows.rowCount());
    }

    static String truncate(String s) {
        return s == null ? null : s.length() <= 2000 ? s : s.substring(0, 2000);
    }

}
