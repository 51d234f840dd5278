package io.oncallapprover.idempotency;

import static io.oncallapprover.common.SqlTime.utc;

import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.oncallapprover.idempotency.IdempotencyRules.Seen;
import io.oncallapprover.idempotency.IdempotencyRules.State;
import io.oncallapprover.problem.ApiException;
import io.oncallapprover.problem.ProblemCode;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The {@code idempotency_key} table. Claims, releases and answers kept on their own are single
 * statements on the pool, committed at once and holding no connection across the write; the answer
 * of a write that has an effect is written by {@link #completeInTransaction} in that write's own
 * transaction. Every change after the claim is conditional on the lease token: an attempt whose key
 * was taken over changes nothing.
 */
@ApplicationScoped
public class IdempotencyStore {

    private static final Logger LOG = Logger.getLogger(IdempotencyStore.class);

    @Inject
    Pool pool;

    @Inject
    IdempotencyConfig config;

    @Inject
    Clock clock;

    /** A key as stored: the rules' view of it, the token of its lease, and its answer once DONE. */
    record Found(Seen seen, String token, StoredAnswer answer) {
    }

    /** Takes a key never seen: true when this call inserted it (else it is stored already). */
    Uni<Boolean> insert(Claim claim, String fingerprint, Instant now) {
        return pool.preparedQuery("""
                insert into idempotency_key (org_id, idempotency_key, fingerprint, state, lease_token, locked_until, created_at)
                values ($1, $2, $3, 'IN_PROGRESS', $4, $5, $6) on conflict (org_id, idempotency_key) do nothing""")
                .execute(Tuple.from(List.of(claim.orgId(), claim.key(), fingerprint, claim.token(),
                        utc(now.plus(config.lease())), utc(now))))
                .map(rows -> rows.rowCount() == 1);
    }

    /** The key as stored, or null. */
    Uni<Found> read(String orgId, String key) {
        return pool.preparedQuery("""
                select fingerprint, state, lease_token, locked_until, created_at, response_status, response_location,
                       response_body from idempotency_key where org_id = $1 and idempotency_key = $2""")
                .execute(Tuple.of(orgId, key))
                .map(rows -> rows.size() == 0 ? null : found(rows.iterator().next()));
    }

    /**
     * Takes over a key that is free by the rules (forgotten, or its lease lapsed), on condition that
     * it is still as {@code seen} read it: true when this call took it.
     */
    Uni<Boolean> takeOver(Claim claim, Found seen, String fingerprint, Instant now) {
        return pool.preparedQuery("""
                update idempotency_key set fingerprint = $3, state = 'IN_PROGRESS', lease_token = $4, locked_until = $5,
                       created_at = $6, response_status = null, response_location = null, response_body = null,
                       completed_at = null
                where org_id = $1 and idempotency_key = $2 and lease_token = $7 and state = $8""")
                .execute(Tuple.from(Arrays.asList(claim.orgId(), claim.key(), fingerprint, claim.token(),
                        utc(now.plus(config.lease())), utc(now), seen.token(), seen.seen().state().name())))
                .map(rows -> rows.rowCount() == 1);
    }

    /**
     * Keeps the answer of a write whose effect, if any, is already committed or was none (a refusal
     * without an audit record): true when the claim still held the key.
     */
    Uni<Boolean> complete(Claim claim, StoredAnswer answer) {
        return pool.preparedQuery(COMPLETE)
                .execute(Tuple.from(Arrays.asList(answer.status(), answer.location(), answer.body(), utc(clock.instant()),
                        claim.orgId(), claim.key(), claim.token())))
                .map(rows -> rows.rowCount() == 1);
    }

    private static final String COMPLETE = """
            update idempotency_key set state = 'DONE', response_status = $1, response_location = $2, response_body = $3,
                   completed_at = $4
            where org_id = $5 and idempotency_key = $6 and lease_token = $7 and state = 'IN_PROGRESS'""";

    /**
     * Keeps the answer in the transaction of the write's effect (call it inside it, last). When the
     * claim no longer holds the key (its lease lapsed and a retry took it over) this fails the
     * transaction with 409 CONFLICT: the effect is rolled back, and only the retry's stands.
     */
    Uni<Void> completeInTransaction(Claim claim, StoredAnswer answer) {
        return Panache.getSession().flatMap(session -> session.createNativeQuery("""
                update idempotency_key set state = 'DONE', response_status = :status, response_location = :location,
                       response_body = :body, completed_at = :at
                where org_id = :org and idempotency_key = :key and lease_token = :token and state = 'IN_PROGRESS'""")
                .setParameter("status", answer.status()).setParameter("location", answer.location())
                .setParameter("body", answer.body()).setParameter("at", clock.instant())
                .setParameter("org", claim.orgId()).setParameter("key", claim.key()).setParameter("token", claim.token())
                .executeUpdate())
                .map(updated -> {
                    if (updated != 1) {
                        LOG.warnf("idempotency key of org %s was taken over mid-write; its effect is rolled back", claim.orgId());
                        throw new ApiException(409, ProblemCode.CONFLICT, "Another request with this Idempotency-Key took it"
                                + " over while this one ran; nothing was changed by this one.", List.of(),
                                java.time.Duration.ofSeconds(1), null);
                    }
                    return null;
                });
    }

    /** Gives the key back after an answer that is not kept (5xx, 409...): a retry runs the write again. */
    Uni<Boolean> release(Claim claim) {
        return pool.preparedQuery("delete from idempotency_key where org_id = $1 and idempotency_key = $2"
                + " and lease_token = $3 and state = 'IN_PROGRESS'")
                .execute(Tuple.of(claim.orgId(), claim.key(), claim.token()))
                .map(rows -> rows.rowCount() == 1);
    }

    @Scheduled(every = "${oncall.jobs.idempotency-cleanup-every:1h}", delayed = "1m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> cleanup() {
        return forgetOld().onFailure().recoverWithItem(failure -> {
            LOG.warnf("forgetting old idempotency keys failed: %s", failure.getMessage());
            return 0;
        }).replaceWithVoid();
    }

    /** Deletes the keys older than the retention; answers how many (the rules ignore them already). */
    public Uni<Integer> forgetOld() {
        return pool.preparedQuery("delete from idempotency_key where created_at <= $1")
                .execute(Tuple.of(utc(clock.instant().minus(config.retention()))))
                .map(RowSet::rowCount);
    }

    private static Found found(Row row) {
        Seen seen = new Seen(State.valueOf(row.getString("state")), row.getString("fingerprint"),
                row.getOffsetDateTime("created_at").toInstant(), row.getOffsetDateTime("locked_until").toInstant());
        Integer status = row.getInteger("response_status");
        StoredAnswer answer = status == null ? null
                : new StoredAnswer(status, row.getString("response_location"), row.getString("response_body"));
        return new Found(seen, row.getString("lease_token"), answer);
    }

}
