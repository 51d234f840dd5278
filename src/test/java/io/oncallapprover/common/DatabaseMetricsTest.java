package io.oncallapprover.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.oncallapprover.testsupport.ApiTestBase;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The PostgreSQL client's per-connection gauges are not registered (each connection registered them
 * again: "This Gauge has been already registered" in every log); its timers stay.
 */
@QuarkusTest
@ConnectWireMock
class DatabaseMetricsTest extends ApiTestBase {

    @Inject
    MeterRegistry meters;

    @Test
    void noGaugeIsRegisteredPerConnectionAndTheTimersStay() throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!snapshots.keeping() && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertThat(snapshots.keeping()).as("the notification connection is up").isTrue();
        // Several pooled connections at once: each creates the client's metrics again.
        io.smallrye.mutiny.Uni.join().all(java.util.stream.IntStream.range(0, 6)
                .mapToObj(i -> pool.query("select pg_sleep(0.05)").execute()).toList()).andFailFast().await().indefinitely();
        assertThat(meters.find("postgresql.queue.size").gauges()).isEmpty();
        assertThat(meters.find("postgresql.current").gauges()).isEmpty();
        // The pool's timers stay.
        assertThat(meters.find("postgresql.processing").timers()).isNotEmpty();
    }
}
