package io.oncallapprover.common;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;

/**
 * The reactive PostgreSQL client creates its client metrics once per connection, all under the
 * pool's name, so its two gauges ({@code postgresql.queue.size}, {@code postgresql.current}) were
 * registered again for every connection after the first: a "Gauge already registered" warning in
 * every log, and gauges that only ever showed the first connection. They are not registered; the
 * pool's timers and counters, which add up correctly across connections, stay.
 */
@Singleton
public class MeterFilters {

    static final java.util.Set<String> PER_CONNECTION_GAUGES = java.util.Set.of("postgresql.queue.size", "postgresql.current");

    private static final MeterFilter PER_CONNECTION_SQL_GAUGES = MeterFilter.deny(
            id -> id.getType() == Meter.Type.GAUGE && PER_CONNECTION_GAUGES.contains(id.getName()));

    private static final java.util.Set<io.micrometer.core.instrument.MeterRegistry> FILTERED = java.util.Collections
            .newSetFromMap(new java.util.WeakHashMap<>());

    /** For every registry Quarkus builds (the Prometheus one). */
    @Produces
    @Singleton
    MeterFilter perConnectionSqlGauges() {
        return PER_CONNECTION_SQL_GAUGES;
    }

    /** For the global registry the client registers into, once, before the pool's first connection. */
    static synchronized void denyPerConnectionGaugesIn(io.micrometer.core.instrument.MeterRegistry registry) {
        if (FILTERED.add(registry)) {
            registry.config().meterFilter(PER_CONNECTION_SQL_GAUGES);
        }
    }
}
