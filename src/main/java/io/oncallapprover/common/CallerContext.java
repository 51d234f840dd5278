package io.oncallapprover.common;

import java.util.function.Function;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Brings a result back onto the Vert.x context of the caller. Shared work (a coalesced cache load,
 * a retry timer) may complete on another thread, while Hibernate Reactive sessions must stay on the
 * context that opened them.
 */
public final class CallerContext {

    private CallerContext() {
    }

    /** Use with {@code uni.plug(CallerContext.resumeOnCaller())}, built on the caller's thread. */
    public static <T> Function<Uni<T>, Uni<T>> resumeOnCaller() {
        Context context = Vertx.currentContext();
        if (context == null) {
            return Function.identity();
        }
        return uni -> uni.emitOn(task -> {
            if (Vertx.currentContext() == context) {
                task.run();
            } else {
                context.runOnContext(ignored -> task.run());
            }
        });
    }
}
