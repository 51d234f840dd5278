package io.oncallapprover.common;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The cursors of paged answers (requests, audit events, request events): a few values joined with
 * {@code |} behind a prefix naming the kind, base64url without padding. Opaque to callers; a cursor of
 * another kind, or one this service never made, does not decode.
 */
public final class OpaqueCursor {

    private OpaqueCursor() {
    }

    public static String encode(String prefix, Object... parts) {
        StringBuilder text = new StringBuilder(prefix);
        for (int i = 0; i < parts.length; i++) {
            text.append(i == 0 ? "" : "|").append(parts[i]);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The {@code count} values of a cursor of this {@code prefix}, or empty when {@code raw} is not one. */
    public static Optional<List<String>> decode(String prefix, String raw, int count) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(raw.trim()), StandardCharsets.UTF_8);
            if (!text.startsWith(prefix)) {
                return Optional.empty();
            }
            List<String> parts = List.of(text.substring(prefix.length()).split("\\|", -1));
            return parts.size() == count ? Optional.of(parts) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
