package io.oncallapprover.incidentio;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * The outgoing budget of one incident.io key: a bulkhead (at most {@code maxConcurrent} calls in
 * flight, waiters served in order) and a {@link TokenBucket} whose token is taken when a call
 * actually leaves, once it holds a slot. Nobody holds a slot while waiting for a token.
 */
final class KeyBudget {

    /** Why a call may not go now, and in how many nanoseconds it could. */
    record Refusal(boolean bulkheadFull, long waitNanos) {
    }

    /** Thrown inside {@link #run} when an interactive call finds the budget spent. */
    static final class Refused extends RuntimeException {
        final transient Refusal refusal;

        Refused(Refusal refusal) {
            super(refusal.bulkheadFull() ? "bulkhead full" : "rate budget spent", null, false, false);
            this.refusal = refusal;
        }
    }

    private static final class Waiter {
        final UniEmitter<? super Void> emitter;
        final boolean interactive;
        boolean granted;

        Waiter(UniEmitter<? super Void> emitter, boolean interactive) {
            this.emitter = emitter;
            this.interactive = interactive;
        }
    }

    private final TokenBucket bucket;
    private final int maxConcurrent;
    private final int maxWaiting;
    private final LongSupplier nanos;
    private final Deque<Waiter> waiting = new ArrayDeque<>();
    private int inFlight;
    private int interactiveWaiting;

    KeyBudget(double burst, double perSecond, int maxConcurrent, int maxWaiting, LongSupplier nanos) {
        this.bucket = new TokenBucket(burst, perSecond, nanos.getAsLong());
        this.maxConcurrent = Math.max(1, maxConcurrent);
        this.maxWaiting = Math.max(0, maxWaiting);
        this.nanos = nanos;
    }

    /**
     * Runs {@code call} with a slot and a token. An interactive call that finds no slot free (and the
     * waiting line full) or no token fails at once with {@link Refused}; a background one waits:
     * for a slot in line, for a token via {@code delay}.
     */
    <T> Uni<T> run(boolean interactive, Supplier<Uni<T>> call, java.util.function.LongFunction<Uni<Void>> delay) {
        AtomicBoolean delivered = new AtomicBoolean();
        AtomicBoolean released = new AtomicBoolean();
        return slot(interactive, delivered)
                .invoke(() -> delivered.set(true))
                .chain(() -> {
                    long wait;
                    synchronized (this) {
                        wait = bucket.take(nanos.getAsLong());
                    }
                    if (wait == 0) {
                        return call.get();
                    }
                    if (released.compareAndSet(false, true)) {
                        release();
                    }
                    if (interactive) {
                        return Uni.createFrom().failure(new Refused(new Refusal(false, wait)));
                    }
                    return delay.apply(wait).chain(() -> run(false, call, delay));
                })
                .onTermination().invoke(() -> {
                    if (delivered.get() && released.compareAndSet(false, true)) {
                        release();
                    }
                });
    }

    private Uni<Void> slot(boolean interactive, AtomicBoolean delivered) {
        return Uni.createFrom().emitter(emitter -> {
            Waiter waiter = new Waiter(emitter, interactive);
            boolean now;
            synchronized (this) {
                now = inFlight < maxConcurrent;
                if (now) {
                    inFlight++;
                    waiter.granted = true;
                } else if (interactive && interactiveWaiting >= maxWaiting) {
                    waiter = null;
                } else {
                    waiting.add(waiter);
                    if (interactive) {
                        interactiveWaiting++;
                    }
                }
            }
            if (waiter == null) {
                emitter.fail(new Refused(new Refusal(true, 1_000_000_000L)));
                return;
            }
            Waiter self = waiter;
            emitter.onTermination(() -> {
                boolean leak;
                synchronized (this) {
                    if (waiting.remove(self)) { // gave up waiting (cancelled): never held a slot
                        if (interactive) {
                            interactiveWaiting--;
                        }
                        return;
                    }
                    leak = self.granted && !delivered.get(); // granted, but cancelled before it got the slot
                }
                if (leak) {
                    release();
                }
            });
            if (now) {
                emitter.complete(null);
            }
        });
    }

    /** Frees a slot: handed straight to the first waiter, if any. */
    private void release() {
        Waiter next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) {
                inFlight--;
                return;
            }
            next.granted = true;
            if (next.interactive) {
                interactiveWaiting--;
            }
        }
        next.emitter.complete(null);
    }

    synchronized int inFlight() {
        return inFlight;
    }

    synchronized int waiting() {
        return waiting.size();
    }

    synchronized double tokens() {
        return bucket.available(nanos.getAsLong());
    }
}
