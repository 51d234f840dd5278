package io.oncallapprover.events;

import java.time.Clock;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.oncallapprover.common.OpaqueCursor;
import io.oncallapprover.problem.ApiException;
import io.oncallapprover.problem.ProblemCode;
import io.oncallapprover.request.RequestEventType;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Reads an organization's request events after a cursor, oldest first, in one statement (one snapshot):
 * the page and the organization's counter. Sequence order is commit order (see migration V12), so a
 * cursor never skips an event committed later. Forgets events older than {@link EventsConfig#retention()}.
 */
@ApplicationScoped
public class EventFeed {

    private static final Logger LOG = Logger.getLogger(EventFeed.class);
    private static final String CURSOR_PREFIX = "ev1:";

    @Inject
    Pool pool;

    @Inject
    EventsConfig config;

    @Inject
    Clock clock;

    /** A page of events and the cursor to poll from next. */
    public record Page(List<EventViews.RequestEvent> events, String next) {
    }

    public Uni<Page> after(String orgId, Optional<String> cursor, Optional<RequestEventType> type, int limit) {
        Optional<Long> after = cursor.map(EventFeed::decode);
        return pool.preparedQuery("""
                with c as (select last_seq, pruned_through from org_event_counter where org_id = $1),
                     page as (select seq, event from request_event
                              where org_id = $1 and seq > coalesce($2, (select pruned_through from c), 0)
                                and ($3::text is null or type = $3)
                              order by seq limit $4)
                select (select last_seq from c) as last_seq, (select pruned_through from c) as pruned_through,
                       (select count(*) from page) as n, (select max(seq) from page) as last_returned,
                       coalesce((select json_agg(event order by seq) from page), '[]'::json)::text as events""")
                .execute(Tuple.of(orgId, after.orElse(null), type.map(RequestEventType::wire).orElse(null), limit))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    long lastSeq = row.getLong("last_seq") == null ? 0 : row.getLong("last_seq");
                    long pruned = row.getLong("pruned_through") == null ? 0 : row.getLong("pruned_through");
                    if (after.isPresent() && after.get() < pruned) {
                        throw new ApiException(410, ProblemCode.CURSOR_EXPIRED, "Events after this cursor were forgotten (they are"
                                + " kept " + config.retention().toDays() + " days); read from the oldest kept event by leaving"
                                + " out 'after'.", List.of(new io.oncallapprover.problem.FieldError("after",
                                        "is older than the oldest kept event")), null, null);
                    }
                    if (after.isPresent() && after.get() > lastSeq) {
                        // Past every event written: a cursor this service never gave; following it would skip events.
                        throw ApiException.invalid("after", "is not a cursor this service gave (use the 'next' of a page)");
                    }
                    long from = after.orElse(pruned);
                    long returned = row.getLong("n");
                    Long lastReturned = row.getLong("last_returned");
                    // A full page: go on after its last event. Otherwise everything committed was read: go on after it.
                    long next = returned == limit ? lastReturned : Math.max(from, lastSeq);
                    return new Page(parse(row.getString("events")), encode(next));
                });
    }

    /**
     * Events as they were stored, read leniently (unknown fields ignored, no input checks): a stored event
     * that today's strict reading of request bodies would refuse must not stop the feed at it.
     */
    private static final ObjectMapper STORED = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .addModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
            .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private List<EventViews.RequestEvent> parse(String events) {
        try {
            return List.of(STORED.readValue(events, EventViews.RequestEvent[].class));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored event cannot be read: " + e.getOriginalMessage(), e);
        }
    }

    static String encode(long seq) {
        return OpaqueCursor.encode(CURSOR_PREFIX, seq);
    }

    static long decode(String cursor) {
        return OpaqueCursor.decode(CURSOR_PREFIX, cursor, 1).flatMap(parts -> {
            try {
                long seq = Long.parseLong(parts.get(0));
                return seq >= 0 ? Optional.of(seq) : Optional.<Long> empty();
            } catch (NumberFormatException e) {
                return Optional.<Long> empty();
            }
        }).orElseThrow(() -> ApiException.invalid("after", "is not a cursor this service gave (use the 'next' of a page)"));
    }

    /** Forgets events older than the retention, remembering per organization up to where. */
    @Scheduled(every = "${oncall.jobs.events-cleanup-every:1h}", delayed = "1m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> forgetOld() {
        return forget().onFailure().recoverWithItem(failure -> {
            LOG.warnf("forgetting old events failed: %s", failure.getMessage());
            return 0;
        }).replaceWithVoid();
    }

    /**
     * Deletes the events past the retention; answers how many. Per organization, by sequence: every event
     * up to the newest one older than the retention, so a kept event is never behind a forgotten one.
     */
    public Uni<Integer> forget() {
        return pool.withTransaction(conn -> conn.preparedQuery("""
                with cut as (select org_id, max(seq) as upto from request_event where occurred_at < $1 group by org_id),
                     gone as (delete from request_event e using cut where e.org_id = cut.org_id and e.seq <= cut.upto
                              returning e.org_id),
                     marked as (update org_event_counter c set pruned_through = greatest(c.pruned_through, cut.upto)
                                from cut where c.org_id = cut.org_id)
                select count(*)::int as n from gone""")
                .execute(Tuple.of(clock.instant().minus(config.retention()).atOffset(java.time.ZoneOffset.UTC)))
                .map(rows -> rows.iterator().next().getInteger("n")));
    }
}
