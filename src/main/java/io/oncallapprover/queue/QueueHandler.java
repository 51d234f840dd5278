package io.oncallapprover.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;

/**
 * One kind of leased queue: its table's SQL and its call. The {@link LeasedQueue} decides the order (claim,
 * ready the row, count the attempt, call, record, give back); the handler says how each step reads and writes
 * its rows. Every write after the claim must be conditioned on the lease owner token, and answer false (or
 * null) when no row matched: the lease was lost and the row belongs to another worker now.
 *
 * @param <T> a claimed row, as the call needs it
 */
public interface QueueHandler<T> {

    /** For logs and metrics: what the rows are. */
    String kind();

    /** Retry policy, lease, batch, parallelism and shutdown wait. */
    QueueSettings settings();

    /**
     * Claims at most {@code limit} due rows whose lease is free or lapsed, with {@code FOR UPDATE SKIP LOCKED},
     * setting their lease to {@code owner} until {@code leaseUntil}. Counts no attempt.
     */
    Uni<List<T>> claim(SqlClient db, String owner, Instant now, Instant leaseUntil, int limit);

    /**
     * Readies a row for its next call, before the attempt is counted: a row that is a cursor over items reads
     * what comes next and passes over what needs no call. Null when nothing is left to call: the handler then
     * recorded that and freed the lease, fenced (or found the lease lost). Called after the claim and, for a
     * handler that {@link #continues()}, after each success. Default: the row as it is.
     */
    default Uni<T> next(SqlClient db, T row, String owner, Instant now) {
        return Uni.createFrom().item(row);
    }

    /**
     * Whether a success leaves the row claimed with more to do (a cursor moved on, its lease kept): the row is
     * then worked again at once, through {@link #next}, each call with an attempt of its own. Default: a success
     * finishes the row and frees its lease.
     */
    default boolean continues() {
        return false;
    }

    /** Counts one attempt and renews the lease to {@code leaseUntil}, fenced; its number, or null if the lease was lost. */
    Uni<Integer> countAttempt(SqlClient db, T row, String owner, Instant leaseUntil);

    /** The work; it holds no database connection of the queue's. Its answer is the outcome to record. */
    Uni<String> call(T row, int attempt);

    /**
     * Records success, fenced; false if the lease was lost. Frees the lease, unless the handler {@link #continues()}
     * (then {@link #next} frees it when nothing is left).
     */
    Uni<Boolean> succeeded(SqlClient db, T row, String owner, String outcome, Instant now);

    /** Records a failure (retry or give-up, as {@code next} says) and frees the lease, fenced; false if the lease was lost. */
    Uni<Boolean> failed(SqlClient db, T row, String owner, int attempt, String error, RetryPolicy.AfterFailure next, Instant now);

    /** Frees the leases of {@code owners} on rows not yet finished (at shutdown); how many. */
    Uni<Integer> release(SqlClient db, List<String> owners);

    /** The error recorded for a failed call. */
    default String describe(Throwable failure) {
        return String.valueOf(failure.getMessage());
    }

    /** How long the other side asked to wait after {@code failure} (Retry-After), or null. */
    default Duration askedWait(Throwable failure) {
        return null;
    }
}
