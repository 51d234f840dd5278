package io.oncallapprover.dev;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import org.eclipse.microprofile.config.spi.ConfigSource;
import org.junit.jupiter.api.Test;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigValue;

/**
 * The dev-mode database: in the dev profile with no datasource configured, a real embedded
 * PostgreSQL starts and the datasource points at it; in any other case nothing happens.
 */
class EmbeddedPostgresConfigSourceFactoryTest {

    private static ConfigSourceContext context(List<String> profiles, Map<String, String> values) {
        return new ConfigSourceContext() {
            @Override
            public ConfigValue getValue(String name) {
                String value = values.get(name);
                return value == null ? null : ConfigValue.builder().withName(name).withValue(value).build();
            }

            @Override
            public Iterator<String> iterateNames() {
                return values.keySet().iterator();
            }

            @Override
            public List<String> getProfiles() {
                return profiles;
            }
        };
    }

    private static List<ConfigSource> sources(ConfigSourceContext context) {
        return StreamSupport.stream(new EmbeddedPostgresConfigSourceFactory().getConfigSources(context).spliterator(), false)
                .toList();
    }

    @Test
    void inProductionNothingStarts() {
        assertThat(sources(context(List.of("prod"), Map.of()))).isEmpty();
    }

    @Test
    void testsUseTheConfiguredOrLocalDatabaseWhenThereIsOne() {
        assertThat(sources(context(List.of("test"), Map.of("TEST_DB_URL", "postgresql://db/x")))).isEmpty();
        if (EmbeddedPostgresConfigSourceFactory.localPostgresAnswers()) {
            assertThat(sources(context(List.of("test"), Map.of()))).isEmpty();
        } else {
            assertThat(sources(context(List.of("test"), Map.of())).get(0).getValue("%test.quarkus.datasource.jdbc.url"))
                    .startsWith("jdbc:postgresql://localhost:");
        }
    }

    @Test
    void aConfiguredDatasourceOrTheSwitchWins() {
        assertThat(sources(context(List.of("dev"), Map.of("quarkus.datasource.reactive.url", "postgresql://db/x")))).isEmpty();
        assertThat(sources(context(List.of("dev"), Map.of("oncall.dev.embedded-postgres.enabled", "false")))).isEmpty();
    }

    @Test
    void devModeGetsARealPostgresql() throws Exception {
        List<ConfigSource> sources = sources(context(List.of("dev"), Map.of()));
        assertThat(sources).hasSize(1);
        ConfigSource source = sources.get(0);
        assertThat(source.getValue("quarkus.datasource.reactive.url")).startsWith("postgresql://localhost:");
        String jdbc = source.getValue("quarkus.datasource.jdbc.url");
        try (Connection connection = DriverManager.getConnection(jdbc, source.getValue("quarkus.datasource.username"),
                source.getValue("quarkus.datasource.password"));
                ResultSet version = connection.createStatement().executeQuery("show server_version")) {
            assertThat(version.next()).isTrue();
            assertThat(version.getString(1)).isNotBlank();
        }
        // A hot reload asks again: the same database answers.
        assertThat(sources(context(List.of("dev"), Map.of())).get(0).getValue("quarkus.datasource.jdbc.url")).isEqualTo(jdbc);
    }
}
