package io.oncallapprover.incidentio;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Parses a {@code Retry-After} value. incident.io documents seconds, but its own tooling has treated
 * it as an HTTP date (RFC 1123), and older bodies carried ISO-8601 instants: accept all three.
 */
public final class RetryAfter {

    private RetryAfter() {
    }

    public static Optional<Duration> parse(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String v = value.trim();
        try {
            long seconds = Long.parseLong(v);
            return Optional.of(Duration.ofSeconds(Math.max(0, seconds)));
        } catch (NumberFormatException notSeconds) {
            // fall through to dates
        }
        Instant at = parseDate(v);
        if (at == null) {
            return Optional.empty();
        }
        Duration wait = Duration.between(now, at);
        return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
    }

    private static Instant parseDate(String v) {
        try {
            return ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (DateTimeParseException notRfc1123) {
            // older incident.io bodies: "Thu, 17 Apr 2025 11:17:18 UTC"
        }
        try {
            return ZonedDateTime.parse(v, DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss zzz", java.util.Locale.ENGLISH))
                    .toInstant();
        } catch (DateTimeParseException notZoneName) {
            // try ISO-8601
        }
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException notIso) {
            return null;
        }
    }
}
