package io.oncallapprover.security;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

import jakarta.json.JsonArray;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.oncallapprover.common.SafeText;
import io.quarkus.security.identity.SecurityIdentity;

/** What the service needs of the authenticated caller: who it is and which organizations it may act for. */
public record Caller(String subject, Set<String> orgs) {

    public static final String ORGS_CLAIM = "orgs";

    /** The anonymous or unknown caller, for work the service does on its own (scheduled jobs). */
    public static final Caller SYSTEM = new Caller("system", Set.of());

    public static Caller of(SecurityIdentity identity) {
        if (identity == null || identity.isAnonymous()) {
            return SYSTEM;
        }
        if (identity.getPrincipal() instanceof JsonWebToken jwt) {
            String subject = jwt.getSubject() != null ? jwt.getSubject() : jwt.getName();
            // Recorded whole whatever its length; characters no text column may hold are escaped.
            return new Caller(SafeText.escape(subject == null ? "unknown" : subject), orgsOf(jwt.getClaim(ORGS_CLAIM)));
        }
        return new Caller(identity.getPrincipal().getName(), Set.of());
    }

    public boolean mayActFor(String orgId) {
        return orgs.contains(orgId);
    }

    /** The {@code orgs} claim as a set, whether the token carries an array or a space/comma separated string. */
    static Set<String> orgsOf(Object claim) {
        Set<String> orgs = new LinkedHashSet<>();
        if (claim instanceof JsonArray array) {
            for (JsonValue value : array) {
                if (value instanceof JsonString s) {
                    orgs.add(s.getString());
                }
            }
        } else if (claim instanceof Collection<?> values) {
            values.forEach(v -> orgs.add(v instanceof JsonString s ? s.getString() : String.valueOf(v)));
        } else if (claim instanceof JsonString s) {
            addSplit(orgs, s.getString());
        } else if (claim instanceof String s) {
            addSplit(orgs, s);
        }
        orgs.removeIf(String::isBlank);
        return Set.copyOf(orgs);
    }

    private static void addSplit(Set<String> orgs, String value) {
        for (String org : value.split("[\\s,]+")) {
            orgs.add(org);
        }
    }
}
