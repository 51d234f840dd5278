package io.oncallapprover.common;

/**
 * Recognises a database that cannot be reached (refused or reset connections, a pool that cannot
 * hand out a connection in time, a server shutting down), as opposed to a bug: the first is an
 * outage the caller may retry (503), the second an internal error.
 */
public final class DatabaseFailures {

    private DatabaseFailures() {
    }

    /** A read-only database call that got no answer in time: the database hangs. */
    public static final class ReadTimeoutException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        public ReadTimeoutException(java.time.Duration timeout) {
            super("the database did not answer within " + timeout.toMillis() + " ms", null, false, false);
        }
    }

    public static boolean isOutage(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ReadTimeoutException) {
                return true;
            }
            if (t instanceof java.net.ConnectException || t instanceof io.vertx.sqlclient.ClosedConnectionException
                    || t instanceof io.vertx.core.http.ConnectionPoolTooBusyException) {
                return true;
            }
            if (t instanceof io.vertx.pgclient.PgException pg && pg.getSqlState() != null
                    && (pg.getSqlState().startsWith("08") || pg.getSqlState().startsWith("57P"))) {
                return true; // connection exceptions; admin shutdown, crash shutdown, cannot connect now
            }
            String name = t.getClass().getName();
            String message = String.valueOf(t.getMessage());
            // A pool that cannot hand out a connection in time fails with a bare "Timeout" (found by bench/run.sh).
            if (name.equals("io.vertx.core.impl.NoStackTraceThrowable") && message.equals("Timeout")) {
                return true;
            }
            // Pool acquisition timeouts and refused connections come as Vert.x's stackless exceptions.
            if ((name.startsWith("io.vertx.") && (message.contains("Timeout") || message.contains("timeout")))
                    && message.toLowerCase().contains("connection")) {
                return true;
            }
            if (name.startsWith("io.netty.channel.") && (name.contains("Connect") || message.contains("Connection refused"))) {
                return true;
            }
            if (message.contains("Connection refused") || message.contains("Connection reset")
                    || message.contains("Connection was closed") || message.contains("Pool closed")
                    || message.contains("Fail to read any response from the server")) {
                return true;
            }
        }
        return false;
    }
}
