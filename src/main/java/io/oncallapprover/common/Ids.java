package io.oncallapprover.common;

/** Shapes of identifiers accepted at the API boundary. */
public final class Ids {

    /** Organization ids, as in every path. */
    public static final String ORG_ID = "[a-z0-9][a-z0-9-]{0,62}";
    public static final String ORG_ID_MESSAGE = "must match [a-z0-9][a-z0-9-]{0,62}";

    /** incident.io ids are ULID-like; stay lenient on length, strict on characters. */
    public static final String SCHEDULE_ID = "[A-Za-z0-9]{1,64}";
    public static final String SCHEDULE_ID_MESSAGE = "must be an incident.io schedule id (1-64 letters or digits)";

    /** Other incident.io ids (severities, incident types): the same shape. */
    public static final String INCIDENTIO_ID = "[A-Za-z0-9]{1,64}";
    public static final String INCIDENTIO_ID_MESSAGE = "must be an incident.io id (1-64 letters or digits)";

    /** A plain, routable email address (ASCII): what incident.io and chat tools hold for people. */
    public static final String EMAIL = "[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+";
    public static final String EMAIL_MESSAGE = "must be an email address";

    /** Access request ids (UUIDs, lower case). */
    public static final String REQUEST_ID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    public static final String REQUEST_ID_MESSAGE = "must be an access request id";

    /**
     * Bound on schedule ids in one request, one policy step or the auto-approval selection: accounts on
     * incident.io On-call hold tens to hundreds of schedules; every id is checked against the account's
     * schedule list in one call, whatever their number.
     */
    public static final int MAX_SCHEDULES = 1000;

    private Ids() {
    }
}
