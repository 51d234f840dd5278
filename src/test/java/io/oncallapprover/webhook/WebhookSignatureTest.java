package io.oncallapprover.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.oncallapprover.common.SigningSecret;
import io.oncallapprover.webhook.WebhookSignature.Refusal;

class WebhookSignatureTest {

    /** The test vector published with the Standard Webhooks specification (checked with openssl too). */
    static final SigningSecret SPEC_SECRET = SigningSecret.parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").orElseThrow();
    static final String SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    static final String SPEC_TIMESTAMP = "1614265330";
    static final byte[] SPEC_BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
    static final String SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    static final Instant SPEC_NOW = Instant.ofEpochSecond(1614265330);
    static final Duration TOLERANCE = Duration.ofMinutes(5);

    @Test
    void theSpecificationsVectorVerifies() {
        assertThat(WebhookSignature.signature(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY))
                .isEqualTo(SPEC_SIGNATURE.substring(3));
        assertThat(verify(SPEC_SIGNATURE, SPEC_NOW)).isEmpty();
    }

    @Test
    void oneMatchAmongSeveralSignaturesIsEnough() {
        assertThat(verify("v1,AAAA v1a,whatever " + SPEC_SIGNATURE + " v2,zzz", SPEC_NOW)).isEmpty();
    }

    @Test
    void otherSchemesAndGarbageNeverMatch() {
        String sig = SPEC_SIGNATURE.substring(3);
        assertThat(verify("v1a," + sig, SPEC_NOW)).contains(Refusal.NO_MATCH);
        assertThat(verify("v2," + sig, SPEC_NOW)).contains(Refusal.NO_MATCH);
        assertThat(verify(sig, SPEC_NOW)).contains(Refusal.NO_MATCH);
        assertThat(verify("v1,!!notbase64!!", SPEC_NOW)).contains(Refusal.NO_MATCH);
        assertThat(verify("v1,", SPEC_NOW)).contains(Refusal.NO_MATCH);
    }

    @Test
    void theToleranceIsExactInBothDirections() {
        assertThat(verify(SPEC_SIGNATURE, SPEC_NOW.plus(TOLERANCE))).isEmpty();
        assertThat(verify(SPEC_SIGNATURE, SPEC_NOW.minus(TOLERANCE))).isEmpty();
        assertThat(verify(SPEC_SIGNATURE, SPEC_NOW.plus(TOLERANCE).plusSeconds(1))).contains(Refusal.STALE);
        assertThat(verify(SPEC_SIGNATURE, SPEC_NOW.minus(TOLERANCE).minusSeconds(1))).contains(Refusal.STALE);
    }

    @Test
    void missingOrMalformedHeadersAreRefused() {
        assertThat(WebhookSignature.verify(SPEC_SECRET, null, SPEC_TIMESTAMP, SPEC_SIGNATURE, SPEC_BODY, SPEC_NOW, TOLERANCE))
                .contains(Refusal.MISSING_HEADERS);
        assertThat(WebhookSignature.verify(SPEC_SECRET, SPEC_ID, " ", SPEC_SIGNATURE, SPEC_BODY, SPEC_NOW, TOLERANCE))
                .contains(Refusal.MISSING_HEADERS);
        assertThat(WebhookSignature.verify(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, "", SPEC_BODY, SPEC_NOW, TOLERANCE))
                .contains(Refusal.MISSING_HEADERS);
        assertThat(WebhookSignature.verify(SPEC_SECRET, SPEC_ID, "1614265330.5", SPEC_SIGNATURE, SPEC_BODY, SPEC_NOW, TOLERANCE))
                .contains(Refusal.BAD_TIMESTAMP);
        assertThat(WebhookSignature.verify(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, "v1,x ".repeat(2000), SPEC_BODY, SPEC_NOW,
                TOLERANCE)).contains(Refusal.MISSING_HEADERS);
    }

    /** Whatever the delivery, its own signature verifies, and changing any one byte of id, timestamp, body or key breaks it. */
    @Test
    void anyTamperingBreaksTheSignature() {
        long seed = Long.getLong("props.seed", System.nanoTime());
        Random random = new Random(seed);
        for (int i = 0; i < 2000; i++) {
            byte[] keyBytes = new byte[24 + random.nextInt(41)];
            random.nextBytes(keyBytes);
            SigningSecret secret = SigningSecret.parse("whsec_" + Base64.getEncoder().encodeToString(keyBytes)).orElseThrow();
            byte[] body = new byte[random.nextInt(300)];
            random.nextBytes(body);
            String id = "msg_" + Long.toHexString(random.nextLong());
            long ts = 1_700_000_000L + random.nextInt(100_000_000);
            Instant now = Instant.ofEpochSecond(ts + random.nextInt(601) - 300);
            String header = "v1," + WebhookSignature.signature(secret, id, Long.toString(ts), body);
            assertThat(WebhookSignature.verify(secret, id, Long.toString(ts), header, body, now, TOLERANCE))
                    .as("seed %d case %d", seed, i).isEmpty();

            switch (random.nextInt(4)) {
                case 0 -> {
                    if (body.length == 0) {
                        body = new byte[] { 1 };
                    } else {
                        body[random.nextInt(body.length)] ^= (byte) (1 + random.nextInt(255));
                    }
                    assertThat(WebhookSignature.verify(secret, id, Long.toString(ts), header, body, now, TOLERANCE))
                            .as("seed %d case %d (body)", seed, i).contains(Refusal.NO_MATCH);
                }
                case 1 -> assertThat(WebhookSignature.verify(secret, id + "x", Long.toString(ts), header, body, now, TOLERANCE))
                        .as("seed %d case %d (id)", seed, i).contains(Refusal.NO_MATCH);
                // Another timestamp still inside the tolerance: refused for the signature, not for staleness.
                case 2 -> assertThat(WebhookSignature.verify(secret, id, Long.toString(now.getEpochSecond() >= ts ? ts + 1 : ts - 1),
                        header, body, now, TOLERANCE))
                        .as("seed %d case %d (timestamp)", seed, i).contains(Refusal.NO_MATCH);
                default -> {
                    keyBytes[random.nextInt(keyBytes.length)] ^= 1;
                    SigningSecret other = SigningSecret.parse("whsec_" + Base64.getEncoder().encodeToString(keyBytes)).orElseThrow();
                    assertThat(WebhookSignature.verify(other, id, Long.toString(ts), header, body, now, TOLERANCE))
                            .as("seed %d case %d (key)", seed, i).contains(Refusal.NO_MATCH);
                }
            }
        }
    }

    @Test
    void secretsMustBeWhsecAndBase64OfEnoughBytes() {
        assertThat(SigningSecret.parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).isEmpty();
        assertThat(SigningSecret.parse("whsec_not*base64")).isEmpty();
        assertThat(SigningSecret.parse("whsec_" + Base64.getEncoder().encodeToString(new byte[23]))).isEmpty();
        assertThat(SigningSecret.parse("whsec_" + Base64.getEncoder().encodeToString(new byte[65]))).isEmpty();
        assertThat(SigningSecret.parse("whsec_" + Base64.getEncoder().encodeToString(new byte[64]))).isPresent();
        assertThat(SPEC_SECRET.toString()).doesNotContain("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa");
    }

    private static Optional<Refusal> verify(String header, Instant now) {
        return WebhookSignature.verify(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, header, SPEC_BODY, now, TOLERANCE);
    }
}
