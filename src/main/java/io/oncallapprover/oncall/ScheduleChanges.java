package io.oncallapprover.oncall;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * incident.io said a schedule changed (a shift change, an edit): its cached entries are dropped on this
 * replica at once and on every other one through PostgreSQL NOTIFY on {@link #CHANNEL} (payload
 * {@code "<orgId> <scheduleId>"}), heard by the organization change listener. Without webhooks, or
 * while notifications cannot be heard, the staleness bound of the cache is the safety net.
 */
@ApplicationScoped
public class ScheduleChanges {

    private static final Logger LOG = Logger.getLogger(ScheduleChanges.class);

    public static final String CHANNEL = "oncall_schedule_changed";

    @Inject
    ScheduleEntriesCache cache;

    @Inject
    Pool pool;

    /** Drops the schedule's entries here, then tells the other replicas. */
    public Uni<Void> changed(String orgId, String scheduleId) {
        cache.invalidateSchedule(orgId, scheduleId);
        return pool.preparedQuery("select pg_notify($1, $2)").execute(Tuple.of(CHANNEL, orgId + " " + scheduleId))
                .replaceWithVoid();
    }

    /** A notification from any replica (this one too: dropping twice is harmless). */
    public void heard(String payload) {
        int space = payload == null ? -1 : payload.indexOf(' ');
        if (space <= 0 || space == payload.length() - 1) {
            LOG.warnf("ignoring a malformed %s notification: %s", CHANNEL, payload);
            return;
        }
        cache.invalidateSchedule(payload.substring(0, space), payload.substring(space + 1));
    }
}
