package io.oncallapprover.observability;

import java.time.Duration;
import java.util.Set;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;

/**
 * Latency histograms with fixed SLO buckets for the timers that answer "how slow is it": the API calls
 * ({@code http_server_requests_seconds}, so a check's or a decision's p99 per route), the calls to incident.io
 * ({@code incidentio_requests_seconds}) and the organization snapshot reads. The buckets are the same everywhere,
 * so {@code histogram_quantile} can aggregate across replicas; 250 ms is the check SLO the alerts use.
 */
@Singleton
public class SloHistograms {

    static final Set<String> TIMERS = Set.of("http.server.requests", "incidentio.requests", "org.snapshot.loads");

    static final Duration[] BUCKETS = { Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofMillis(1000), Duration.ofMillis(2500), Duration.ofMillis(5000) };

    private static final double[] BUCKETS_NANOS = java.util.Arrays.stream(BUCKETS).mapToDouble(Duration::toNanos).toArray();

    @Produces
    @Singleton
    MeterFilter sloBuckets() {
        return new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (id.getType() != Meter.Type.TIMER || !TIMERS.contains(id.getName())) {
                    return config;
                }
                return DistributionStatisticConfig.builder().serviceLevelObjectives(BUCKETS_NANOS).build().merge(config);
            }
        };
    }
}
