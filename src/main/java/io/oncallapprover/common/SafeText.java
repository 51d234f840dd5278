package io.oncallapprover.common;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.BeanProperty;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.deser.ContextualDeserializer;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;

/**
 * Text a caller may send: no control characters but newline and tab, no bidirectional overrides or
 * isolates (they make text read differently from what it holds), no unpaired surrogates (not text at
 * all; PostgreSQL refuses them). Applied to every string field of our own request bodies while
 * JSON is read, so hostile text is a 400 naming the field, never a 500 from the database.
 */
public final class SafeText {

    private SafeText() {
    }

    /** Why {@code value} is refused, or null when it is acceptable. */
    public static String problem(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\n' && c != '\t') || (c >= 0x7F && c <= 0x9F)) {
                return "must not contain control characters (found U+" + hex(c) + ")";
            }
            if ((c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069')) {
                return "must not contain bidirectional overrides (found U+" + hex(c) + ")";
            }
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "must not contain unpaired surrogates";
            }
        }
        return null;
    }

    /** {@code value} with every character {@link #problem} would refuse written as a {@code \\uXXXX} escape. */
    public static String escape(String value) {
        if (value == null || problem(value) == null) {
            return value;
        }
        StringBuilder out = new StringBuilder(value.length() + 16);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1));
            if (pair) {
                out.append(c).append(value.charAt(++i));
            } else if (c == '\n' || c == '\t' || problem(String.valueOf(c)) == null) {
                out.append(c);
            } else {
                out.append("\\u").append(hex(c));
            }
        }
        return out.toString();
    }

    private static String hex(char c) {
        return String.format("%04X", (int) c);
    }

    /** Raised for a refused string; the problem mapper names the field and says why. */
    public static final class RefusedTextException extends InvalidFormatException {

        RefusedTextException(JsonParser parser, String message, String value) {
            super(parser, message, value, String.class);
        }
    }

    /**
     * String deserializer that checks the strings of this service's own types and leaves others
     * alone: incident.io's answers (in {@code io.oncallapprover.incidentio}) are data we read, not
     * input we store, and a user's odd display name must not fail an on-call check.
     */
    public static final class Deserializer extends StdDeserializer<String> implements ContextualDeserializer {

        private static final String OURS = "io.oncallapprover.";
        private static final String UPSTREAM = "io.oncallapprover.incidentio.";

        private final boolean check;

        public Deserializer() {
            this(false);
        }

        private Deserializer(boolean check) {
            super(String.class);
            this.check = check;
        }

        @Override
        public JsonDeserializer<?> createContextual(DeserializationContext ctxt, BeanProperty property) {
            if (property == null || property.getMember() == null) {
                return this;
            }
            String owner = property.getMember().getDeclaringClass().getName();
            boolean ours = owner.startsWith(OURS) && !owner.startsWith(UPSTREAM);
            return ours == check ? this : new Deserializer(ours);
        }

        @Override
        public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            String value = StringDeserializer.instance.deserialize(p, ctxt);
            if (check && value != null) {
                String problem = problem(value);
                if (problem != null) {
                    throw new RefusedTextException(p, problem, value);
                }
            }
            return value;
        }
    }
}
