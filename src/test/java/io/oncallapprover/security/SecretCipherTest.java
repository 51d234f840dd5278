package io.oncallapprover.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import io.oncallapprover.security.SecretCipher.SecretCipherException;

class SecretCipherTest {

    private static final String ORG = "org_1";
    private static final String OTHER_ORG = "org_2";
    private static final String PLAINTEXT = "inc_live_SuperSecretApiKey_1234567890";

    private static byte[] key(int fill) {
        byte[] bytes = new byte[32];
        Arrays.fill(bytes, (byte) fill);
        return bytes;
    }

    private static SecretCipher cipher(String activeKeyId, Map<String, byte[]> keys) {
        return new SecretCipher(keys, activeKeyId);
    }

    private static SecretCipher single() {
        return cipher("k1", Map.of("k1", key(1)));
    }

    /** A {@link SecretsConfig} without the config machinery. */
    private static SecretsConfig config(String activeKeyId, String... masterKeys) {
        return new SecretsConfig() {
            @Override
            public String activeKeyId() {
                return activeKeyId;
            }

            @Override
            public List<String> masterKeys() {
                return List.of(masterKeys);
            }
        };
    }

    /** Replaces one character in the middle of the base64 part with a different base64url character. */
    private static String tamper(String stored) {
        int lastDot = stored.lastIndexOf('.');
        int i = lastDot + 1 + (stored.length() - lastDot - 1) / 2;
        char c = stored.charAt(i);
        char replacement = c == 'A' ? 'B' : 'A';
        return stored.substring(0, i) + replacement + stored.substring(i + 1);
    }

    @Nested
    class EncryptDecrypt {

        @Test
        void roundTrip() {
            SecretCipher cipher = single();

            String stored = cipher.encrypt(PLAINTEXT, ORG);

            assertThat(cipher.decrypt(stored, ORG)).isEqualTo(PLAINTEXT);
        }

        @Test
        void roundTripOfUnicodeAndEmptyValues() {
            SecretCipher cipher = single();

            assertThat(cipher.decrypt(cipher.encrypt("clé-🔑-ключ", ORG), ORG)).isEqualTo("clé-🔑-ключ");
            assertThat(cipher.decrypt(cipher.encrypt("", ORG), ORG)).isEmpty();
        }

        @Test
        void twoEncryptionsOfTheSameValueDifferAndBothDecrypt() {
            SecretCipher cipher = single();

            String first = cipher.encrypt(PLAINTEXT, ORG);
            String second = cipher.encrypt(PLAINTEXT, ORG);

            assertThat(first).isNotEqualTo(second);
            assertThat(cipher.decrypt(first, ORG)).isEqualTo(PLAINTEXT);
            assertThat(cipher.decrypt(second, ORG)).isEqualTo(PLAINTEXT);
        }

        @Test
        void storedFormIsVersionedWithKeyIdAndHidesThePlaintext() {
            SecretCipher cipher = cipher("main-2026", Map.of("main-2026", key(7)));

            String stored = cipher.encrypt(PLAINTEXT, ORG);

            assertThat(stored).startsWith("v1.main-2026.");
            assertThat(stored).doesNotContain(PLAINTEXT);
            assertThat(stored).doesNotContain(Base64.getEncoder().withoutPadding()
                    .encodeToString(PLAINTEXT.getBytes(StandardCharsets.UTF_8)).substring(0, 12));
            assertThat(stored.substring("v1.main-2026.".length())).matches("[A-Za-z0-9_-]+");
            assertThat(SecretCipher.keyIdOf(stored)).isEqualTo("main-2026");
            assertThat(cipher.activeKeyId()).isEqualTo("main-2026");
        }

        @Test
        void otherOrganizationAsAssociatedDataDoesNotDecrypt() {
            SecretCipher cipher = single();
            String stored = cipher.encrypt(PLAINTEXT, ORG);

            assertThatThrownBy(() -> cipher.decrypt(stored, OTHER_ORG))
                    .isInstanceOf(SecretCipherException.class)
                    .hasMessageNotContaining(PLAINTEXT);
        }

