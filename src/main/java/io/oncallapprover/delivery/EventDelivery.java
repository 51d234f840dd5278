package io.oncallapprover.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.oncallapprover.common.SigningSecret;
import io.oncallapprover.events.EventsConfig;
import io.oncallapprover.security.SecretCipher;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Delivers request events to destinations. Every {@code oncall.events.deliver-every}, each replica claims the
 * destinations that have events past their cursor and are due ({@code FOR UPDATE SKIP LOCKED}, then a lease
 * with an owner token of this claim), and sends each one its events in sequence order, one at a time:
 * <ul>
 * <li>an event of a type the destination does not take is passed over;</li>
 * <li>an event older than {@code retry-for} is given up (counted, shown on the destination);</li>
 * <li>otherwise the attempt is counted, then the event sent; a 2xx moves the cursor past it, anything else
 * leaves the cursor on it and sets the next attempt after a doubling back-off.</li>
 * </ul>
 * Every write is fenced by the owner token: a replica whose lease lapsed (and was taken over) changes nothing.
 * Leases are given back on shutdown; a killed replica's lapse after {@code delivery-lease}. Since the cursor
 * moves only after the answer, a crash anywhere re-sends at most the event in flight: at least once, in order.
 */
@ApplicationScoped
public class EventDelivery {

    private static final Logger LOG = Logger.getLogger(EventDelivery.class);

    /** A claimed destination, as the claim read it. */
    record Claimed(UUID id, String orgId, String url, Set<String> types, String secretCiphertext, long deliveredSeq,
            int attempts, UUID owner, Instant leaseUntil) {
    }

    /** One stored event. */
    record Stored(long seq, String id, String type, Instant occurredAt, String body) {
    }

    @Inject
    Pool pool;

    @Inject
    EventsConfig config;

    @Inject
    EventSender sender;

    @Inject
    SecretCipher cipher;

    @Inject
    Clock clock;

    /** What a turn keeps on its lease beyond the delivery in flight: the writes that record it. */
    static final Duration LEASE_MARGIN = Duration.ofSeconds(2);

