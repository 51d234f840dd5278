package io.oncallapprover.request;

import static io.oncallapprover.common.SqlTime.utc;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

import io.oncallapprover.queue.QueueHandler;
import io.oncallapprover.queue.QueueSettings;
import io.oncallapprover.queue.RetryPolicy;
import io.oncallapprover.request.ReevaluationJob.Claimed;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Requests waiting to be evaluated again ({@code access_request.reevaluate_at}) as a leased queue, fenced by
 * {@code reevaluate_owner}; the attempts are {@code reevaluations}. A call that answers (approved or not) records
 * its outcome itself, in the transaction that writes the decision ({@link ReevaluationJob#write}); incident.io
 * still unavailable is a failure, retried with back-off for as long as the request is pending: there is no
 * attempt limit, the request's own lapse ends it.
 */
final class ReevaluationRows implements QueueHandler<Claimed> {

    /** Requests claimed at once. */
    static final int BATCH = 20;

    private final RequestsConfig config;
    private final Function<Claimed, Uni<String>> reevaluate;

    ReevaluationRows(RequestsConfig config, Function<Claimed, Uni<String>> reevaluate) {
        this.config = config;
        this.reevaluate = reevaluate;
    }

    @Override
    public String kind() {
        return "re-evaluation of request";
    }

    /**
     * The first re-evaluation is the request's second try (its creation was the first): the wait after the
     * n-th re-evaluation failed is the back-off after n + 1 failures, so the policy starts at twice the first wait.
     */
    @Override
    public QueueSettings settings() {
        return new QueueSettings(new RetryPolicy(config.reevaluateFirst().multipliedBy(2), config.reevaluateMaxBackoff(),
                Integer.MAX_VALUE), config.reevaluateLease(), BATCH);
    }

    @Override
    public Uni<List<Claimed>> claim(SqlClient db, String owner, Instant now, Instant leaseUntil, int limit) {
        return db.preparedQuery("update access_request r set reevaluate_owner = $1, reevaluate_lease_until = $2"
                + " from (select id from access_request where status = 'PENDING' and reevaluate_at <= $3"
                + " and (pending_expires_at is null or pending_expires_at > $3)"
                + " and (reevaluate_lease_until is null or reevaluate_lease_until <= $3)"
                + " order by reevaluate_at limit $4 for update skip locked) due where r.id = due.id"
                + " returning r.id, r.org_id, r.version, r.reevaluate_at")
                .execute(Tuple.of(owner, utc(leaseUntil), utc(now), limit))
                .map(rows -> {
                    List<Row> claimed = new ArrayList<>();
                    rows.forEach(claimed::add);
                    // RETURNING keeps no order: the longest waiting first, as claimed
                    claimed.sort(Comparator.comparing((Row row) -> row.getOffsetDateTime("reevaluate_at")));
                    return claimed.stream()
                            .map(row -> new Claimed(row.getString("id"), row.getString("org_id"), row.getLong("version"), owner))
                            .toList();
                });
    }

    /** Counted without bumping the version, so the decision's write still sees the request as claimed. */
    @Override
    public Uni<Integer> countAttempt(SqlClient db, Claimed request, String owner, Instant leaseUntil) {
        return db.preparedQuery("update access_request set reevaluations = reevaluations + 1, reevaluate_lease_until = $1"
                + " where id = $2 and reevaluate_owner = $3 returning reevaluations")
                .execute(Tuple.of(utc(leaseUntil), request.id(), owner))
                .map(rows -> rows.rowCount() == 0 ? null : rows.iterator().next().getInteger("reevaluations"));
    }

    @Override
    public Uni<String> call(Claimed request, int attempt) {
        return reevaluate.apply(request);
    }

    /** Recorded by the call, with the decision, in one transaction under the lease. */
    @Override
    public Uni<Boolean> succeeded(SqlClient db, Claimed request, String owner, String outcome, Instant now) {
        return Uni.createFrom().item(true);
    }

    /**
     * Frees the lease, fenced; when the request is still pending and unchanged since the claim, sets its next
     * evaluation (none when given up) and bumps its version, as the entity's write would.
     */
    @Override
    public Uni<Boolean> failed(SqlClient db, Claimed request, String owner, int attempt, String error,
            RetryPolicy.AfterFailure next, Instant now) {
        Instant at = next instanceof RetryPolicy.RetryAt retry ? retry.at() : null;
        String unchanged = "(status = 'PENDING' and version = $5 and (pending_expires_at is null or pending_expires_at > $4))";
        return db.preparedQuery("update access_request set reevaluate_owner = null, reevaluate_lease_until = null,"
                + " reevaluate_at = case when " + unchanged + " then $3 else reevaluate_at end,"
                + " updated_at = case when " + unchanged + " then $4 else updated_at end,"
                + " version = case when " + unchanged + " then version + 1 else version end"
                + " where id = $1 and reevaluate_owner = $2")
                .execute(Tuple.of(request.id(), owner, at == null ? null : utc(at), utc(now), request.version()))
                .map(rows -> rows.rowCount() > 0);
    }

    @Override
    public Uni<Integer> release(SqlClient db, List<String> owners) {
        return db.preparedQuery("update access_request set reevaluate_owner = null, reevaluate_lease_until = null"
                + " where reevaluate_owner = any($1)")
                .execute(Tuple.of(owners.toArray(String[]::new)))
                .map(rows -> rows.rowCount());
    }

}