        @Test
        void tamperedCiphertextDoesNotDecrypt() {
            SecretCipher cipher = single();
            String stored = cipher.encrypt(PLAINTEXT, ORG);
            String tampered = tamper(stored);
            assertThat(tampered).isNotEqualTo(stored).hasSameSizeAs(stored);

            assertThatThrownBy(() -> cipher.decrypt(tampered, ORG))
                    .isInstanceOf(SecretCipherException.class)
                    .hasMessageNotContaining(PLAINTEXT);
        }

        @Test
        void wrongKeyUnderTheSameIdDoesNotDecrypt() {
            String stored = cipher("k1", Map.of("k1", key(1))).encrypt(PLAINTEXT, ORG);
            SecretCipher impostor = cipher("k1", Map.of("k1", key(2)));

            assertThatThrownBy(() -> impostor.decrypt(stored, ORG))
                    .isInstanceOf(SecretCipherException.class)
                    .hasMessageNotContaining(PLAINTEXT);
        }

        @Test
        void malformedStoredValuesAreRejectedWithTheCipherException() {
            SecretCipher cipher = single();
            String stored = cipher.encrypt(PLAINTEXT, ORG);
            String body = stored.substring(stored.lastIndexOf('.') + 1);

            for (String bad : List.of(PLAINTEXT, "v2.k1." + body, "v1.k1", "v1.k1.", "v1.k1.AAAA", "v1.k1.%%%not-base64%%%",
                    "v1.k1." + body.substring(0, 10))) {
                assertThatThrownBy(() -> cipher.decrypt(bad, ORG))
                        .as("decrypt(%s)", bad)
                        .isInstanceOf(SecretCipherException.class)
                        .hasMessageNotContaining(PLAINTEXT);
            }
        }

        @Test
        void exceptionMessagesNeverContainThePlaintext() {
            SecretCipher cipher = single();
            String stored = cipher.encrypt(PLAINTEXT, ORG);

            for (Runnable attempt : List.<Runnable> of(
                    () -> cipher.decrypt(stored, OTHER_ORG),
                    () -> cipher.decrypt(tamper(stored), ORG),
                    () -> cipher.decrypt(stored.replace("v1.k1.", "v1.gone."), ORG))) {
                assertThatThrownBy(attempt::run)
                        .isInstanceOf(SecretCipherException.class)
                        .satisfies(e -> {
                            assertThat(String.valueOf(e.getMessage())).doesNotContain(PLAINTEXT);
                            assertThat(e.toString()).doesNotContain(PLAINTEXT);
                            assertThat(e.getCause()).isNull();
                        });
            }
        }
    }

    @Nested
    class Rotation {

        @Test
        void valueSealedWithTheOldKeyDecryptsAfterRotationAndNewWritesUseTheNewKey() {
            byte[] oldKey = key(1);
            byte[] newKey = key(2);
            SecretCipher before = cipher("old", Map.of("old", oldKey));
            String sealedBefore = before.encrypt(PLAINTEXT, ORG);

            Map<String, byte[]> both = new LinkedHashMap<>();
            both.put("old", oldKey);
            both.put("new", newKey);
            SecretCipher after = cipher("new", both);

            assertThat(SecretCipher.keyIdOf(sealedBefore)).isEqualTo("old");
            assertThat(after.decrypt(sealedBefore, ORG)).isEqualTo(PLAINTEXT);

            String sealedAfter = after.encrypt(PLAINTEXT, ORG);
            assertThat(SecretCipher.keyIdOf(sealedAfter)).isEqualTo("new");
            assertThat(sealedAfter).startsWith("v1.new.");
            assertThat(after.decrypt(sealedAfter, ORG)).isEqualTo(PLAINTEXT);
            // the old-only cipher cannot read what the new key sealed
            assertThatThrownBy(() -> before.decrypt(sealedAfter, ORG)).isInstanceOf(SecretCipherException.class);
        }

        @Test
        void unknownKeyIdIsRejected() {
            String sealed = cipher("retired", Map.of("retired", key(9))).encrypt(PLAINTEXT, ORG);

            assertThatThrownBy(() -> single().decrypt(sealed, ORG))
                    .isInstanceOf(SecretCipherException.class)
                    .hasMessageContaining("retired")
                    .hasMessageNotContaining(PLAINTEXT);
        }

