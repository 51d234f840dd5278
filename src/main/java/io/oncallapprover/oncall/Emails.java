package io.oncallapprover.oncall;

import java.util.Locale;

/** Email comparison rules: incident.io and chat tools disagree on case, people are the same. */
public final class Emails {

    private Emails() {
    }

    /** Canonical form used for every comparison: trimmed and lower-cased (locale independent). */
    public static String normalize(String email) {
        if (email == null) {
            return null;
        }
        String trimmed = email.trim();
        return trimmed.isEmpty() ? null : trimmed.toLowerCase(Locale.ROOT);
    }

    public static boolean same(String a, String b) {
        String na = normalize(a);
        return na != null && na.equals(normalize(b));
    }
}
