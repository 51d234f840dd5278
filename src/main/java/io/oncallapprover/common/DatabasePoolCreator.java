package io.oncallapprover.common;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;

/**
 * The reactive PostgreSQL pool with bounded waits: connecting gives up after
 * {@code oncall.database.connect-timeout} and waiting for a pooled connection after
 * {@code oncall.database.acquire-timeout}, so an unreachable database is a prompt 503, not a
 * request hanging for a minute (the Vert.x defaults).
 */
@Singleton
public class DatabasePoolCreator implements PgPoolCreator {

    @ConfigMapping(prefix = "oncall.database")
    public interface DatabaseConfig {

        @WithDefault("1s")
        Duration connectTimeout();

        @WithDefault("1500ms")
        Duration acquireTimeout();

        /** Longest a read-only call may wait on the database (see {@link DatabaseDeadline}). */
        @WithDefault("1500ms")
        Duration readTimeout();
    }

    @Inject
    DatabaseConfig config;

    @Override
    public Pool create(Input input) {
        // Before the pool's first connection: Quarkus applies CDI meter filters to the global registry only later.
        MeterFilters.denyPerConnectionGaugesIn(io.micrometer.core.instrument.Metrics.globalRegistry);
        input.pgConnectOptionsList().forEach(options -> options.setConnectTimeout((int) config.connectTimeout().toMillis()));
        input.poolOptions().setConnectionTimeout((int) config.acquireTimeout().toMillis())
                .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS);
        return PgBuilder.pool().with(input.poolOptions())
                .connectingTo(java.util.List.<io.vertx.sqlclient.SqlConnectOptions> copyOf(input.pgConnectOptionsList()))
                .using(input.vertx()).build();
    }
}
