package io.oncallapprover.audit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A page of an organization's audit trail, newest first: optional filters (request, action, time) and a
 * cursor, the (time, id) of the last event of the previous page, so pages neither repeat nor skip
 * events as new ones are written.
 */
public record AuditQuery(Optional<String> requestId, Optional<AuditAction> action, Optional<Instant> since,
        Optional<Instant> until, Optional<Cursor> after, int limit) {

    /** Where the previous page ended. */
    public record Cursor(Instant occurredAt, long id) {

        private static final String PREFIX = "au1:";

        public String encode() {
            return io.oncallapprover.common.OpaqueCursor.encode(PREFIX, occurredAt, id);
        }

        /** The cursor, or empty when {@code raw} is not one this service made. */
        public static Optional<Cursor> decode(String raw) {
            return io.oncallapprover.common.OpaqueCursor.decode(PREFIX, raw, 2).flatMap(parts -> {
                try {
                    return Optional.of(new Cursor(Instant.parse(parts.get(0)), Long.parseLong(parts.get(1))));
                } catch (RuntimeException e) {
                    return Optional.empty();
                }
            });
        }
    }

    /** The HQL condition (after {@code from AuditEvent where}); its named parameters go into {@code parameters}. */
    String where(Map<String, Object> parameters, String orgId) {
        List<String> where = new ArrayList<>();
        java.util.function.BiConsumer<String, Map<String, Object>> and = (clause, values) -> {
            where.add(clause);
            parameters.putAll(values);
        };
        and.accept("orgId = :org", Map.of("org", orgId));
        requestId.ifPresent(r -> and.accept("requestId = :request", Map.of("request", r)));
        action.ifPresent(a -> and.accept("action = :action", Map.of("action", a.name())));
        since.ifPresent(t -> and.accept("occurredAt >= :since", Map.of("since", t)));
        until.ifPresent(t -> and.accept("occurredAt < :until", Map.of("until", t)));
        after.ifPresent(c -> and.accept("(occurredAt < :cursorAt or (occurredAt = :cursorAt and id < :cursorId))",
                Map.of("cursorAt", c.occurredAt(), "cursorId", c.id())));
        return String.join(" and ", where);
    }

    static Map<String, Object> parameters() {
        return new HashMap<>();
    }
}
