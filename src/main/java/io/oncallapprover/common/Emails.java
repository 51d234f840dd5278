package io.oncallapprover.common;

/**
 * Who is the same person. Two emails are the same iff they are equal after trimming and mapping
 * ASCII {@code A}-{@code Z} to {@code a}-{@code z}, and nothing else: Unicode case folding would make
 * look-alikes equal (U+212A KELVIN SIGN lower-cases to {@code k}), which would let a stranger's
 * incident.io account approve for someone else.
 */
public final class Emails {

    private Emails() {
    }

    /** Canonical form used for every comparison: trimmed, ASCII letters lower-cased, every other character kept. */
    public static String normalize(String email) {
        if (email == null) {
            return null;
        }
        String trimmed = email.trim();
        if (trimmed.isEmpty()) {
            return null;
        }
        char[] chars = trimmed.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            char c = chars[i];
            if (c >= 'A' && c <= 'Z') {
                chars[i] = (char) (c + ('a' - 'A'));
            }
        }
        return new String(chars);
    }

    public static boolean same(String a, String b) {
        String na = normalize(a);
        return na != null && na.equals(normalize(b));
    }
}
