package io.oncallapprover.escalation;

import java.time.Instant;
import java.util.List;

import io.quarkus.vertx.VertxContextSupport;

/**
 * Test access to the outbox worker's package-private steps, so fault tests elsewhere can play a
 * worker that claims a batch and then dies, or one that comes back late with a lapsed lease.
 */
public final class OutboxWorkerAccess {

    /** A task claimed under a lease, as the worker that claimed it holds it. */
    public static final class Lease {

        private final IncidentOutboxWorker.Claimed claimed;

        Lease(IncidentOutboxWorker.Claimed claimed) {
            this.claimed = claimed;
        }

        public long taskId() {
            return claimed.id();
        }

        public String requestId() {
            return claimed.requestId();
        }

        public String token() {
            return claimed.leaseToken();
        }
    }

    private OutboxWorkerAccess() {
    }

    /** Claims the due tasks at {@code now} (the worker's clock must read it) as a worker would, and does nothing more. */
    public static List<Lease> claim(IncidentOutboxWorker worker, Instant now) throws Throwable {
        List<IncidentOutboxWorker.Claimed> claimed = VertxContextSupport.subscribeAndAwait(() -> worker.claim());
        return claimed.stream().map(Lease::new).toList();
    }

    /** Works one task under the lease it was claimed with (begin, send, record), as its worker would. */
    public static void attempt(IncidentOutboxWorker worker, Lease lease) throws Throwable {
        VertxContextSupport.subscribeAndAwait(() -> worker.attempt(lease.claimed));
    }
}
