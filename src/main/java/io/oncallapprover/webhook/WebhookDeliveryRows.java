package io.oncallapprover.webhook;

import static io.oncallapprover.common.SqlTime.utc;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.oncallapprover.queue.QueueHandler;
import io.oncallapprover.queue.QueueSettings;
import io.oncallapprover.queue.RetryPolicy;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The {@code webhook_delivery} table as a leased queue: due deliveries in the order received, fenced by
 * {@code lease_token}. The outcome is the delivery's recorded text; a failure's is "attempt N: why".
 */
final class WebhookDeliveryRows implements QueueHandler<WebhookDeliveryRows.Delivery> {

    /** A claimed delivery. */
    record Delivery(String orgId, String webhookId, String eventType, JsonNode payload) {
        @Override
        public String toString() {
            return webhookId + " of org " + orgId + " (" + eventType + ")";
        }
    }

    private final WebhookConfig config;
    private final ObjectMapper json;
    private final Function<Delivery, Uni<String>> work;

    WebhookDeliveryRows(WebhookConfig config, ObjectMapper json, Function<Delivery, Uni<String>> work) {
        this.config = config;
        this.json = json;
        this.work = work;
    }

    @Override
    public String kind() {
        return "webhook delivery";
    }

    @Override
    public QueueSettings settings() {
        return new QueueSettings(new RetryPolicy(config.backoff(), config.maxBackoff(), config.maxAttempts()), config.lease(),
                config.batch());
    }

    @Override
    public Uni<List<Delivery>> claim(SqlClient db, String owner, Instant now, Instant leaseUntil, int limit) {
        return db.preparedQuery("update webhook_delivery d set locked_until = $1, lease_token = $2"
                + " from (select org_id, webhook_id, received_at from webhook_delivery where status = 'PENDING'"
                + " and next_attempt_at <= $3 and (locked_until is null or locked_until <= $3)"
                + " order by received_at limit $4 for update skip locked) due"
                + " where d.org_id = due.org_id and d.webhook_id = due.webhook_id"
                + " returning d.org_id, d.webhook_id, d.event_type, d.payload::text as payload, d.received_at")
                .execute(Tuple.of(utc(leaseUntil), owner, utc(now), limit))
                .map(rows -> {
                    List<Row> claimed = new ArrayList<>();
                    rows.forEach(claimed::add);
                    // RETURNING keeps no order: worked in the order received, as claimed
                    claimed.sort(java.util.Comparator.comparing((Row row) -> row.getOffsetDateTime("received_at")));
                    return claimed.stream().map(row -> new Delivery(row.getString("org_id"), row.getString("webhook_id"),
                            row.getString("event_type"), readTree(row.getString("payload")))).toList();
                });
    }

    @Override
    public Uni<Integer> countAttempt(SqlClient db, Delivery row, String owner, Instant leaseUntil) {
        return db.preparedQuery("update webhook_delivery set attempts = attempts + 1, locked_until = $1"
                + " where org_id = $2 and webhook_id = $3 and lease_token = $4 and status = 'PENDING' returning attempts")
                .execute(Tuple.of(utc(leaseUntil), row.orgId(), row.webhookId(), owner))
                .map(rows -> rows.rowCount() == 0 ? null : rows.iterator().next().getInteger("attempts"));
    }

    @Override
    public Uni<String> call(Delivery row, int attempt) {
        return work.apply(row);
    }

    @Override
    public Uni<Boolean> succeeded(SqlClient db, Delivery row, String owner, String outcome, Instant now) {
        return finish(db, row, owner, "DONE", outcome, now, null);
    }

    @Override
    public Uni<Boolean> failed(SqlClient db, Delivery row, String owner, int attempt, String error,
            RetryPolicy.AfterFailure next, Instant now) {
        return next instanceof RetryPolicy.RetryAt retry
                ? finish(db, row, owner, "PENDING", "attempt " + attempt + ": " + error, now, retry.at())
                : finish(db, row, owner, "FAILED", "attempt " + attempt + ": " + error, now, now);
    }

    /** Records the outcome and frees the lease, fenced by it. */
    private Uni<Boolean> finish(SqlClient db, Delivery row, String owner, String status, String outcome, Instant now,
            Instant retryAt) {
        // Typed parameters: in a CASE branch PostgreSQL would infer $3 as text and refuse it for a timestamptz column.
        return db.preparedQuery("update webhook_delivery set status = $1::text, outcome = $2, locked_until = null, lease_token = null,"
                + " processed_at = case when $1::text = 'PENDING' then null else $3::timestamptz end,"
                + " next_attempt_at = coalesce($4, next_attempt_at)"
                + " where org_id = $5 and webhook_id = $6 and lease_token = $7")
                .execute(Tuple.from(List.of(status, outcome.length() > 2000 ? outcome.substring(0, 2000) : outcome, utc(now),
                        retryAt == null ? utc(now) : utc(retryAt), row.orgId(), row.webhookId(), owner)))
                .map(rows -> rows.rowCount() > 0);
    }

    @Override
    public Uni<Integer> release(SqlClient db, List<String> owners) {
        return db.preparedQuery("update webhook_delivery set locked_until = null, lease_token = null"
                + " where lease_token = any($1) and status = 'PENDING'")
                .execute(Tuple.of(owners.toArray(String[]::new)))
                .map(rows -> rows.rowCount());
    }

    private JsonNode readTree(String payload) {
        try {
            return json.readTree(payload);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("a stored delivery is valid JSON", e);
        }
    }

}
