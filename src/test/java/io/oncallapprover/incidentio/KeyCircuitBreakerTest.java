package io.oncallapprover.incidentio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.oncallapprover.incidentio.IncidentIoException.Kind;
import io.oncallapprover.common.ApiKey;
import io.oncallapprover.testsupport.MutableClock;
import io.smallrye.mutiny.Uni;

/** The per-key circuit breaker, with an injected clock: opens on signs of an outage only, probes once, closes. */
class KeyCircuitBreakerTest {

    private static final ApiKey KEY = new ApiKey("inc_key_one_0001");
    private static final ApiKey OTHER_KEY = new ApiKey("inc_key_two_0002");

    private final MutableClock clock = new MutableClock();
    private final AtomicInteger calls = new AtomicInteger();
    private KeyCircuitBreaker breaker;

    @BeforeEach
    void breaker() {
        clock.set(Instant.parse("2026-03-04T12:00:00Z"));
        breaker = new KeyCircuitBreaker();
        breaker.clock = clock;
        breaker.meters = new SimpleMeterRegistry();
        breaker.config = new BreakerConfig() {
            @Override
            public boolean enabled() {
                return true;
            }

            @Override
            public int failureThreshold() {
                return 3;
            }

            @Override
            public Duration openFor() {
                return Duration.ofSeconds(5);
            }
        };
    }

    private Uni<String> failing(Kind kind, int status) {
        return Uni.createFrom().deferred(() -> {
            calls.incrementAndGet();
            return Uni.createFrom().failure(new IncidentIoException(kind, status, "boom", null, null, null));
        });
    }

    private Uni<String> ok() {
        return Uni.createFrom().deferred(() -> {
            calls.incrementAndGet();
            return Uni.createFrom().item("ok");
        });
    }

    private Throwable run(ApiKey key, Uni<String> call) {
        try {
            breaker.guard(key, "test", call).await().indefinitely();
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    @Test
    void opensAfterTheThresholdOfOutageFailuresAndThenAsksNobody() {
        for (int i = 0; i < 3; i++) {
            assertThat(run(KEY, failing(Kind.TIMEOUT, 0))).isInstanceOf(IncidentIoException.class);
        }
        assertThat(breaker.isOpen(KEY)).isTrue();
        int before = calls.get();
        Throwable refused = run(KEY, ok());
        assertThat(refused).isInstanceOfSatisfying(IncidentIoException.class, e -> {
            assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE);
            assertThat(e.retryAfter()).hasValue(Duration.ofSeconds(5));
        });
        assertThat(calls.get()).isEqualTo(before); // incident.io was not asked
        // Another key is not affected.
        assertThat(run(OTHER_KEY, ok())).isNull();
    }

    @Test
    void aSuccessInBetweenResetsTheCount() {
        run(KEY, failing(Kind.NETWORK, 0));
        run(KEY, failing(Kind.SERVER_ERROR, 503));
        run(KEY, ok());
        run(KEY, failing(Kind.SERVER_ERROR, 504));
        run(KEY, failing(Kind.SERVER_ERROR, 502));
        assertThat(breaker.isOpen(KEY)).isFalse();
    }

    @Test
    void failuresAboutOneRequestDoNotOpenIt() {
        for (int i = 0; i < 10; i++) {
            run(KEY, failing(Kind.SERVER_ERROR, 500));
            run(KEY, failing(Kind.NOT_FOUND, 404));
            run(KEY, failing(Kind.RATE_LIMITED, 429));
            run(KEY, failing(Kind.MALFORMED, 200));
            run(KEY, failing(Kind.REJECTED, 422));
        }
        assertThat(breaker.isOpen(KEY)).isFalse();
        assertThat(run(KEY, ok())).isNull();
    }

    @Test
    void afterTheOpenPeriodOneProbeDecides() {
        for (int i = 0; i < 3; i++) {
            run(KEY, failing(Kind.TIMEOUT, 0));
        }
        clock.advance(Duration.ofSeconds(5));
        // The probe fails: open again at once, for a whole period.
        assertThat(run(KEY, failing(Kind.TIMEOUT, 0))).isInstanceOfSatisfying(IncidentIoException.class,
                e -> assertThat(e.kind()).isEqualTo(Kind.TIMEOUT));
        assertThat(breaker.isOpen(KEY)).isTrue();
        assertThat(run(KEY, ok())).isInstanceOfSatisfying(IncidentIoException.class,
                e -> assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE));
        clock.advance(Duration.ofSeconds(5));
        // The probe succeeds: closed.
        assertThat(run(KEY, ok())).isNull();
        assertThat(breaker.isOpen(KEY)).isFalse();
        assertThat(run(KEY, ok())).isNull();
    }

    @Test
    void whileAProbeIsInFlightOthersAreRefused() {
        for (int i = 0; i < 3; i++) {
            run(KEY, failing(Kind.TIMEOUT, 0));
        }
        clock.advance(Duration.ofSeconds(6));
        var parked = breaker.guard(KEY, "test", Uni.createFrom().<String> emitter(em -> {
        })).subscribe().asCompletionStage();
        assertThat(run(KEY, ok())).isInstanceOfSatisfying(IncidentIoException.class,
                e -> assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE));
        parked.cancel(true);
        // A probe given up on found incident.io no faster: open again for a whole period.
        assertThat(breaker.isOpen(KEY)).isTrue();
        assertThat(run(KEY, ok())).isInstanceOfSatisfying(IncidentIoException.class,
                e -> assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE));
        clock.advance(Duration.ofSeconds(5));
        assertThat(run(KEY, ok())).isNull();
        assertThat(breaker.isOpen(KEY)).isFalse();
    }

    @Test
    void theKeyIdRevealsNothingOfTheKey() {
        assertThat(KeyCircuitBreaker.idOf(KEY)).hasSize(12).doesNotContain("0001").isNotEqualTo(KeyCircuitBreaker.idOf(OTHER_KEY));
        assertThatThrownBy(() -> KeyCircuitBreaker.idOf(null)).isInstanceOf(NullPointerException.class);
    }
}
