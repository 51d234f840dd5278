package io.oncallapprover.problem;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Query parameters read by hand, so that a malformed one is a 400 naming it (JAX-RS would answer 404
 * when it cannot convert a query parameter).
 */
public final class QueryParameters {

    private QueryParameters() {
    }

    /** An integer in {@code [min, max]}, or {@code fallback} when absent. */
    public static int integer(String name, String raw, int fallback, int min, int max) {
        if (raw == null || raw.isEmpty()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw.trim());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ApiException.invalid(name, "must be an integer from " + min + " to " + max);
    }

    /** An ISO-8601 instant ({@code 2026-03-04T12:00:00Z}), if present. */
    public static Optional<Instant> instant(String name, String raw) {
        if (raw == null || raw.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(raw.trim()));
        } catch (DateTimeParseException e) {
            throw ApiException.invalid(name, "must be an ISO-8601 instant such as 2026-03-04T12:00:00Z");
        }
    }

    /** One of an enum's names (case-insensitive), if present. */
    public static <E extends Enum<E>> Optional<E> oneOf(String name, String raw, Class<E> type) {
        if (raw == null || raw.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Enum.valueOf(type, raw.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(name, "must be one of " + String.join(", ",
                    Arrays.stream(type.getEnumConstants()).map(Enum::name).toList()));
        }
    }
}
