package io.oncallapprover.observability;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;

/**
 * The backlog of every queue kept in a table, for the alerts: {@code queue_backlog{queue}} (rows waiting) and
 * {@code queue_oldest_age_seconds{queue}} (how long the oldest of them has waited since it was written: a task on
 * back-off still counts, it has not been done). Read from the database by a job (every 15 s, one statement, on
 * every replica: the numbers are the deployment's, the same on each), kept here, and only read by the gauges:
 * a scrape never waits for the database. Unknown (NaN) until the first read and after a read that failed.
 * <ul>
 * <li>{@code incident_outbox}: pending incident and escalation tasks ({@code outbox_task});</li>
 * <li>{@code webhook_deliveries}: incident.io deliveries stored and not yet worked ({@code webhook_delivery});</li>
 * <li>{@code event_deliveries}: events behind the destinations' cursors, summed over destinations (types a
 * destination does not take count until the cursor passes them);</li>
 * <li>{@code reevaluations}: pending requests waiting to ask incident.io again ({@code access_request.reevaluate_at}).</li>
 * </ul>
 */
@ApplicationScoped
public class QueueBacklog {

    private static final Logger LOG = Logger.getLogger(QueueBacklog.class);

    static final List<String> QUEUES = List.of("incident_outbox", "webhook_deliveries", "event_deliveries", "reevaluations");

    static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

    private static final String SQL = """
            select
              (select count(*) from outbox_task where status = 'PENDING') as incident_outbox_rows,
              (select min(created_at) from outbox_task where status = 'PENDING') as incident_outbox_oldest,
              (select count(*) from webhook_delivery where status = 'PENDING') as webhook_deliveries_rows,
              (select min(received_at) from webhook_delivery where status = 'PENDING') as webhook_deliveries_oldest,
              (select coalesce(sum(c.last_seq - d.delivered_seq), 0) from event_destination d
                 join org_event_counter c on c.org_id = d.org_id where c.last_seq > d.delivered_seq) as event_deliveries_rows,
              (select min(e.occurred_at) from event_destination d join org_event_counter c on c.org_id = d.org_id
                 cross join lateral (select occurred_at from request_event r where r.org_id = d.org_id
                   and r.seq > d.delivered_seq order by r.seq limit 1) e
                 where c.last_seq > d.delivered_seq) as event_deliveries_oldest,
              (select count(*) from access_request where status = 'PENDING' and reevaluate_at is not null) as reevaluations_rows,
              (select min(created_at) from access_request where status = 'PENDING' and reevaluate_at is not null)
                 as reevaluations_oldest""";

    /** What one read found for one queue: rows, and when the oldest was written (null: none). */
    record Backlog(double rows, Instant oldest) {
        static final Backlog UNKNOWN = new Backlog(Double.NaN, null);
    }

    @Inject
    Pool pool;

    @Inject
    Clock clock;

    @Inject
    MeterRegistry meters;

    private final Map<String, Backlog> last = new ConcurrentHashMap<>();

    /** False until the first read, and after a read that failed: the ages are then unknown, not zero. */
    private volatile boolean known;

    @PostConstruct
    void register() {
        for (String queue : QUEUES) {
            last.put(queue, Backlog.UNKNOWN);
            Gauge.builder("queue.backlog", this, q -> q.last.get(queue).rows()).tag("queue", queue)
                    .description("Rows waiting in this queue (read every 15 s)").register(meters);
            Gauge.builder("queue.oldest.age.seconds", this, q -> q.ageOf(queue)).tag("queue", queue)
                    .description("Seconds the oldest waiting row of this queue has waited (0: none)").register(meters);
        }
    }

    private double ageOf(String queue) {
        if (!known) {
            return Double.NaN;
        }
        Instant oldest = last.get(queue).oldest();
        return oldest == null ? 0 : Math.max(0, Duration.between(oldest, clock.instant()).toMillis() / 1000.0);
    }

    @Scheduled(every = "${oncall.jobs.backlog-every:15s}", delayed = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return refresh();
    }

    /** Reads every queue's backlog in one statement; a failure leaves them unknown and is logged, never thrown. */
    public Uni<Void> refresh() {
        return pool.query(SQL).execute()
                .ifNoItem().after(READ_TIMEOUT).fail()
                .invoke(rows -> {
                    Row row = rows.iterator().next();
                    for (String queue : QUEUES) {
                        last.put(queue, new Backlog(row.getLong(queue + "_rows"), instant(row.getOffsetDateTime(queue + "_oldest"))));
                    }
                    known = true;
                })
                .onFailure().invoke(failure -> {
                    known = false;
                    QUEUES.forEach(queue -> last.put(queue, Backlog.UNKNOWN));
                    LOG.warnf("reading the queues' backlog failed: %s", failure.getMessage());
                })
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    private static Instant instant(OffsetDateTime at) {
        return at == null ? null : at.toInstant();
    }

}
