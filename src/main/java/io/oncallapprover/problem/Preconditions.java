package io.oncallapprover.problem;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Optimistic concurrency for the admin documents (RFC 9110, 13.1.1): {@code GET} sends an {@code ETag},
 * {@code PUT} and {@code DELETE} honour {@code If-Match}. A write whose {@code If-Match} names no
 * current tag is refused with 412 {@code PRECONDITION_FAILED} and writes nothing; without the header
 * writes behave as before. Tags are strong and compared strongly: a weak tag ({@code W/"..."}) never
 * matches; {@code *} matches any current document.
 */
public final class Preconditions {

    /** The request header. */
    public static final String IF_MATCH = "If-Match";

    private Preconditions() {
    }

    /** A strong tag for a document's content: a hash of its parts, quoted. */
    public static String tagOf(String... parts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (String part : parts) {
                digest.update((part == null ? "\u0000null" : part).getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0x1f);
            }
            return "\"" + HexFormat.of().formatHex(digest.digest(), 0, 12) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A strong tag for a version number, quoted. */
    public static String tagOf(long version) {
        return "\"" + version + "\"";
    }

    /** Whether {@code ifMatch} (null or blank: no condition) admits a document whose tag is {@code current} (null: none). */
    public static boolean matches(String ifMatch, String current) {
        if (ifMatch == null || ifMatch.isBlank()) {
            return true;
        }
        for (String raw : ifMatch.split(",")) {
            String tag = raw.trim();
            if (tag.equals("*") ? current != null : current != null && tag.equals(current)) {
                return true;
            }
        }
        return false;
    }

    /** Throws 412 {@code PRECONDITION_FAILED} unless {@link #matches}. */
    public static void require(String ifMatch, String current, String what) {
        if (!matches(ifMatch, current)) {
            throw failed(what, current);
        }
    }

    /** The 412 for {@code what}, saying the current tag (if any) so the client can read the document again. */
    public static ApiException failed(String what, String current) {
        return new ApiException(412, ProblemCode.PRECONDITION_FAILED, "The " + what + " changed since it was read"
                + (current == null ? " (there is none now)" : " (its tag is now " + current + ")")
                + "; read it again, then write.", List.of(new FieldError(IF_MATCH, "does not name the current " + what)), null,
                null);
    }

    /** A write that lost a race on the row's version (another write committed first). */
    public static boolean lostRace(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof jakarta.persistence.OptimisticLockException || t instanceof org.hibernate.StaleObjectStateException) {
                return true;
            }
        }
        return false;
    }

    /** A lost race under If-Match is a failed precondition (the document changed after its tag was checked); else as it was. */
    public static Throwable raced(Throwable failure, String ifMatch, String what) {
        return ifMatch == null || ifMatch.isBlank() ? failure : failed(what, null);
    }
}
