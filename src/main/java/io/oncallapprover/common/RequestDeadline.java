package io.oncallapprover.common;

import java.time.Duration;

import io.smallrye.common.vertx.ContextLocals;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * When the current HTTP request arrived, kept in its Vert.x duplicated context, so that a deadline
 * is measured end to end (database reads included), not from the moment incident.io is asked.
 */
public final class RequestDeadline {

    private static final String ARRIVAL = "oncall.request-arrival-nanos";

    private RequestDeadline() {
    }

    static void markArrival() {
        if (Vertx.currentContext() != null && io.vertx.core.impl.ContextInternal.class.isInstance(Vertx.currentContext())
                && ((io.vertx.core.impl.ContextInternal) Vertx.currentContext()).isDuplicate()) {
            ContextLocals.put(ARRIVAL, System.nanoTime());
        }
    }

    /** What is left of {@code deadline} for the current request; the whole of it outside a request. */
    public static Duration remaining(Duration deadline) {
        Context context = Vertx.currentContext();
        if (context == null || !((io.vertx.core.impl.ContextInternal) context).isDuplicate()) {
            return deadline;
        }
        Long arrival = ContextLocals.<Long> get(ARRIVAL).orElse(null);
        if (arrival == null) {
            return deadline;
        }
        Duration left = deadline.minusNanos(System.nanoTime() - arrival);
        return left.isNegative() ? Duration.ZERO : left;
    }
}
