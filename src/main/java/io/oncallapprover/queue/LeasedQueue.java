package io.oncallapprover.queue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

import io.oncallapprover.common.Spans;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * One leased queue, worked by a {@link QueueHandler}. A drain claims due rows under a fresh owner token
 * (the fence of every later write), then works them one by one in order (or a few at once, as the settings
 * say): the row is readied ({@link QueueHandler#next}), the attempt is counted and the
 * lease renewed right before the call (so a crash during the call still counts, and no call runs on a lease
 * about to lapse), the call runs with no connection held, and its outcome is recorded, retried with
 * back-off or given up at the maximum. A row whose success leaves it more to do (a cursor) is called again at
 * once, each call counted. A row whose lease was lost is left to its new holder. On
 * {@link #stop}, no more claims or calls; the call in flight may finish; the rest is given back.
 * Made by {@link LeasedQueues}, which stops every queue at shutdown.
 */
public final class LeasedQueue<T> {

    private static final Logger LOG = Logger.getLogger(LeasedQueue.class);

    private final QueueHandler<T> handler;
    private final QueueSettings settings;
    private final Pool pool;
    private final Clock clock;
    private final Tracer tracer;

    /** Owner tokens of the claims being worked now (kept while stopping, for {@link #stop} to give back). */
    private final Set<String> held = ConcurrentHashMap.newKeySet();

    /** Claims and attempts in flight: a stop waits for them, so it never frees a row being worked. */
    private final AtomicInteger inFlight = new AtomicInteger();

    private volatile boolean stopping;

    LeasedQueue(QueueHandler<T> handler, Pool pool, Clock clock, Tracer tracer) {
        this.tracer = tracer;
        this.handler = handler;
        this.settings = handler.settings();
        this.pool = pool;
        this.clock = clock;
    }

    /** What one drain did: rows claimed, and calls that succeeded (a cursor row may succeed several times). */
    public record Drained(int claimed, int succeeded) {
    }

    /** Claims the due rows and works them; answers how many were claimed. */
    public Uni<Integer> drainOnce() {
        return drain().map(Drained::claimed);
    }

    /**
     * Claims the due rows and works them: one by one in the claim's order, or up to the settings' {@code parallel}
     * at once.
     */
    public Uni<Drained> drain() {
        String owner = UUID.randomUUID().toString();
        return claim(owner, true)
                .flatMap(claimed -> claimed.isEmpty() ? Uni.createFrom().item(new Drained(0, 0))
                        : worked(claimed, owner)
                                .map(succeeded -> new Drained(claimed.size(), succeeded))
                                .onTermination().invoke(() -> {
                                    if (!stopping) {
                                        held.remove(owner);
                                    }
                                }));
    }

    private Uni<Integer> worked(List<T> claimed, String owner) {
        Multi<T> rows = Multi.createFrom().iterable(claimed);
        Multi<Integer> each = settings.parallel() == 1
                ? rows.onItem().transformToUniAndConcatenate(row -> steps(row, owner, 0))
                : rows.onItem().transformToUni(row -> steps(row, owner, 0)).merge(settings.parallel());
        return each.collect().asList().map(counts -> counts.stream().mapToInt(Integer::intValue).sum());
    }

    /** Claims the due rows now and works none (tests play a worker that dies after claiming); not given back at stop. */
    public Uni<List<T>> claimOnly() {
        return claim(UUID.randomUUID().toString(), false);
    }

    private Uni<List<T>> claim(String owner, boolean hold) {
        return Uni.createFrom().deferred(() -> {
            inFlight.incrementAndGet(); // before the check: either the claim sees the stop, or the stop waits for it
            if (stopping) {
                inFlight.decrementAndGet();
                return Uni.createFrom().item(List.<T> of());
            }
            Instant now = clock.instant();
            return handler.claim(pool, owner, now, now.plus(settings.lease()), settings.batch())
                    .onItemOrFailure().invoke((claimed, failure) -> {
                        if (hold && claimed != null && !claimed.isEmpty()) {
                            held.add(owner); // before the claim stops counting as in flight
                        }
                        inFlight.decrementAndGet();
                    })
                    .onCancellation().invoke(inFlight::decrementAndGet);
        });
    }

    /**
     * Readies, counts, calls and records one row claimed under {@code owner} (again while it continues); never fails
     * (a failure to record lets the lease lapse).
     */
    public Uni<Void> work(T row, String owner) {
        return steps(row, owner, 0).replaceWithVoid();
    }

    /** One call of the row, then the next while a success leaves it more to do; answers the successes. */
    private Uni<Integer> steps(T row, String owner, int succeeded) {
        return step(row, owner).flatMap(next -> next == null ? Uni.createFrom().item(succeeded)
                : handler.continues() ? steps(next, owner, succeeded + 1) : Uni.createFrom().item(succeeded + 1));
    }

    /** Readies, counts, calls and records one call; the row called when it succeeded, else null. */
    private Uni<T> step(T row, String owner) {
        return Uni.createFrom().deferred(() -> {
            inFlight.incrementAndGet();
            if (stopping) {
                inFlight.decrementAndGet();
                return Uni.createFrom().<T> nullItem(); // left claimed: given back by stop
            }
            return handler.next(pool, row, owner, clock.instant())
                    .flatMap(ready -> ready == null ? Uni.createFrom().<T> nullItem()
                            : handler.countAttempt(pool, ready, owner, clock.instant().plus(settings.lease()))
                                    .flatMap(attempt -> attempt == null ? lost(ready).replaceWith((T) null)
                                            : call(ready, owner, attempt)))
                    .onFailure().recoverWithItem(failure -> {
                        LOG.warnf("%s %s: could not record its attempt (%s); its lease lapses and it is taken again",
                                handler.kind(), row, failure.getMessage());
                        return null;
                    })
                    .onTermination().invoke(inFlight::decrementAndGet);
        });
    }

    private Uni<T> call(T row, String owner, int attempt) {
        RetryPolicy retry = settings.retry();
        if (!retry.mayCall(attempt)) {
            int last = attempt - 1;
            LOG.warnf("%s %s: attempt %d ended without an outcome; giving up", handler.kind(), row, last);
            return handler.failed(pool, row, owner, last, "no outcome recorded (the worker stopped during the call)",
                    new RetryPolicy.GiveUp(last), clock.instant())
                    .flatMap(recorded -> recorded ? Uni.createFrom().<T> nullItem() : lost(row).replaceWith((T) null));
        }
        return Uni.createFrom().deferred(() -> sendTraced(row, attempt))
                .onItemOrFailure().transformToUni((outcome, failure) -> {
                    Instant now = clock.instant();
                    if (failure == null) {
                        return handler.succeeded(pool, row, owner, outcome == null ? "done" : outcome, now)
                                .flatMap(recorded -> recorded ? Uni.createFrom().item(row) : lost(row).replaceWith((T) null));
                    }
                    if (failure instanceof LeaseLost) {
                        return lost(row).replaceWith((T) null);
                    }
                    RetryPolicy.AfterFailure next = retry.afterFailure(attempt, now, handler.askedWait(failure),
                            ThreadLocalRandom.current().nextDouble());
                    LOG.warnf("%s %s, attempt %d: %s%s", handler.kind(), row, attempt, handler.describe(failure),
                            next instanceof RetryPolicy.GiveUp ? "; giving up" : "");
                    return handler.failed(pool, row, owner, attempt, handler.describe(failure), next, now)
                            .flatMap(recorded -> recorded ? Uni.createFrom().<T> nullItem() : lost(row).replaceWith((T) null));
                });
    }

    /**
     * The call in a span of its own ("outbox task send", "webhook delivery send"): a root span, as the queue is
     * worked by a timer; the incident.io calls it makes are its children.
     */
    private Uni<String> sendTraced(T row, int attempt) {
        Span span = tracer.spanBuilder(handler.kind() + " send").setSpanKind(SpanKind.CONSUMER)
                .setAttribute("queue.kind", handler.kind())
                .setAttribute("queue.row", String.valueOf(row))
                .setAttribute("queue.attempt", (long) attempt)
                .setAttribute("queue.retry", attempt > 1)
                .startSpan();
        return Spans.within(span, () -> handler.call(row, attempt),
                (outcome, failure) -> span.setAttribute("queue.outcome", failure == null ? String.valueOf(outcome) : "failed"));
    }

    private Uni<Void> lost(T row) {
        LOG.infof("%s %s: its lease was lost; left to its holder", handler.kind(), row);
        return Uni.createFrom().voidItem();
    }

    /**
     * Stops claiming and calling, waits at most {@code wait} for what is in flight, then gives back the
     * leases held here, so another replica takes the rows at once rather than after the lease. Blocks:
     * called at shutdown (and by tests), off the event loop.
     */
    public void stop(Duration wait) {
        markStopping();
        awaitIdle(System.nanoTime() + wait.toNanos());
        giveBack().await().atMost(RELEASE_WAIT);
    }

    /** What a shutdown waits at most for the update that gives the leases back. */
    static final Duration RELEASE_WAIT = Duration.ofSeconds(5);

    void markStopping() {
        stopping = true;
    }

    /** Waits until nothing is in flight, or until {@code untilNanos} ({@link System#nanoTime()}). */
    void awaitIdle(long untilNanos) {
        while (inFlight.get() > 0 && System.nanoTime() < untilNanos) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Frees the rows claimed here and not worked; never fails (unreleased leases lapse). */
    Uni<Void> giveBack() {
        List<String> owners = List.copyOf(held);
        if (owners.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return handler.release(pool, owners)
                .invoke(released -> {
                    held.removeAll(owners);
                    LOG.infof("%s queue stopped: gave back %d claimed row(s) to other replicas", handler.kind(), released);
                })
                .onFailure().invoke(e -> LOG.warnf("%s queue stopped without giving back its leases (they lapse after %d s): %s",
                        handler.kind(), settings.lease().toSeconds(), e.getMessage()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    Duration shutdownWait() {
        return settings.shutdownWait();
    }

    /** Works again after {@link #stop} (tests). */
    public void resume() {
        stopping = false;
    }
}
