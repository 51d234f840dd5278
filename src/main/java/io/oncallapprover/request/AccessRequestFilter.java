package io.oncallapprover.request;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.oncallapprover.request.AccessRequest.IncidentState;
import io.oncallapprover.request.AccessRequest.Status;

/**
 * What a listing of access requests asks for, and the query that answers it: filters, newest first
 * ({@code createdAt}, then {@code id}), keyset pagination from an opaque cursor. The status is the
 * status as of {@code now}, as views show it: a grant that has ended is EXPIRED before the expiry
 * job writes it.
 */
public record AccessRequestFilter(Optional<Status> status, Optional<String> requester, Optional<IncidentState> incident,
        Optional<Instant> createdAfter, Optional<Instant> createdBefore, Optional<Cursor> after, int limit) {

    /** Where a page ends: the last request shown. */
    public record Cursor(Instant createdAt, String id) {

        public String encode() {
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString((createdAt + "|" + id).getBytes(StandardCharsets.UTF_8));
        }

        /** The cursor, or empty when {@code raw} is not one this service made. */
        public static Optional<Cursor> decode(String raw) {
            try {
                String text = new String(Base64.getUrlDecoder().decode(raw), StandardCharsets.UTF_8);
                int bar = text.indexOf('|');
                String id = text.substring(bar + 1);
                if (bar < 0 || !id.matches(io.oncallapprover.common.Ids.REQUEST_ID)) {
                    return Optional.empty();
                }
                return Optional.of(new Cursor(Instant.parse(text.substring(0, bar)), id));
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        }
    }

    /** A Panache query (HQL after {@code from AccessRequest where}) with its named parameters. */
    public record Query(String where, Map<String, Object> parameters) {
    }

    public Query query(String orgId, Instant now) {
        List<String> where = new ArrayList<>();
        Map<String, Object> parameters = new HashMap<>();
        where.add("orgId = :org");
        parameters.put("org", orgId);
        status.ifPresent(s -> {
            where.add(switch (s) {
                case PENDING -> "(status = :pending and (pendingExpiresAt is null or pendingExpiresAt > :now))";
                case APPROVED -> "(status = :approved and (grantExpiresAt is null or grantExpiresAt > :now))";
                case DENIED -> "status = :denied";
                case EXPIRED -> "(status = :expired or (status = :approved and grantExpiresAt <= :now)"
                        + " or (status = :pending and pendingExpiresAt <= :now))";
            });
            switch (s) {
                case PENDING -> parameters.put("pending", Status.PENDING);
                case APPROVED -> parameters.put("approved", Status.APPROVED);
                case DENIED -> parameters.put("denied", Status.DENIED);
                case EXPIRED -> {
                    parameters.put("expired", Status.EXPIRED);
                    parameters.put("approved", Status.APPROVED);
                    parameters.put("pending", Status.PENDING);
                }
            }
            if (s != Status.DENIED) {
                parameters.put("now", now);
            }
        });
        requester.ifPresent(r -> {
            where.add("requester = :requester");
            parameters.put("requester", r);
        });
        incident.ifPresent(i -> {
            where.add("incidentState = :incident");
            parameters.put("incident", i);
        });
        createdAfter.ifPresent(t -> {
            where.add("createdAt >= :createdAfter");
            parameters.put("createdAfter", t);
        });
        createdBefore.ifPresent(t -> {
            where.add("createdAt < :createdBefore");
            parameters.put("createdBefore", t);
        });
        after.ifPresent(c -> {
            where.add("(createdAt < :cursorAt or (createdAt = :cursorAt and id < :cursorId))");
            parameters.put("cursorAt", c.createdAt());
            parameters.put("cursorId", c.id());
        });
        return new Query(String.join(" and ", where), parameters);
    }
}
