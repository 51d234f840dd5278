package io.oncallapprover.audit;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
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
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString((PREFIX + occurredAt + "|" + id).getBytes(StandardCharsets.UTF_8));
        }

        /** The cursor, or empty when {@code raw} is not one this service made. */
        public static Optional<Cursor> decode(String raw) {
            try {
                String text = new String(Base64.getUrlDecoder().decode(raw.trim()), StandardCharsets.UTF_8);
                int bar = text.indexOf('|');
                if (!text.startsWith(PREFIX) || bar < 0) {
                    return Optional.empty();
                }
                return Optional.of(new Cursor(Instant.parse(text.substring(PREFIX.length(), bar)),
                        Long.parseLong(text.substring(bar + 1))));
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        }
    }

    /** The HQL condition (after {@code from AuditEvent where}) and its named parameters. */
    String where(Map<String, Object> parameters, String orgId) {
        List<String> where = new ArrayList<>();
        where.add("orgId = :org");
        parameters.put("org", orgId);
        requestId.ifPresent(r -> {
            where.add("requestId = :request");
            parameters.put("request", r);
        });
        action.ifPresent(a -> {
            where.add("action = :action");
            parameters.put("action", a.name());
        });
        since.ifPresent(t -> {
            where.add("occurredAt >= :since");
            parameters.put("since", t);
        });
        until.ifPresent(t -> {
            where.add("occurredAt < :until");
            parameters.put("until", t);
        });
        after.ifPresent(c -> {
            where.add("(occurredAt < :cursorAt or (occurredAt = :cursorAt and id < :cursorId))");
            parameters.put("cursorAt", c.occurredAt());
            parameters.put("cursorId", c.id());
        });
        return String.join(" and ", where);
    }

    static Map<String, Object> parameters() {
        return new HashMap<>();
    }
}
