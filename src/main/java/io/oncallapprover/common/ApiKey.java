package io.oncallapprover.common;

import java.util.Objects;

/**
 * An organization's incident.io API key in clear. Wrapped so that it cannot be logged or serialized
 * by accident: {@link #toString()} shows only the hint.
 */
public final class ApiKey {

    private final String value;

    public ApiKey(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    /** The secret itself: only for the Authorization header and for encryption. */
    public String reveal() {
        return value;
    }

    /** Last four characters, safe to show to admins. */
    public String hint() {
        return hintOf(value);
    }

    public static String hintOf(String key) {
        return key.length() <= 4 ? "****" : key.substring(key.length() - 4);
    }

    @Override
    public String toString() {
        return "ApiKey[…" + hint() + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ApiKey other && other.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }
}
