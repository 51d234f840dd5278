package io.oncallapprover.incidentio;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.oncallapprover.incidentio.IncidentIoException.Kind;
import io.oncallapprover.common.ApiKey;
import io.smallrye.mutiny.Uni;

/**
 * A circuit breaker per incident.io key, so that while incident.io is known to be down for a key a
 * check fails closed in milliseconds instead of waiting out its deadline. Only signs that
 * incident.io itself is down count: timeouts, network failures and 502/503/504. A 500 about one
 * schedule, a 4xx or a malformed page says nothing about the others, and neither does a 429 (that
 * is the key's budget). After {@link BreakerConfig#failureThreshold()} such failures in a row the
 * breaker opens for {@link BreakerConfig#openFor()}; then one call goes through as a probe: success
 * closes it, another such failure opens it again.
 */
@ApplicationScoped
public class KeyCircuitBreaker {

    private static final Logger LOG = Logger.getLogger(KeyCircuitBreaker.class);

    /** The breaker of one key. Guarded by its own monitor; held briefly, never across I/O. */
    static final class State {
        int failures;
        Instant openUntil;
        boolean probing;
        /** When it opened after last being closed (kept while it re-opens after failed probes), or null. */
        Instant openedAt;
    }

    @Inject
    BreakerConfig config;

    @Inject
    Clock clock;

    @Inject
    MeterRegistry meters;

    private final Map<String, State> states = new ConcurrentHashMap<>();

    private final java.util.Set<String> gauged = ConcurrentHashMap.newKeySet();

    /** Runs {@code call} unless the key's breaker is open; records how it ended. */
    public <T> Uni<T> guard(ApiKey key, String operation, Uni<T> call) {
        if (!config.enabled()) {
            return call;
        }
        return Uni.createFrom().deferred(() -> {
            String id = idOf(key);
            State state = states.computeIfAbsent(id, k -> {
                registerGauges(k);
                return new State();
            });
            Admission admission = admit(state);
            if (admission.retryAfter() != null) {
                meters.counter("incidentio.breaker.rejected", "operation", operation).increment();
                return Uni.createFrom().failure(new IncidentIoException(Kind.UNAVAILABLE, 0,
                        "incident.io is known to be down for this key (circuit open); not asked", admission.retryAfter(), null, null));
            }
            return call.onItemOrFailure().invoke((item, failure) -> record(id, state, failure))
                    .onCancellation().invoke(() -> {
                        if (admission.probe()) {
                            // A probe given up on (the caller's deadline passed) found incident.io no faster.
                            record(id, state, IncidentIoException.of(Kind.TIMEOUT, "the probe got no answer in time"));
                        }
                    });
        });
    }

    /** Whether a call may go (retryAfter null) or how long until one may; and whether it is the half-open probe. */
    private record Admission(Duration retryAfter, boolean probe) {
    }

    private Admission admit(State state) {
        Instant now = clock.instant();
        synchronized (state) {
            if (state.openUntil == null) {
                return new Admission(null, false);
            }
            if (now.isBefore(state.openUntil)) {
                return new Admission(atLeastOneSecond(Duration.between(now, state.openUntil)), false);
            }
            if (state.probing) {
                return new Admission(Duration.ofSeconds(1), false);
            }
            state.probing = true; // half-open: this call is the probe
            return new Admission(null, true);
        }
    }

    private void record(String id, State state, Throwable failure) {
        if (failure instanceof IncidentIoException e && e.kind() == Kind.BUDGET_SPENT) {
            synchronized (state) {
                state.probing = false; // not asked: says nothing either way; the next call probes
            }
            return;
        }
        boolean down = failure instanceof IncidentIoException e && signalsDown(e);
        synchronized (state) {
            if (!down) {
                if (state.openUntil != null) {
                    LOG.infof("incident.io answers again for key %s: circuit closed", id);
                    meters.counter("incidentio.breaker.transitions", "to", "closed").increment();
                }
                state.failures = 0;
                state.openUntil = null;
                state.openedAt = null;
                state.probing = false;
                return;
            }
            state.failures++;
            if (state.probing || state.failures >= config.failureThreshold()) {
                boolean wasOpen = state.openUntil != null;
                state.openUntil = clock.instant().plus(config.openFor());
                if (state.openedAt == null) {
                    state.openedAt = clock.instant();
                }
                state.probing = false;
                if (!wasOpen || state.failures == config.failureThreshold()) {
                    LOG.warnf("incident.io looks down for key %s (%d failures in a row, last: %s): circuit open for %d ms", id,
                            state.failures, failure.getMessage(), config.openFor().toMillis());
                }
                meters.counter("incidentio.breaker.transitions", "to", "open").increment();
            }
        }
    }

    /** Whether a failure says incident.io itself is down, not that one request of ours went wrong. */
    static boolean signalsDown(IncidentIoException e) {
        return switch (e.kind()) {
            case TIMEOUT, NETWORK -> true;
            case SERVER_ERROR -> e.status() == 502 || e.status() == 503 || e.status() == 504;
            default -> false;
        };
    }

    /** Whether the breaker of {@code key} is open now (for tests and health). */
    public boolean isOpen(ApiKey key) {
        State state = states.get(idOf(key));
        if (state == null) {
            return false;
        }
        synchronized (state) {
            return state.openUntil != null && clock.instant().isBefore(state.openUntil);
        }
    }

    public void reset() {
        states.clear();
    }

    /**
     * Per key id (a hash, never the key): {@code incidentio_breaker_open} (1 while not closed: open or probing)
     * and {@code incidentio_breaker_open_seconds} (how long since it opened, across the probes that failed; 0
     * when closed), read from memory. Registered once per id: a second registration would be ignored, with a warning.
     */
    private void registerGauges(String id) {
        if (!gauged.add(id)) {
            return;
        }
        io.micrometer.core.instrument.Gauge.builder("incidentio.breaker.open", this, b -> b.openedAt(id) == null ? 0 : 1)
                .tag("key", id).description("1 while the circuit of this incident.io key is open or half-open").register(meters);
        io.micrometer.core.instrument.Gauge.builder("incidentio.breaker.open.seconds", this, b -> {
            Instant since = b.openedAt(id);
            return since == null ? 0 : Math.max(0, Duration.between(since, b.clock.instant()).toMillis() / 1000.0);
        }).tag("key", id).description("Seconds since this key's circuit opened (0 while closed)").register(meters);
    }

    private Instant openedAt(String id) {
        State state = states.get(id);
        if (state == null) {
            return null;
        }
        synchronized (state) {
            return state.openedAt;
        }
    }

    private static Duration atLeastOneSecond(Duration d) {
        return d.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : d;
    }

    /** A stable, non-reversible id of a key, safe to log and to keep in memory. */
    static String idOf(ApiKey key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.reveal().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
