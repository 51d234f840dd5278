package io.oncallapprover.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM for secrets at rest. Each value gets a fresh 96-bit nonce and is bound to its
 * organization through the associated data, so a ciphertext copied to another organization's row
 * does not decrypt. Stored form: {@code v1.<keyId>.<base64url(nonce || ciphertext+tag)>}.
 */
public final class SecretCipher {

    private static final String PREFIX = "v1";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9_-]{1,32}");

    private final SecureRandom random = new SecureRandom();
    private final Map<String, SecretKey> keys;
    private final String activeKeyId;

    public SecretCipher(Map<String, byte[]> keys, String activeKeyId) {
        if (!keys.containsKey(activeKeyId)) {
            throw new IllegalArgumentException("the active master key id " + describe(activeKeyId) + " is not configured");
        }
        Map<String, SecretKey> copy = new LinkedHashMap<>();
        keys.forEach((id, bytes) -> {
            if (!KEY_ID.matcher(id).matches()) {
                throw new IllegalArgumentException("invalid master key id (ids are 1-32 letters, digits, '_' or '-'; "
                        + "entries are keyId:base64)");
            }
            if (bytes.length != 32) {
                throw new IllegalArgumentException("master key " + describe(id) + " must be 32 bytes (AES-256), got " + bytes.length);
            }
            copy.put(id, new SecretKeySpec(bytes, "AES"));
        });
        this.keys = Map.copyOf(copy);
        this.activeKeyId = activeKeyId;
    }

    /** Parses the {@code keyId:base64} pairs of the configuration. Never echoes key material in errors. */
    public static SecretCipher fromConfig(SecretsConfig config) {
        Map<String, byte[]> keys = new LinkedHashMap<>();
        for (String pair : config.masterKeys()) {
            int colon = pair.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("oncall.secrets.master-keys entries must be keyId:base64");
            }
            String id = pair.substring(0, colon).trim();
            try {
                keys.put(id, Base64.getDecoder().decode(pair.substring(colon + 1).trim()));
            } catch (IllegalArgumentException notBase64) {
                throw new IllegalArgumentException("master key " + describe(id) + " is not valid base64");
            }
        }
        return new SecretCipher(keys, config.activeKeyId());
    }

    /** Names a key id in an error only when it has the shape of one: a swapped entry would be key material. */
    private static String describe(String id) {
        return KEY_ID.matcher(id).matches() ? "'" + id + "'" : "(with a malformed id)";
    }

    public String activeKeyId() {
        return activeKeyId;
    }

    public String encrypt(String plaintext, String associatedData) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(activeKeyId), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[nonce.length + sealed.length];
            System.arraycopy(nonce, 0, out, 0, nonce.length);
            System.arraycopy(sealed, 0, out, nonce.length, sealed.length);
            return PREFIX + '.' + activeKeyId + '.' + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new SecretCipherException("encryption failed", e);
        }
    }

    public String decrypt(String stored, String associatedData) {
        String[] parts = stored.split("\\.", 3);
        if (parts.length != 3 || !PREFIX.equals(parts[0])) {
            throw new SecretCipherException("unknown secret format", null);
        }
        SecretKey key = keys.get(parts[1]);
        if (key == null) {
            throw new SecretCipherException("secret sealed with unknown master key id '" + parts[1] + "'", null);
        }
        try {
            byte[] in = Base64.getUrlDecoder().decode(parts[2]);
            if (in.length <= NONCE_BYTES) {
                throw new SecretCipherException("truncated secret", null);
            }
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
            cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
            byte[] plain = cipher.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES);
            return new String(plain, StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            // deliberately without the cause's message: it could describe the input
            throw new SecretCipherException("secret could not be decrypted (wrong key or tampered value)", null);
        }
    }

    /** Key id a stored value was sealed with, to find rows still under an old master key. */
    public static String keyIdOf(String stored) {
        String[] parts = stored.split("\\.", 3);
        return parts.length == 3 ? parts[1] : null;
    }

    public static final class SecretCipherException extends RuntimeException {
        SecretCipherException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
