package io.oncallapprover.faults;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.jboss.logmanager.ExtLogRecord;

/** Captures every log record of the service (not WireMock's own) while open, with stack traces. */
final class LogCapture implements AutoCloseable {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Handler handler;

    LogCapture() {
        handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                String logger = String.valueOf(record.getLoggerName());
                if (logger.startsWith("io.quarkiverse.wiremock") || logger.startsWith("WireMock")) {
                    return;
                }
                String message = record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage();
                StringWriter trace = new StringWriter();
                if (record.getThrown() != null) {
                    record.getThrown().printStackTrace(new PrintWriter(trace));
                }
                lines.add(record.getLevel() + " " + logger + " " + message + " " + trace);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        handler.setLevel(Level.ALL);
        Logger.getLogger("").addHandler(handler);
    }

    List<String> lines() {
        return List.copyOf(lines);
    }

    long count(String needle) {
        return lines.stream().filter(l -> l.contains(needle)).count();
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(handler);
    }
}