        @Test
        void keyIdOfAMalformedValueIsNull() {
            assertThat(SecretCipher.keyIdOf("not-a-sealed-value")).isNull();
        }
    }

    @Nested
    class Construction {

        @Test
        void rejectsAKeyThatIsNot32Bytes() {
            assertThatThrownBy(() -> cipher("k1", Map.of("k1", new byte[16])))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("32");
            assertThatThrownBy(() -> cipher("k1", Map.of("k1", new byte[33])))
                    .isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        void rejectsANon32ByteKeyThatIsNotTheActiveOne() {
            assertThatThrownBy(() -> cipher("k1", Map.of("k1", key(1), "k2", new byte[31])))
                    .isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        void rejectsAnActiveIdThatIsNotConfigured() {
            assertThatThrownBy(() -> cipher("missing", Map.of("k1", key(1))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("missing");
        }

        @Test
        void rejectsAnInvalidKeyId() {
            assertThatThrownBy(() -> cipher("has.dot", Map.of("has.dot", key(1))))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Nested
    class FromConfig {

        private final String k1 = Base64.getEncoder().encodeToString(key(1));
        private final String k2 = Base64.getEncoder().encodeToString(key(2));

        @Test
        void parsesIdBase64Pairs() {
            SecretCipher cipher = SecretCipher.fromConfig(config("k2", "k1:" + k1, " k2 : " + k2 + " "));

            assertThat(cipher.activeKeyId()).isEqualTo("k2");
            String stored = cipher.encrypt(PLAINTEXT, ORG);
            assertThat(stored).startsWith("v1.k2.");
            assertThat(cipher.decrypt(stored, ORG)).isEqualTo(PLAINTEXT);
        }

        @Test
        void configuredKeysAreTheSameAsDirectlyGivenOnes() {
            String sealedDirectly = cipher("k1", Map.of("k1", key(1))).encrypt(PLAINTEXT, ORG);

            SecretCipher fromConfig = SecretCipher.fromConfig(config("k2", "k1:" + k1, "k2:" + k2));

            assertThat(fromConfig.decrypt(sealedDirectly, ORG)).isEqualTo(PLAINTEXT);
        }

        @Test
        void rejectsEntryWithoutColonWithoutEchoingIt() {
            assertThatThrownBy(() -> SecretCipher.fromConfig(config("k1", k1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageNotContaining(k1)
                    .hasMessageNotContaining(k1.substring(0, 8));
        }

        @Test
        void rejectsEntryWithEmptyIdWithoutEchoingIt() {
            assertThatThrownBy(() -> SecretCipher.fromConfig(config("k1", ":" + k1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageNotContaining(k1.substring(0, 8));
        }

        @Test
        void rejectsInvalidBase64WithoutEchoingIt() {
            String notBase64 = "this*is*not*base64*material!!";

            assertThatThrownBy(() -> SecretCipher.fromConfig(config("k1", "k1:" + notBase64)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("k1")
                    .hasMessageNotContaining(notBase64)
                    .hasMessageNotContaining("this*is");
        }

        @Test
        void rejectsAShortKeyWithoutEchoingIt() {
            String shortKey = Base64.getEncoder().encodeToString(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 });

            assertThatThrownBy(() -> SecretCipher.fromConfig(config("k1", "k1:" + shortKey)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageNotContaining(shortKey);
        }

        @Test
        void rejectsAnEntryWrittenTheWrongWayRoundWithoutEchoingTheKey() {
            assertThatThrownBy(() -> SecretCipher.fromConfig(config("k1", "k1:" + k1, k2 + ":k2")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageNotContaining(k2)
                    .hasMessageNotContaining(k2.substring(0, 12));
        }

        @Test
        void rejectsAnActiveIdMissingFromTheList() {
            assertThatThrownBy(() -> SecretCipher.fromConfig(config("k9", "k1:" + k1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageNotContaining(k1);
        }
    }
}
