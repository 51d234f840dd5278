package io.oncallapprover.observability;

import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.jboss.logmanager.ExtLogRecord;

import io.quarkus.logging.LoggingFilter;

/**
 * Drops one known, harmless warning: on the first call to incident.io, Quarkus 3.33's Vert.x HTTP client metrics
 * register the REST client's gauges ({@code http.client.active.connections}, {@code http.client.queue.size},
 * {@code http.client.pending}, tagged {@code clientName=incidentio}) twice, and Micrometer 1.14+ logs "This Gauge
 * has been already registered ... the registration will be ignored". The second registration is of the same
 * backing object, so the exported values are right; the warning is noise that hides real ones. Upstream:
 * quarkusio/quarkus#54482 (fixed by #54122, a gauge builder that registers once, in 3.37); drop this filter with
 * that upgrade. Nothing else is filtered: the same warning about any other gauge, ours included, is still logged.
 */
@LoggingFilter(name = "known-gauge-warning")
public final class KnownGaugeWarningFilter implements Filter {

    static final String LOGGER = "io.micrometer.core.instrument.MeterRegistry";

    @Override
    public boolean isLoggable(LogRecord record) {
        return !known(record);
    }

    static boolean known(LogRecord record) {
        if (!LOGGER.equals(record.getLoggerName()) || record.getLevel().intValue() < Level.WARNING.intValue()) {
            return false;
        }
        String message = record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage();
        return message != null && message.startsWith("This Gauge has been already registered")
                && message.contains("name='http.client.") && message.contains("tag(clientName=incidentio)");
    }
}
