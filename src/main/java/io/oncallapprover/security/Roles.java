package io.oncallapprover.security;

/** Values of the token's {@code groups} claim this service knows (PRODUCT §4). */
public final class Roles {

    /** Installs integrations, rotates keys, picks schedules, writes policies. */
    public static final String ADMIN = "admin";

    /** The approval backend and chat bots: access requests, escalations, decisions, checks. */
    public static final String SERVICE = "service";

    private Roles() {
    }
}
