package io.oncallapprover.idempotency;

import java.util.List;
import java.util.Optional;

import io.oncallapprover.problem.ApiException;
import io.oncallapprover.problem.FieldError;

/**
 * The value of an {@code Idempotency-Key} header: 1 to 255 printable ASCII characters (space to
 * {@code ~}), taken as sent (the quotes of the draft's structured-string form, if any, are part of
 * it). Plain Java.
 */
public record IdempotencyKey(String value) {

    public static final String HEADER = "Idempotency-Key";
    public static final int MAX_LENGTH = 255;
    /** The OpenAPI pattern of the header. */
    public static final String PATTERN = "^[\\x20-\\x7E]{1,255}$";
    static final String MESSAGE = "must be 1 to 255 printable ASCII characters";

    public IdempotencyKey {
        if (!valid(value)) {
            throw ApiException.invalid("The request is invalid: " + HEADER + " header " + MESSAGE + ".",
                    List.of(new FieldError(HEADER, MESSAGE)));
        }
    }

    /** The key of a request: empty without the header, a 400 VALIDATION_FAILED naming the header when it is not a key. */
    public static Optional<IdempotencyKey> of(String header) {
        return header == null ? Optional.empty() : Optional.of(new IdempotencyKey(header));
    }

    static boolean valid(String value) {
        if (value == null || value.isEmpty() || value.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                return false;
            }
        }
        return true;
    }
}
