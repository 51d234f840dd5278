package io.oncallapprover.webhook;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Logs refused webhook deliveries without letting a flood write a line each: at most one WARN per organization
 * and kind of refusal per {@link WebhookConfig#refusalLogEvery()}, which counts the refusals since the last line
 * that were not logged. Every refusal is counted in the metric {@code webhook.deliveries.refused} (by reason).
 * The windows of at most {@link #MAX_KEYS} organizations are held; past that (ever-new made-up ids) the others
 * share one window, so memory stays bounded and the count is still reported.
 */
@ApplicationScoped
public class RefusalLog {

    private static final Logger LOG = Logger.getLogger(WebhookReceiver.class);

    static final int MAX_KEYS = 10_000;
    static final String OTHERS = "(other organizations)";

    /** One organization's window: when its last line was written, and the refusals not logged since. */
    private static final class Window {
        final long startMillis;
        long suppressed;

        Window(long startMillis) {
            this.startMillis = startMillis;
        }
    }

    @Inject
    WebhookConfig config;

    @Inject
    Clock clock;

    @Inject
    MeterRegistry meters;

    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    /**
     * A refusal of kind {@code reason} for {@code orgId}; {@code line} is written (with the count of those not
     * logged since the last line) when this organization's window allows.
     */
    void refused(String reason, String orgId, String line) {
        meters.counter("webhook.deliveries.refused", "reason", reason).increment();
        long now = clock.millis();
        long every = config.refusalLogEvery().toMillis();
        String key = reason + " " + orgId;
        if (!windows.containsKey(key) && windows.size() >= MAX_KEYS) {
            windows.values().removeIf(w -> now - w.startMillis >= every && w.suppressed == 0);
            if (windows.size() >= MAX_KEYS) {
                key = reason + " " + OTHERS;
                line = "webhook deliveries refused (" + reason + ") for many organizations; the last: " + line;
            }
        }
        long[] notLogged = { -1 };
        windows.compute(key, (k, w) -> {
            if (w == null || now - w.startMillis >= every || now < w.startMillis) {
                notLogged[0] = w == null ? 0 : w.suppressed;
                return new Window(now);
            }
            w.suppressed++;
            return w;
        });
        if (notLogged[0] == 0) {
            LOG.warn(line);
        } else if (notLogged[0] > 0) {
            LOG.warnf("%s (and %d more refused for this organization since the last such line, not logged)", line,
                    notLogged[0]);
        }
    }

    /** Forgets every window (tests). */
    void reset() {
        windows.clear();
    }
}
