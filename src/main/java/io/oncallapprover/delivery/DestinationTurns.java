package io.oncallapprover.delivery;

import static io.oncallapprover.common.SqlTime.utc;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiFunction;

import org.jboss.logging.Logger;

import io.oncallapprover.events.EventsConfig;
import io.oncallapprover.queue.QueueHandler;
import io.oncallapprover.queue.QueueSettings;
import io.oncallapprover.queue.RetryPolicy;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Event destinations as a leased queue. The row claimed is a destination with its cursor ({@code delivered_seq},
 * every event of the organization up to it delivered, passed over or given up), fenced by {@code lease_owner}.
 * A turn reads the next {@code delivery-batch} events past the cursor and goes through them in order; each call
 * sends one event, counted just before (the count renews the lease); a 2xx moves the cursor past it and the turn
 * goes on ({@link #continues()}); anything else keeps the cursor on it, backs off and ends the turn. Events of a
 * type the destination does not take are passed over, and events older than {@code retry-for} given up, as the
 * turn reaches them ({@link #next}). Attempts count per event, never given up by count: only by age.
 */
final class DestinationTurns implements QueueHandler<DestinationTurns.Turn> {

    private static final Logger LOG = Logger.getLogger(DestinationTurns.class);

    /** Destinations claimed at once, all delivered to side by side. */
    static final int BATCH = 20;

    /** One stored event. */
    record Stored(long seq, String id, String type, Instant occurredAt, String body) {
    }

    /**
     * A claimed destination in its turn: {@code events} as read past the cursor (null until read), {@code at} the
     * event being sent (-1 before the first), {@code cursor} the sequence number everything before it reached.
     */
    record Turn(UUID id, String orgId, String url, Set<String> types, String secretCiphertext, long cursor, UUID owner,
            List<Stored> events, int at) {

        Stored event() {
            return events.get(at);
        }

        @Override
        public String toString() {
            return id + " of org " + orgId;
        }
    }

    /** A send the destination did not accept (no 2xx, a timeout, a refused address). */
    static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private final EventsConfig config;
    private final BiFunction<Turn, Stored, Uni<String>> send;

    DestinationTurns(EventsConfig config, BiFunction<Turn, Stored, Uni<String>> send) {
        this.config = config;
        this.send = send;
    }

    @Override
    public String kind() {
        return "event destination";
    }

    @Override
    public QueueSettings settings() {
        return new QueueSettings(new RetryPolicy(config.retryFirstWait(), config.retryMaxWait(), Integer.MAX_VALUE),
                config.deliveryLease(), BATCH).inParallel(BATCH);
    }

    @Override
    public Uni<List<Turn>> claim(SqlClient db, String owner, Instant now, Instant leaseUntil, int limit) {
        UUID token = UUID.fromString(owner);
        return db.preparedQuery("""
                update event_destination d set lease_owner = $1, lease_until = $2
                from (select d2.id from event_destination d2 join org_event_counter c on c.org_id = d2.org_id
                      where c.last_seq > d2.delivered_seq and d2.next_attempt_at <= $3
                        and (d2.lease_until is null or d2.lease_until <= $3)
                      order by d2.next_attempt_at limit $4 for update of d2 skip locked) due
                where d.id = due.id
                returning d.id, d.org_id, d.url, d.types, d.secret_ciphertext, d.delivered_seq""")
                .execute(Tuple.of(token, utc(leaseUntil), utc(now), limit))
                .map(rows -> {
                    List<Turn> claimed = new ArrayList<>();
                    for (Row row : rows) {
                        String[] types = row.getArrayOfStrings("types");
                        claimed.add(new Turn(row.getUUID("id"), row.getString("org_id"), row.getString("url"),
                                types == null ? null : Set.of(types), row.getString("secret_ciphertext"),
                                row.getLong("delivered_seq"), token, null, -1));
                    }
                    return claimed;
                });
    }

    /** The next event to send: read the events at the turn's start, go on past the one just delivered. */
    @Override
    public Uni<Turn> next(SqlClient db, Turn turn, String owner, Instant now) {
        if (turn.events() == null) {
            return events(db, turn).flatMap(events -> scan(db, new Turn(turn.id(), turn.orgId(), turn.url(), turn.types(),
                    turn.secretCiphertext(), turn.cursor(), turn.owner(), events, -1), 0, turn.cursor(), now));
        }
        return scan(db, turn, turn.at() + 1, turn.event().seq(), now);
    }

    /** From event {@code i}, with everything before it reached at {@code cursor}: passes over and gives up what it must. */
    private Uni<Turn> scan(SqlClient db, Turn turn, int i, long cursor, Instant now) {
        if (i == turn.events().size()) {
            return fenced(db, """
                    update event_destination set delivered_seq = greatest(delivered_seq, $3),
                           lease_owner = null, lease_until = null
                    where id = $1 and lease_owner = $2""", Tuple.of(turn.id(), turn.owner(), cursor)).replaceWith((Turn) null);
        }
        Stored e = turn.events().get(i);
        if (turn.types() != null && !turn.types().contains(e.type())) {
            return scan(db, turn, i + 1, e.seq(), now);
        }
        if (e.occurredAt().plus(config.retryFor()).isBefore(now)) {
            LOG.warnf("event %s of org %s given up for destination %s: not accepted within %s", e.id(), turn.orgId(), turn.id(),
                    config.retryFor());
            return fenced(db, """
                    update event_destination set delivered_seq = $3, attempts = 0, given_up = given_up + 1, last_given_up_at = $4
                    where id = $1 and lease_owner = $2""", Tuple.of(turn.id(), turn.owner(), e.seq(), utc(now)))
                    .flatMap(kept -> kept ? scan(db, turn, i + 1, e.seq(), now) : Uni.createFrom().nullItem());
        }
        return Uni.createFrom().item(new Turn(turn.id(), turn.orgId(), turn.url(), turn.types(), turn.secretCiphertext(), cursor,
                turn.owner(), turn.events(), i));
    }

    private Uni<List<Stored>> events(SqlClient db, Turn turn) {
        return db.preparedQuery("""
                select seq, id::text as id, type, occurred_at, event::text as body from request_event
                where org_id = $1 and seq > $2 order by seq limit $3""")
                .execute(Tuple.of(turn.orgId(), turn.cursor(), config.deliveryBatch()))
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
     * Counts an attempt at the event the turn is on, moving the cursor past the events passed over: a count at a
     * new event starts again at 1.
     */
    @Override
    public Uni<Integer> countAttempt(SqlClient db, Turn turn, String owner, Instant leaseUntil) {
        return db.preparedQuery("""
                update event_destination set attempts = case when delivered_seq = $3 then attempts + 1 else 1 end,
                       delivered_seq = $3, lease_until = $4
                where id = $1 and lease_owner = $2 returning attempts""")
                .execute(Tuple.of(turn.id(), UUID.fromString(owner), turn.cursor(), utc(leaseUntil)))
                .map(rows -> rows.rowCount() == 0 ? null : rows.iterator().next().getInteger("attempts"));
    }

    @Override
    public Uni<String> call(Turn turn, int attempt) {
        return send.apply(turn, turn.event());
    }

    /** The cursor moves past the event; the lease is kept for the rest of the turn. */
    @Override
    public boolean continues() {
        return true;
    }

    @Override
    public Uni<Boolean> succeeded(SqlClient db, Turn turn, String owner, String outcome, Instant now) {
        return fenced(db, """
                update event_destination set delivered_seq = $3, attempts = 0, last_success_at = $4
                where id = $1 and lease_owner = $2""", Tuple.of(turn.id(), UUID.fromString(owner), turn.event().seq(), utc(now)));
    }

    /** The cursor stays on the event, tried again after the back-off; an event is given up by age only, by {@link #next}. */
    @Override
    public Uni<Boolean> failed(SqlClient db, Turn turn, String owner, int attempt, String error, RetryPolicy.AfterFailure next,
            Instant now) {
        Instant at = next instanceof RetryPolicy.RetryAt retry ? retry.at() : now;
        return fenced(db, """
                update event_destination set next_attempt_at = $3, last_failure_at = $4, last_failure = $5,
                       lease_owner = null, lease_until = null
                where id = $1 and lease_owner = $2""", Tuple.from(List.of(turn.id(), UUID.fromString(owner), utc(at), utc(now),
                error.length() > 500 ? error.substring(0, 500) : error)));
    }

    @Override
    public Uni<Integer> release(SqlClient db, List<String> owners) {
        return db.preparedQuery("update event_destination set lease_owner = null, lease_until = null"
                + " where lease_owner::text = any($1)")
                .execute(Tuple.of(owners.toArray(String[]::new)))
                .map(rows -> rows.rowCount());
    }

    /** A write only the lease's owner may make; false when the lease was lost (nothing written). */
    private static Uni<Boolean> fenced(SqlClient db, String sql, Tuple arguments) {
        return db.preparedQuery(sql).execute(arguments).map(rows -> rows.rowCount() > 0);
    }

}
