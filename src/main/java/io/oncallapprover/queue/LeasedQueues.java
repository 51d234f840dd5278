package io.oncallapprover.queue;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.opentelemetry.api.trace.Tracer;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/** Makes the leased queues and stops them all on shutdown (SIGTERM), giving back the leases they hold. */
@ApplicationScoped
public class LeasedQueues {

    private static final Logger LOG = Logger.getLogger(LeasedQueues.class);

    @Inject
    Pool pool;

    @Inject
    Clock clock;

    @Inject
    Tracer tracer;

    private final List<LeasedQueue<?>> queues = new CopyOnWriteArrayList<>();

    public <T> LeasedQueue<T> of(QueueHandler<T> handler) {
        LeasedQueue<T> queue = new LeasedQueue<>(handler, pool, clock, tracer);
        queues.add(queue);
        return queue;
    }

    /**
     * All queues stop at once, then wait together for their calls in flight (at most the longest
     * {@link QueueHandler#shutdownWait()}), then give their leases back in parallel: the shutdown takes
     * that wait plus one release, however many queues there are.
     */
    void onShutdown(@Observes ShutdownEvent event) {
        queues.forEach(LeasedQueue::markStopping);
        Duration wait = queues.stream().map(LeasedQueue::shutdownWait).max(Duration::compareTo).orElse(Duration.ZERO);
        long until = System.nanoTime() + wait.toNanos();
        queues.forEach(queue -> queue.awaitIdle(until));
        try {
            Uni.join().all(queues.stream().map(LeasedQueue::giveBack).toList()).andCollectFailures()
                    .await().atMost(LeasedQueue.RELEASE_WAIT);
        } catch (RuntimeException e) {
            LOG.warnf("leases not given back at shutdown (they lapse): %s", e.getMessage());
        }
    }
}