    private final Set<UUID> held = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    @Scheduled(every = "${oncall.events.deliver-every:1s}", delayed = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> deliverScheduled() {
        return deliverDue().onFailure().recoverWithItem(failure -> {
            LOG.warnf("delivering events failed: %s", failure.getMessage());
            return 0;
        }).replaceWithVoid();
    }

    /** Claims the due destinations and delivers to each (concurrently across destinations); answers how many events went out. */
    public Uni<Integer> deliverDue() {
        if (stopping) {
            return Uni.createFrom().item(0);
        }
        UUID owner = UUID.randomUUID();
        Instant now = clock.instant();
        Instant leaseUntil = now.plus(config.deliveryLease());
        return pool.preparedQuery("""
                update event_destination d set lease_owner = $1, lease_until = $2
                from (select d2.id from event_destination d2 join org_event_counter c on c.org_id = d2.org_id
                      where c.last_seq > d2.delivered_seq and d2.next_attempt_at <= $3
                        and (d2.lease_until is null or d2.lease_until < $3)
                      order by d2.next_attempt_at limit 20 for update of d2 skip locked) due
                where d.id = due.id
                returning d.id, d.org_id, d.url, d.types, d.secret_ciphertext, d.delivered_seq, d.attempts""")
                .execute(Tuple.of(owner, utc(leaseUntil), utc(now)))
                .map(rows -> {
                    List<Claimed> claimed = new ArrayList<>();
                    for (Row row : rows) {
                        String[] types = row.getArrayOfStrings("types");
                        claimed.add(new Claimed(row.getUUID("id"), row.getString("org_id"), row.getString("url"),
                                types == null ? null : Set.of(types), row.getString("secret_ciphertext"),
                                row.getLong("delivered_seq"), row.getInteger("attempts"), owner, leaseUntil));
                    }
                    return claimed;
                })
                .flatMap(claimed -> {
                    if (claimed.isEmpty()) {
                        return Uni.createFrom().item(0);
                    }
                    held.add(owner);
                    return Multi.createFrom().iterable(claimed)
                            .onItem().transformToUniAndMerge(this::deliverTo)
                            .collect().asList()
                            .map(counts -> counts.stream().mapToInt(Integer::intValue).sum())
                            .eventually(() -> held.remove(owner));
                });
    }

    /** Delivers a batch of events to one claimed destination; never fails (a failure is recorded on the destination). */
    private Uni<Integer> deliverTo(Claimed d) {
        SigningSecret secret;
        try {
            secret = SigningSecret.parse(cipher.decrypt(d.secretCiphertext(), EventDestination.secretContext(d.orgId(), d.id())))
                    .orElseThrow(() -> new IllegalStateException("the stored secret is not a whsec_ secret"));
        } catch (RuntimeException unreadable) {
            return fail(d, d.deliveredSeq(), d.attempts() + 1, "the signing secret cannot be read: " + unreadable.getMessage())
                    .replaceWith(0);
        }
        return events(d).flatMap(events -> next(d, secret, events, 0, d.deliveredSeq(), d.attempts(), 0))
                .onFailure().recoverWithUni(failure -> {
                    LOG.warnf("delivering to event destination %s failed: %s", d.id(), failure.getMessage());
                    return release(d, null).replaceWith(0);
                });
    }

    private Uni<List<Stored>> events(Claimed d) {
        return pool.preparedQuery("""
                select seq, id::text as id, type, occurred_at, event::text as body from request_event
                where org_id = $1 and seq > $2 order by seq limit $3""")
                .execute(Tuple.of(d.orgId(), d.deliveredSeq(), config.deliveryBatch()))
                .map(rows -> {
                    List<Stored> events = new ArrayList<>();
                    for (Row row : rows) {
                        events.add(new Stored(row.getLong("seq"), row.getString("id"), row.getString("type"),
                                row.getOffsetDateTime("occurred_at").toInstant(), row.getString("body")));
                    }
                    return events;
                });
    }

    /**
     * Goes on from event {@code i} with the cursor at {@code cursor} (events passed over move it without a write
     * until the next one). {@code sent} counts deliveries.
     */
    private Uni<Integer> next(Claimed d, SigningSecret secret, List<Stored> events, int i, long cursor, int attempts, int sent) {
        Instant now = clock.instant();
        if (i == events.size()) {
            return release(d, cursor).replaceWith(sent);
        }
        // Keep a margin on the lease for one more delivery, else give the rest to the next turn.
        if (stopping || now.plus(config.deliveryTimeout()).plus(LEASE_MARGIN).isAfter(d.leaseUntil())) {
            return release(d, cursor).replaceWith(sent);
        }
        Stored e = events.get(i);
        if (d.types() != null && !d.types().contains(e.type())) {
            return next(d, secret, events, i + 1, e.seq(), 0, sent);
        }
        if (e.occurredAt().plus(config.retryFor()).isBefore(now)) {
            return giveUp(d, e).flatMap(kept -> kept ? next(d, secret, events, i + 1, e.seq(), 0, sent) : Uni.createFrom().item(sent));
        }
        int attempt = attempts + 1;
        return countAttempt(d, cursor, attempt).flatMap(kept -> !kept ? Uni.createFrom().item(sent)
                : sender.send(d.url(), secret, e.id(), e.body()).flatMap(outcome -> outcome.delivered()
                        ? delivered(d, e.seq()).flatMap(ok -> ok ? next(d, secret, events, i + 1, e.seq(), 0, sent + 1)
                                : Uni.createFrom().item(sent + 1))
                        : fail(d, cursor, attempt, outcome.failure()).replaceWith(sent)));
    }

    /** Counts the attempt before it is made (a crash during it still counts), moving the cursor past events passed over. */
    private Uni<Boolean> countAttempt(Claimed d, long cursor, int attempt) {
        return fenced("update event_destination set delivered_seq = $3, attempts = $4 where id = $1 and lease_owner = $2",
                Tuple.of(d.id(), d.owner(), cursor, attempt));
    }

    private Uni<Boolean> delivered(Claimed d, long seq) {
        return fenced("""
                update event_destination set delivered_seq = $3, attempts = 0, last_success_at = $4
                where id = $1 and lease_owner = $2""", Tuple.of(d.id(), d.owner(), seq, utc(clock.instant())));
    }

    private Uni<Boolean> giveUp(Claimed d, Stored e) {
        LOG.warnf("event %s of org %s given up for destination %s: not accepted within %s", e.id(), d.orgId(), d.id(),
                config.retryFor());
        return fenced("""
                update event_destination set delivered_seq = $3, attempts = 0, given_up = given_up + 1, last_given_up_at = $4
                where id = $1 and lease_owner = $2""", Tuple.of(d.id(), d.owner(), e.seq(), utc(clock.instant())));
    }

    /** Records a failed attempt: the cursor stays on the event, the next attempt after the back-off, the lease given back. */
    private Uni<Boolean> fail(Claimed d, long cursor, int attempts, String failure) {
        Instant now = clock.instant();
        Duration wait = DestinationRules.backoff(attempts, config.retryFirstWait(), config.retryMaxWait(),
                ThreadLocalRandom.current().nextDouble());
        LOG.infof("event destination %s of org %s: attempt %d failed (%s); next in %d ms", d.id(), d.orgId(), attempts,
                failure, wait.toMillis());
        return fenced("""
                update event_destination set delivered_seq = $3, attempts = $4, next_attempt_at = $5, last_failure_at = $6,
                       last_failure = $7, lease_owner = null, lease_until = null
                where id = $1 and lease_owner = $2""",
                Tuple.from(List.of(d.id(), d.owner(), cursor, attempts, utc(now.plus(wait)), utc(now),
                        failure.length() > 500 ? failure.substring(0, 500) : failure)));
    }

    /** Gives the lease back, moving the cursor to {@code cursor} when given. */
    private Uni<Boolean> release(Claimed d, Long cursor) {
        return fenced("""
                update event_destination set delivered_seq = greatest(delivered_seq, coalesce($3, delivered_seq)),
                       lease_owner = null, lease_until = null
                where id = $1 and lease_owner = $2""", Tuple.of(d.id(), d.owner(), cursor));
    }

    /** Runs a write that only the lease's owner may make; false when the lease was lost (nothing written). */
    private Uni<Boolean> fenced(String sql, Tuple arguments) {
        return pool.preparedQuery(sql).execute(arguments).map(rows -> {
            if (rows.rowCount() == 0) {
                LOG.warn("an event destination's lease was lost to another replica; this one stops delivering to it");
                return false;
            }
            return true;
        });
    }

    /** A lease too short for one delivery and its bookkeeping would never deliver anything: refused at start. */
    void onStart(@Observes io.quarkus.runtime.StartupEvent start) {
        Duration least = config.deliveryTimeout().multipliedBy(2).plus(LEASE_MARGIN);
        if (config.deliveryLease().compareTo(least) < 0) {
            throw new IllegalStateException("oncall.events.delivery-lease (" + config.deliveryLease() + ") must be at least twice"
                    + " oncall.events.delivery-timeout (" + config.deliveryTimeout() + ") plus " + LEASE_MARGIN.toSeconds() + " s");
        }
    }

    /** Leases held here are given back, so another replica goes on at once rather than after they lapse. */
    void onStop(@Observes ShutdownEvent stop) {
        stopping = true;
        for (UUID owner : held) {
            try {
                pool.preparedQuery("update event_destination set lease_owner = null, lease_until = null where lease_owner = $1")
                        .execute(Tuple.of(owner)).await().atMost(Duration.ofSeconds(2));
            } catch (RuntimeException e) {
                LOG.debugf("giving back a delivery lease at shutdown failed (%s); it lapses", e.getMessage());
            }
        }
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
