package io.oncallapprover.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;

/**
 * One kind of leased queue: its table's SQL and its call. The {@link LeasedQueue} decides the order (claim,
 * count the attempt, call, record, give back); the handler says how each step reads and writes its rows.
 * Every write after the claim must be conditioned on the lease owner token, and answer false (or null) when
 * no row matched: the lease was lost and the row belongs to another worker now.
 *
 * @param <T> a claimed row, as the call needs it
 */
public interface QueueHandler<T> {

    /** For logs and metrics: what the rows are. */
    String kind();

    RetryPolicy retryPolicy();

    /** How long a claim (and each renewal before a call) holds a row from other workers. */
    Duration lease();

    /** Rows claimed at once; worked one by one, in the order {@link #claim} answers them. */
    int batch();

    /**
     * Claims at most {@code limit} due rows whose lease is free or lapsed, with {@code FOR UPDATE SKIP LOCKED},
     * setting their lease to {@code owner} until {@code leaseUntil}. Counts no attempt.
     */
    Uni<List<T>> claim(SqlClient db, String owner, Instant now, Instant leaseUntil, int limit);

    /** Counts one attempt and renews the lease to {@code leaseUntil}, fenced; its number, or null if the lease was lost. */
    Uni<Integer> countAttempt(SqlClient db, T row, String owner, Instant leaseUntil);

    /** The work; it holds no database connection of the queue's. Its answer is the outcome to record. */
    Uni<String> call(T row, int attempt);

    /** Records success and frees the lease, fenced; false if the lease was lost. */
    Uni<Boolean> succeeded(SqlClient db, T row, String owner, String outcome, Instant now);

    /** Records a failure (retry or give-up, as {@code next} says) and frees the lease, fenced; false if the lease was lost. */
    Uni<Boolean> failed(SqlClient db, T row, String owner, int attempt, String error, RetryPolicy.AfterFailure next, Instant now);

    /** Frees the leases of {@code owners} on rows not yet finished (at shutdown); how many. */
    Uni<Integer> release(SqlClient db, List<String> owners);

    /** How long a shutdown waits for a call in flight before giving the leases back. */
    default Duration shutdownWait() {
        return Duration.ofSeconds(5);
    }

    /** The error recorded for a failed call. */
    default String describe(Throwable failure) {
        return String.valueOf(failure.getMessage());
    }

    /** How long the other side asked to wait after {@code failure} (Retry-After), or null. */
    default Duration askedWait(Throwable failure) {
        return null;
    }
}
