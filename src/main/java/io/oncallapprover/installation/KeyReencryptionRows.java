package io.oncallapprover.installation;

import static io.oncallapprover.common.SqlTime.utc;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

import io.oncallapprover.installation.KeyReencryptionJob.Stale;
import io.oncallapprover.queue.QueueHandler;
import io.oncallapprover.queue.QueueSettings;
import io.oncallapprover.queue.RetryPolicy;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Installations whose secrets are sealed under an older master key, as a leased queue fenced by
 * {@code reencrypt_owner}. The call re-encrypts and records its success itself, in one transaction with the audit
 * record ({@link KeyReencryptionJob#reencrypt}); a failure (a secret that cannot be opened, say) is backed off and
 * tried again, never given up, as before the queue: the job runs hourly, and each run tries what is due.
 */
final class KeyReencryptionRows implements QueueHandler<Stale> {

    /** Installations claimed at once; a run drains until nothing is due. */
    static final int BATCH = 20;
    /** Holds an installation while it is re-encrypted: one short transaction, no remote call. */
    static final Duration LEASE = Duration.ofSeconds(30);
    /** After a failure: a minute, doubling up to the job's own period (an hour), never given up. */
    static final RetryPolicy RETRY = new RetryPolicy(Duration.ofMinutes(1), Duration.ofHours(1), Integer.MAX_VALUE);

    private final Supplier<String> activePattern;
    private final Function<Stale, Uni<String>> reencrypt;

    /** {@code activePattern}: the {@code like} pattern of a ciphertext sealed under the active master key. */
    KeyReencryptionRows(Supplier<String> activePattern, Function<Stale, Uni<String>> reencrypt) {
        this.activePattern = activePattern;
        this.reencrypt = reencrypt;
    }

    @Override
    public String kind() {
        return "key re-encryption of org";
    }

    @Override
    public QueueSettings settings() {
        return new QueueSettings(RETRY, LEASE, BATCH);
    }

    @Override
    public Uni<List<Stale>> claim(SqlClient db, String owner, Instant now, Instant leaseUntil, int limit) {
        return db.preparedQuery("update incidentio_integration i set reencrypt_owner = $1, reencrypt_lease_until = $2"
                + " from (select org_id from incidentio_integration"
                + " where (api_key_ciphertext not like $5 or webhook_secret_ciphertext not like $5)"
                + " and (reencrypt_next_at is null or reencrypt_next_at <= $3)"
                + " and (reencrypt_lease_until is null or reencrypt_lease_until <= $3)"
                + " order by org_id limit $4 for update skip locked) due where i.org_id = due.org_id returning i.org_id")
                .execute(Tuple.of(owner, utc(leaseUntil), utc(now), limit, activePattern.get()))
                .map(rows -> {
                    List<Stale> claimed = new ArrayList<>();
                    rows.forEach(row -> claimed.add(new Stale(row.getString("org_id"), owner)));
                    return claimed;
                });
    }

    @Override
    public Uni<Integer> countAttempt(SqlClient db, Stale row, String owner, Instant leaseUntil) {
        return db.preparedQuery("update incidentio_integration set reencrypt_attempts = reencrypt_attempts + 1,"
                + " reencrypt_lease_until = $1 where org_id = $2 and reencrypt_owner = $3 returning reencrypt_attempts")
                .execute(Tuple.of(utc(leaseUntil), row.orgId(), owner))
                .map(rows -> rows.rowCount() == 0 ? null : rows.iterator().next().getInteger("reencrypt_attempts"));
    }

    @Override
    public Uni<String> call(Stale row, int attempt) {
        return reencrypt.apply(row);
    }

    /** Recorded by the call, with the new ciphertexts and the audit record, in one transaction under the lease. */
    @Override
    public Uni<Boolean> succeeded(SqlClient db, Stale row, String owner, String outcome, Instant now) {
        return Uni.createFrom().item(true);
    }

    /** Frees the lease, fenced, keeping the error and when to try again ('infinity' once given up). */
    @Override
    public Uni<Boolean> failed(SqlClient db, Stale row, String owner, int attempt, String error, RetryPolicy.AfterFailure next,
            Instant now) {
        Instant at = next instanceof RetryPolicy.RetryAt retry ? retry.at() : null;
        return db.preparedQuery("update incidentio_integration set reencrypt_owner = null, reencrypt_lease_until = null,"
                + " reencrypt_next_at = coalesce($3, 'infinity'::timestamptz), reencrypt_error = $4"
                + " where org_id = $1 and reencrypt_owner = $2")
                .execute(Tuple.of(row.orgId(), owner, at == null ? null : utc(at),
                        "attempt " + attempt + ": " + (error.length() > 2000 ? error.substring(0, 2000) : error)))
                .map(rows -> rows.rowCount() > 0);
    }

    @Override
    public Uni<Integer> release(SqlClient db, List<String> owners) {
        return db.preparedQuery("update incidentio_integration set reencrypt_owner = null, reencrypt_lease_until = null"
                + " where reencrypt_owner = any($1)")
                .execute(Tuple.of(owners.toArray(String[]::new)))
                .map(rows -> rows.rowCount());
    }

}
