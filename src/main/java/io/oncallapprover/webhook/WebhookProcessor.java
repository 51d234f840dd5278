package io.oncallapprover.webhook;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.oncallapprover.common.Backoff;
import io.oncallapprover.incidentio.IncidentIoClient;
import io.oncallapprover.oncall.ScheduleChanges;
import io.oncallapprover.organization.OrgSnapshot;
import io.oncallapprover.organization.OrgSnapshots;
import io.oncallapprover.request.IncidentResolutionService;
import io.oncallapprover.request.ShiftChangeService;
import io.oncallapprover.webhook.IncidentIoEvent.EscalationStatus;
import io.oncallapprover.webhook.IncidentIoEvent.EscalationUpdated;
import io.oncallapprover.webhook.IncidentIoEvent.IncidentStatus;
import io.oncallapprover.webhook.IncidentIoEvent.IncidentUpdated;
import io.oncallapprover.webhook.IncidentIoEvent.Malformed;
import io.oncallapprover.webhook.IncidentIoEvent.ScheduleUpdated;
import io.oncallapprover.webhook.IncidentIoEvent.ShiftChange;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Works the stored webhook deliveries, after they were acknowledged. Deliveries are claimed under
 * {@code FOR UPDATE SKIP LOCKED} with a lease, so replicas never work on the same one at once and a
 * crashed worker's delivery is taken again after the lease. What a delivery does is idempotent
 * (dropping a cache, ending a grant only if still active, recording a status), so doing it twice is
 * harmless. No database connection is held while incident.io is asked. A failure backs off and is
 * retried until {@link WebhookConfig#maxAttempts()}, then the delivery is FAILED with the error.
 */
@ApplicationScoped
public class WebhookProcessor {

    private static final Logger LOG = Logger.getLogger(WebhookProcessor.class);

    record Claimed(String orgId, String webhookId, String eventType, JsonNode payload, int attempts, String leaseToken) {
    }

    @Inject
    WebhookConfig config;

    @Inject
    Pool pool;

    @Inject
    ObjectMapper json;

    @Inject
    ScheduleChanges scheduleChanges;

    @Inject
    ShiftChangeService shifts;

    @Inject
    IncidentResolutionService resolutions;

    @Inject
    OrgSnapshots snapshots;

    @Inject
    IncidentIoClient client;

    @Inject
    Vertx vertx;

    @Inject
    Clock clock;

    @Scheduled(every = "${oncall.jobs.webhooks-every:1s}", delayed = "3s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> poll() {
        return drainOnce().replaceWithVoid();
    }

    @Scheduled(every = "${oncall.jobs.webhooks-cleanup-every:1h}", delayed = "1m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> cleanup() {
        return forgetOld().replaceWithVoid();
    }

    /**
     * Works the due deliveries now, on a context of its own (called after a delivery is stored). The
     * context is marked safe, as the scheduler's are: the work opens Hibernate Reactive sessions, which
     * refuse an unmarked context (a shift change would fail on receipt and wait for the poll's back-off).
     */
    public void kick() {
        io.vertx.core.Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
        io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle.setContextSafe(context, true);
        context.runOnContext(ignored -> drainOnce()
                .subscribe().with(n -> {
                }, failure -> LOG.debugf("webhook deliveries will be worked by the next poll: %s", failure.getMessage())));
    }

    /** Claims the due deliveries and works them one by one; returns how many were claimed. */
    public Uni<Integer> drainOnce() {
        Instant now = clock.instant();
        return claim(now).flatMap(claimed -> Multi.createFrom().iterable(claimed)
                .onItem().transformToUniAndConcatenate(this::work)
                .collect().asList()
                .map(done -> claimed.size()));
    }

    private Uni<List<Claimed>> claim(Instant now) {
        String token = UUID.randomUUID().toString();
        return pool.preparedQuery("update webhook_delivery d set locked_until = $1, lease_token = $2, attempts = d.attempts + 1"
                + " from (select org_id, webhook_id from webhook_delivery where status = 'PENDING' and next_attempt_at <= $3"
                + " and (locked_until is null or locked_until <= $3) order by received_at limit $4 for update skip locked) due"
                + " where d.org_id = due.org_id and d.webhook_id = due.webhook_id"
                + " returning d.org_id, d.webhook_id, d.event_type, d.payload::text as payload, d.attempts")
                .execute(Tuple.of(utc(now.plus(config.lease())), token, utc(now), config.batch()))
                .map(rows -> {
                    List<Claimed> claimed = new ArrayList<>();
                    for (Row row : rows) {
                        claimed.add(new Claimed(row.getString("org_id"), row.getString("webhook_id"), row.getString("event_type"),
                                readTree(row.getString("payload")), row.getInteger("attempts"), token));
                    }
                    return claimed;
                });
    }

    private Uni<Void> work(Claimed delivery) {
        return Uni.createFrom().deferred(() -> apply(delivery))
                .flatMap(outcome -> finish(delivery, "DONE", outcome, null))
                .onFailure().recoverWithUni(failure -> {
                    boolean last = delivery.attempts() >= config.maxAttempts();
                    LOG.warnf("webhook delivery %s of org %s (%s), attempt %d: %s%s", delivery.webhookId(), delivery.orgId(),
                            delivery.eventType(), delivery.attempts(), failure.getMessage(), last ? "; giving up" : "");
                    Duration wait = Backoff.jittered(config.backoff(), delivery.attempts(), config.maxBackoff());
                    return finish(delivery, last ? "FAILED" : "PENDING", "attempt " + delivery.attempts() + ": "
                            + failure.getMessage(), clock.instant().plus(wait));
                })
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("webhook delivery %s: could not record its outcome (%s); its lease ends and it is taken again",
                            delivery.webhookId(), failure.getMessage());
                    return null;
                });
    }

    /** What a delivery does; the answer is the delivery's recorded outcome. */
    Uni<String> apply(Claimed delivery) {
        String orgId = delivery.orgId();
        IncidentIoEvent event = IncidentIoEvent.of(delivery.payload());
        if (event instanceof ShiftChange change) {
            return scheduleChanges.changed(orgId, change.scheduleId())
                    .chain(() -> shifts.shiftChanged(orgId, change.scheduleId(), change.currentEmails(), delivery.webhookId()))
                    .map(ended -> "schedule " + change.scheduleId() + ": cached entries dropped; " + ended + " grant(s) ended");
        }
        if (event instanceof ScheduleUpdated updated) {
            return scheduleChanges.changed(orgId, updated.scheduleId())
                    .replaceWith("schedule " + updated.scheduleId() + ": cached entries dropped");
        }
        if (event instanceof IncidentStatus status) {
            return snapshots.of(orgId).flatMap(org -> resolutions.incidentStatus(orgId, status.incidentId(), status.category(),
                    closesRequests(org), delivery.webhookId()));
        }
        if (event instanceof IncidentUpdated updated) {
            return ifOurs(orgId, resolutions.hasRequest(orgId, updated.incidentId()), "incident " + updated.incidentId(),
                    (key, org) -> client.incident(key, updated.incidentId())
                            .flatMap(incident -> resolutions.incidentStatus(orgId, updated.incidentId(),
                                    incident.incidentStatus() == null ? null : incident.incidentStatus().category(),
                                    closesRequests(org), delivery.webhookId())));
        }
        if (event instanceof EscalationStatus status) {
            return snapshots.of(orgId).flatMap(org -> resolutions.escalationStatus(orgId, status.escalationId(), status.status(),
                    closesRequests(org), delivery.webhookId()));
        }
        if (event instanceof EscalationUpdated updated) {
            return ifOurs(orgId, resolutions.hasEscalation(orgId, updated.escalationId()), "escalation " + updated.escalationId(),
                    (key, org) -> client.escalation(key, updated.escalationId())
                            .flatMap(escalation -> resolutions.escalationStatus(orgId, updated.escalationId(),
                                    escalation.status(), closesRequests(org), delivery.webhookId())));
        }
        if (event instanceof Malformed malformed) {
            return Uni.createFrom().item("ignored: " + malformed.eventType() + " " + malformed.problem());
        }
        return Uni.createFrom().item("ignored: " + delivery.eventType() + " is not acted on");
    }

    /**
     * A private event names only an id: incident.io is asked for the object ({@code fetchAndRecord}),
     * and only when it is one of this organization's requests' ({@code ours}, read first).
     */
    private Uni<String> ifOurs(String orgId, Uni<Boolean> ours, String what,
            java.util.function.BiFunction<io.oncallapprover.common.ApiKey, OrgSnapshot, Uni<String>> fetchAndRecord) {
        return ours.flatMap(mine -> !mine ? Uni.createFrom().item("no request has " + what)
                : snapshots.of(orgId).flatMap(org -> org.installation().isEmpty()
                        ? Uni.createFrom().item("incident.io is not installed any more")
                        : fetchAndRecord.apply(org.installation().get().key(), org)));
    }

    private static boolean closesRequests(OrgSnapshot org) {
        return org.installation().map(OrgSnapshot.Installed::closeOnIncidentResolved).orElse(false);
    }

    /** Records the outcome, fenced by the lease: a delivery taken over by another worker is not touched. */
    private Uni<Void> finish(Claimed delivery, String status, String outcome, Instant retryAt) {
        Instant now = clock.instant();
        return pool.preparedQuery("update webhook_delivery set status = $1, outcome = $2, locked_until = null, lease_token = null,"
                + " processed_at = case when $1 = 'PENDING' then null else $3 end, next_attempt_at = coalesce($4, next_attempt_at)"
                + " where org_id = $5 and webhook_id = $6 and lease_token = $7")
                .execute(Tuple.from(List.of(status, outcome.length() > 2000 ? outcome.substring(0, 2000) : outcome, utc(now),
                        retryAt == null ? utc(now) : utc(retryAt), delivery.orgId(), delivery.webhookId(), delivery.leaseToken())))
                .replaceWithVoid();
    }

    /** Forgets deliveries older than the retention (their ids can no longer come again). */
    public Uni<Integer> forgetOld() {
        return pool.preparedQuery("delete from webhook_delivery where received_at < $1 and status <> 'PENDING'")
                .execute(Tuple.of(utc(clock.instant().minus(config.retention()))))
                .map(rows -> rows.rowCount());
    }

    private JsonNode readTree(String payload) {
        try {
            return json.readTree(payload);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("a stored delivery is valid JSON", e);
        }
    }

    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}
