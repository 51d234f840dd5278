package io.oncallapprover.observability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.junit.jupiter.api.Test;

/** Only the known duplicate registration of the incident.io client's gauges is dropped; every other warning stays. */
class KnownGaugeWarningFilterTest {

    private static LogRecord record(Level level, String logger, String message) {
        LogRecord record = new LogRecord(level, message);
        record.setLoggerName(logger);
        return record;
    }

    private static String warning(String gauge, String client) {
        return "This Gauge has been already registered (MeterId{name='" + gauge + "', tags=[tag(clientName=" + client
                + ")]}), the registration will be ignored. Note that subsequent logs will be logged at debug level.";
    }

    @Test
    void dropsTheIncidentIoClientsDuplicateGaugeWarnings() {
        KnownGaugeWarningFilter filter = new KnownGaugeWarningFilter();
        assertThat(filter.isLoggable(record(Level.WARNING, KnownGaugeWarningFilter.LOGGER,
                warning("http.client.active.connections", "incidentio")))).isFalse();
        assertThat(filter.isLoggable(record(Level.WARNING, KnownGaugeWarningFilter.LOGGER,
                warning("http.client.queue.size", "incidentio")))).isFalse();
    }

    @Test
    void keepsEveryOtherWarning() {
        KnownGaugeWarningFilter filter = new KnownGaugeWarningFilter();
        assertThat(filter.isLoggable(record(Level.WARNING, KnownGaugeWarningFilter.LOGGER,
                warning("http.client.active.connections", "events")))).isTrue();
        assertThat(filter.isLoggable(record(Level.WARNING, KnownGaugeWarningFilter.LOGGER,
                warning("queue.backlog", "incidentio")))).isTrue();
        assertThat(filter.isLoggable(record(Level.WARNING, "io.oncallapprover.Anything",
                warning("http.client.active.connections", "incidentio")))).isTrue();
        assertThat(filter.isLoggable(record(Level.WARNING, KnownGaugeWarningFilter.LOGGER, "something else"))).isTrue();
    }
}
