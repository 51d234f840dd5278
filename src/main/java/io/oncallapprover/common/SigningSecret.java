package io.oncallapprover.common;

import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

/**
 * An organization's webhook signing secret in clear, as incident.io shows it: {@code whsec_} and the
 * base64 of the key bytes (the Standard Webhooks form). Wrapped so that it cannot be logged or
 * serialized by accident: {@link #toString()} shows only the hint.
 */
public final class SigningSecret {

    public static final String PREFIX = "whsec_";

    /** Standard Webhooks secrets are 24 to 64 random bytes. */
    static final int MIN_BYTES = 24;
    static final int MAX_BYTES = 64;

    private final String text;
    private final byte[] key;

    private SigningSecret(String text, byte[] key) {
        this.text = text;
        this.key = key;
    }

    /** The secret, or empty when {@code text} is not {@code whsec_} followed by the base64 of 24 to 64 bytes. */
    public static Optional<SigningSecret> parse(String text) {
        if (text == null || !text.startsWith(PREFIX)) {
            return Optional.empty();
        }
        try {
            byte[] key = Base64.getDecoder().decode(text.substring(PREFIX.length()));
            return key.length < MIN_BYTES || key.length > MAX_BYTES ? Optional.empty()
                    : Optional.of(new SigningSecret(text, key));
        } catch (IllegalArgumentException notBase64) {
            return Optional.empty();
        }
    }

    /** The HMAC key. A copy: nobody can change the secret through it. */
    public byte[] key() {
        return key.clone();
    }

    /** The secret as given: only for encryption. */
    public String reveal() {
        return text;
    }

    public String hint() {
        return ApiKey.hintOf(text);
    }

    @Override
    public String toString() {
        return "SigningSecret[…" + hint() + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SigningSecret other && Arrays.equals(other.key, key);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(key);
    }
}
