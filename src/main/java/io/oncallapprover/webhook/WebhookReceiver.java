package io.oncallapprover.webhook;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import io.oncallapprover.common.SigningSecret;
import io.oncallapprover.organization.OrgSnapshot;
import io.oncallapprover.organization.OrgSnapshots;
import io.oncallapprover.problem.ApiException;
import io.oncallapprover.problem.FieldError;
import io.oncallapprover.problem.ProblemCode;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Takes a webhook delivery from incident.io: verifies it against the organization's signing secret,
 * and stores it durably before answering, so the answer is fast and nothing is lost if this replica
 * stops right after; {@link WebhookProcessor} does the work. A delivery whose {@code webhook-id} was
 * seen before is acknowledged and ignored. Anything that cannot be verified (no such organization, no
 * secret set, a wrong signature, a stale timestamp) is refused with 401 and nothing is stored.
 * <p>
 * Refusing is cheap, so a flood of forged deliveries costs little: an organization without an installation is
 * remembered as such for a while ({@link OrgSnapshots#ofInstalled}: no database read after the first), and
 * refusals are logged at most once a minute per organization ({@link RefusalLog}). Verified deliveries take a
 * token of the organization's limit ({@link DeliveryLimits}); past it, 429 with Retry-After and nothing stored.
 */
@ApplicationScoped
public class WebhookReceiver {

    /** Longest webhook-id kept (Svix ids are about 30 characters). */
    static final int MAX_ID = 200;

    private static final ObjectMapper JSON = JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

    /** What was done with a delivery. */
    public record Receipt(String webhookId, String eventType, boolean duplicate) {
    }

    @Inject
    OrgSnapshots snapshots;

    @Inject
    WebhookConfig config;

    @Inject
    WebhookProcessor processor;

    @Inject
    Pool pool;

    @Inject
    DeliveryLimits limits;

    @Inject
    RefusalLog refusals;

    @Inject
    Clock clock;

    public Uni<Receipt> receive(String orgId, String id, String timestamp, String signatures, byte[] body) {
        if (body.length > config.maxBodyBytes()) {
            return Uni.createFrom().failure(new ApiException(413, ProblemCode.PAYLOAD_TOO_LARGE,
                    "A webhook delivery may hold at most " + config.maxBodyBytes() + " bytes; nothing was stored."));
        }
        return snapshots.ofInstalled(orgId).flatMap(org -> {
            Instant now = clock.instant();
            Optional<SigningSecret> secret = org.flatMap(OrgSnapshot::installation).flatMap(OrgSnapshot.Installed::webhookSecret);
            // No organization, no installation, no secret: refused like a forged signature, so nothing tells them apart.
            Optional<WebhookSignature.Refusal> refusal = secret.isEmpty() ? Optional.of(WebhookSignature.Refusal.NO_MATCH)
                    : WebhookSignature.verify(secret.get(), id, timestamp, signatures, body, now, config.tolerance());
            if (refusal.isPresent()) {
                refusals.refused("unverified", orgId, "webhook delivery " + id + " for org " + orgId + " refused: "
                        + refusal.get().detail() + (secret.isEmpty() ? " (no signing secret is set for this organization)" : ""));
                throw new ApiException(401, ProblemCode.WEBHOOK_UNVERIFIED,
                        "The delivery was refused and nothing was stored: " + refusal.get().detail() + ".");
            }
            Optional<java.time.Duration> wait = limits.take(orgId);
            if (wait.isPresent()) {
                refusals.refused("limit", orgId, "webhook delivery " + id + " for org " + orgId
                        + " refused: over the organization's limit of " + config.limit().perMinute() + " a minute");
                throw new ApiException(429, ProblemCode.TOO_MANY_REQUESTS, "This organization's webhook deliveries are over"
                        + " their limit (" + config.limit().burst() + " at once, " + config.limit().perMinute()
                        + " a minute); nothing was stored. Retry after the time Retry-After gives.", List.of(), wait.get(), null);
            }
            if (id.length() > MAX_ID) {
                throw ApiException.invalid("webhook-id", "must be at most " + MAX_ID + " characters");
            }
            JsonNode event = parse(body);
            return store(orgId, id, IncidentIoEvent.typeOf(event), event.toString(), now);
        });
    }

    private static JsonNode parse(byte[] body) {
        JsonNode event;
        try {
            event = JSON.readTree(body);
        } catch (java.io.IOException e) {
            event = null;
        }
        if (event == null || !event.isObject() || IncidentIoEvent.typeOf(event) == null) {
            throw new ApiException(400, ProblemCode.MALFORMED_BODY,
                    "A webhook delivery is a JSON object with an event_type; nothing was stored.",
                    List.of(new FieldError("event_type", "is required")), null, null);
        }
        return event;
    }

    /** Stores a new delivery (one statement: it is there or it is not); a known id stores nothing. */
    private Uni<Receipt> store(String orgId, String id, String eventType, String payload, Instant now) {
        OffsetDateTime at = io.oncallapprover.common.SqlTime.utc(now);
        return pool.preparedQuery("insert into webhook_delivery (org_id, webhook_id, event_type, payload, received_at, status,"
                + " next_attempt_at) values ($1, $2, $3, $4::text::jsonb, $5, 'PENDING', $5) on conflict do nothing")
                .execute(Tuple.of(orgId, id, eventType, payload, at))
                .map(rows -> new Receipt(id, eventType, rows.rowCount() == 0))
                .invoke(receipt -> {
                    if (!receipt.duplicate() && config.processOnReceipt()) {
                        processor.kick();
                    }
                });
    }
}
