package io.oncallapprover.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.oncallapprover.common.SigningSecret;

/**
 * Verification of a delivery signed as incident.io signs webhooks (the Standard Webhooks scheme):
 * HMAC-SHA256 over {@code webhook-id "." webhook-timestamp "." body} with the secret's key, sent in
 * {@code webhook-signature} as space-separated {@code v1,<base64>} entries (several while a secret is
 * being rotated; one match is enough). Signatures are compared in constant time; a timestamp more
 * than the tolerance away from now, in either direction, is refused, so a captured delivery cannot
 * be replayed later. Pure: no I/O, no clock.
 */
public final class WebhookSignature {

    /** Why a delivery is refused. */
    public enum Refusal {
        MISSING_HEADERS("the webhook-id, webhook-timestamp and webhook-signature headers are required"),
        BAD_TIMESTAMP("webhook-timestamp is not a number of seconds since the epoch"),
        STALE("webhook-timestamp is more than the tolerance away from now (check the sender's clock)"),
        NO_MATCH("no signature matches");

        private final String detail;

        Refusal(String detail) {
            this.detail = detail;
        }

        public String detail() {
            return detail;
        }
    }

    /** The longest header value looked at: a few signatures, never an unbounded loop. */
    static final int MAX_SIGNATURE_HEADER = 4096;

    private WebhookSignature() {
    }

    /** Empty when the delivery is authentic and fresh; else why not. */
    public static Optional<Refusal> verify(SigningSecret secret, String id, String timestamp, String signatures, byte[] body,
            Instant now, Duration tolerance) {
        if (isBlank(id) || isBlank(timestamp) || isBlank(signatures) || signatures.length() > MAX_SIGNATURE_HEADER) {
            return Optional.of(Refusal.MISSING_HEADERS);
        }
        long seconds;
        try {
            seconds = Long.parseLong(timestamp.trim());
        } catch (NumberFormatException e) {
            return Optional.of(Refusal.BAD_TIMESTAMP);
        }
        if (Math.abs(now.getEpochSecond() - seconds) > tolerance.toSeconds()) {
            return Optional.of(Refusal.STALE);
        }
        byte[] expected = sign(secret, id, timestamp.trim(), body);
        boolean matched = false;
        for (String entry : signatures.trim().split(" +")) {
            int comma = entry.indexOf(',');
            if (comma < 0 || !"v1".equals(entry.substring(0, comma))) {
                continue; // another scheme (e.g. v1a, asymmetric): not ours
            }
            byte[] given;
            try {
                given = Base64.getDecoder().decode(entry.substring(comma + 1));
            } catch (IllegalArgumentException notBase64) {
                continue;
            }
            // Every entry is compared, even after a match: the time taken does not tell which one matched.
            matched |= MessageDigest.isEqual(expected, given);
        }
        return matched ? Optional.empty() : Optional.of(Refusal.NO_MATCH);
    }

    /** The signature of a delivery: what a sender puts after {@code v1,} (base64). */
    public static String signature(SigningSecret secret, String id, String timestamp, byte[] body) {
        return Base64.getEncoder().encodeToString(sign(secret, id, timestamp, body));
    }

    private static byte[] sign(SigningSecret secret, String id, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.key(), "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
