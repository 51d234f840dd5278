package io.oncallapprover.incidentio;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * The outgoing budget of one incident.io key on this replica: a bulkhead (at most
 * {@code maxConcurrent} calls in flight, waiters served in order) and a {@link TokenBucket} whose
 * token is taken when a call actually leaves, once it holds a slot. Nobody holds a slot while waiting
 * for a token. The bucket is this replica's share of the key's limit ({@code share}, read before each
 * take, so a new share applies to the next call).
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
    private final double fullCapacity;
    private final double fullPerSecond;
    private final java.util.function.DoubleSupplier share;
    private double appliedShare;
    private final int maxConcurrent;
    private final int maxWaiting;
    private final LongSupplier nanos;
    private final double minCapacity;
    private final Deque<Waiter> waiting = new ArrayDeque<>();
    private int inFlight;
    private int interactiveWaiting;

    /** A budget of the whole limit (one replica alone). */
    KeyBudget(double burst, double perSecond, int maxConcurrent, int maxWaiting, LongSupplier nanos) {
        this(burst, perSecond, () -> 1.0, 1.0, maxConcurrent, maxWaiting, nanos);
    }

    /**
     * {@code share} (0 to 1) of a limit of {@code burst} tokens refilled at {@code perSecond}; the
     * capacity is at least {@code minCapacity} while the share is not zero, so a small share still lets
     * one call go.
     */
    KeyBudget(double burst, double perSecond, java.util.function.DoubleSupplier share, double minCapacity,
            int maxConcurrent, int maxWaiting, LongSupplier nanos) {
        this.fullCapacity = burst;
        this.fullPerSecond = perSecond;
        this.share = share;
        this.minCapacity = minCapacity;
        this.appliedShare = clamp(share.getAsDouble());
        this.bucket = new TokenBucket(capacityAt(appliedShare), perSecond * appliedShare, nanos.getAsLong());
        this.maxConcurrent = Math.max(1, maxConcurrent);
        this.maxWaiting = Math.max(0, maxWaiting);
        this.nanos = nanos;
    }

    /**
     * Runs {@code call} with a slot and a token. Every call waits for a token via {@code delay} when
     * the token comes by {@code latestStartNanos} (on the {@code nanos} clock; an interactive caller's
     * deadline, {@link Long#MAX_VALUE} for background work); one whose token would come later fails at
     * once with {@link Refused}, saying how long the wait would be. An interactive call that finds no
     * slot free and the waiting line full fails at once; a background one waits in line.
     */
    <T> Uni<T> run(boolean interactive, long latestStartNanos, Supplier<Uni<T>> call,
            java.util.function.LongFunction<Uni<Void>> delay) {
        AtomicBoolean delivered = new AtomicBoolean();
        AtomicBoolean released = new AtomicBoolean();
        return slot(interactive, delivered)
                .invoke(() -> delivered.set(true))
                .chain(() -> {
                    long wait;
                    long now = nanos.getAsLong();
                    synchronized (this) {
                        applyShare(now);
                        wait = bucket.take(now);
                    }
                    if (wait == 0) {
                        return call.get();
                    }
                    if (released.compareAndSet(false, true)) {
                        release();
                    }
                    if (latestStartNanos != Long.MAX_VALUE
                            && (latestStartNanos == Long.MIN_VALUE || now + wait - latestStartNanos > 0)) {
                        return Uni.createFrom().failure(new Refused(new Refusal(false, wait)));
                    }
                    return delay.apply(wait).chain(() -> run(interactive, latestStartNanos, call, delay));
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

    /** Resizes the bucket when the replica's share changed since the last take. Under the lock. */
    private void applyShare(long now) {
        double current = clamp(share.getAsDouble());
        if (current != appliedShare) {
            appliedShare = current;
            bucket.resize(capacityAt(current), fullPerSecond * current, now);
        }
    }

    private double capacityAt(double s) {
        return s <= 0 ? 0 : Math.max(minCapacity, fullCapacity * s);
    }

    private static double clamp(double s) {
        return Double.isNaN(s) ? 0 : Math.max(0, Math.min(1, s));
    }

    synchronized int inFlight() {
        return inFlight;
    }

    synchronized int waiting() {
        return waiting.size();
    }

    synchronized double tokens() {
        long now = nanos.getAsLong();
        applyShare(now);
        return bucket.available(now);
    }
}
