package io.oncallapprover.request;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

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
            return io.oncallapprover.common.OpaqueCursor.encode("", createdAt, id);
        }

        /** The cursor, or empty when {@code raw} is not one this service made. */
        public static Optional<Cursor> decode(String raw) {
            return io.oncallapprover.common.OpaqueCursor.decode("", raw, 2).flatMap(parts -> {
                try {
                    return parts.get(1).matches(io.oncallapprover.common.Ids.REQUEST_ID)
                            ? Optional.of(new Cursor(Instant.parse(parts.get(0)), parts.get(1))) : Optional.empty();
                } catch (java.time.format.DateTimeParseException e) {
                    return Optional.empty();
                }
            });
        }
    }

    /** A Panache query (HQL after {@code from AccessRequest where}) with its named parameters. */
    public record Query(String where, Map<String, Object> parameters) {
    }

    public Query query(String orgId, Instant now) {
        List<String> where = new ArrayList<>();
        Map<String, Object> parameters = new HashMap<>();
        BiConsumer<String, Map<String, Object>> and = (clause, values) -> {
            where.add(clause);
            parameters.putAll(values);
        };
        and.accept("orgId = :org", Map.of("org", orgId));
        status.ifPresent(s -> and.accept(switch (s) {
            case PENDING -> "(status = :pending and (pendingExpiresAt is null or pendingExpiresAt > :now))";
            case APPROVED -> "(status = :approved and (grantExpiresAt is null or grantExpiresAt > :now))";
            case DENIED -> "status = :denied";
            case WITHDRAWN -> "status = :withdrawn";
            case EXPIRED -> "(status = :expired or (status = :approved and grantExpiresAt <= :now)"
                    + " or (status = :pending and pendingExpiresAt <= :now))";
        }, switch (s) {
            case PENDING -> Map.of("pending", Status.PENDING, "now", now);
            case APPROVED -> Map.of("approved", Status.APPROVED, "now", now);
            case DENIED -> Map.of("denied", Status.DENIED);
            case WITHDRAWN -> Map.of("withdrawn", Status.WITHDRAWN);
            case EXPIRED -> Map.of("expired", Status.EXPIRED, "approved", Status.APPROVED, "pending", Status.PENDING,
                    "now", now);
        }));
        requester.ifPresent(r -> and.accept("requester = :requester", Map.of("requester", r)));
        incident.ifPresent(i -> and.accept("incidentState = :incident", Map.of("incident", i)));
        createdAfter.ifPresent(t -> and.accept("createdAt >= :createdAfter", Map.of("createdAfter", t)));
        createdBefore.ifPresent(t -> and.accept("createdAt < :createdBefore", Map.of("createdBefore", t)));
        after.ifPresent(c -> and.accept("(createdAt < :cursorAt or (createdAt = :cursorAt and id < :cursorId))",
                Map.of("cursorAt", c.createdAt(), "cursorId", c.id())));
        return new Query(String.join(" and ", where), parameters);
    }
}
