package io.oncallapprover.webhook;

import static io.oncallapprover.common.SqlTime.utc;

import java.time.Clock;
import java.time.Instant;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.oncallapprover.queue.LeasedQueue;
import io.oncallapprover.queue.LeasedQueues;
import io.oncallapprover.queue.QueueHandler;
import io.oncallapprover.webhook.WebhookDeliveryRows.Delivery;
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
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Works the stored webhook deliveries, after they were acknowledged. Deliveries are claimed (rows another
 * replica locked skipped) with a lease, so replicas never work on the same one at once and a crashed worker's delivery is taken again after the lease. What a delivery does is idempotent
 * (dropping a cache, ending a grant only if still active, recording a status), so doing it twice is
 * harmless. No database connection is held while incident.io is asked. A failure backs off and is
 * retried until {@link WebhookConfig#maxAttempts()}, then the delivery is FAILED with the error. The claim,
 * lease, attempt counting and back-off are the {@link LeasedQueue}'s; the table's SQL is {@link WebhookDeliveryRows}.
 */
@ApplicationScoped
public class WebhookProcessor {

    private static final Logger LOG = Logger.getLogger(WebhookProcessor.class);

    /** The deliveries as a leased queue (claim, attempt, back-off, give-up, release at shutdown). */
    private LeasedQueue<Delivery> queue;

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

    @Inject
    LeasedQueues queues;

    @PostConstruct
    void makeQueue() {
        queue = queues.of(handler());
    }

    /** The queue's handler, its call {@link #apply} (tests work it as a second replica). */
    QueueHandler<Delivery> handler() {
        return new WebhookDeliveryRows(config, json, this::apply);
    }

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

    /** Claims the due deliveries and works them one by one, in the order received; returns how many were claimed. */
    public Uni<Integer> drainOnce() {
        return queue.drainOnce();
    }

    /** What a delivery does; the answer is the delivery's recorded outcome. */
    Uni<String> apply(Delivery delivery) {
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

    /** Forgets deliveries older than the retention (their ids can no longer come again). */
    public Uni<Integer> forgetOld() {
        return pool.preparedQuery("delete from webhook_delivery where received_at < $1 and status <> 'PENDING'")
                .execute(Tuple.of(utc(clock.instant().minus(config.retention()))))
                .map(rows -> rows.rowCount());
    }

}
