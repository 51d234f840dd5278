package io.oncallapprover.observability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.config.spi.ConfigSource;
import org.junit.jupiter.api.Test;

import io.smallrye.config.ConfigValue;

/** Traces are exported only to a configured OTLP endpoint: without one the SDK is off, so nothing tries localhost:4317. */
class TracingExportSwitchTest {

    private static List<ConfigSource> with(Map<String, String> values) {
        return with(values, 300); // an environment variable
    }

    private static List<ConfigSource> with(Map<String, String> values, int ordinal) {
        return TracingExportSwitch.sourcesFor(name -> values.containsKey(name)
                ? ConfigValue.builder().withName(name).withValue(values.get(name)).withConfigSourceOrdinal(ordinal).build()
                : null);
    }

    @Test
    void noEndpointTurnsTheSdkOffBelowApplicationProperties() {
        List<ConfigSource> sources = with(Map.of());
        assertThat(sources).singleElement().satisfies(source -> {
            assertThat(source.getValue("quarkus.otel.sdk.disabled")).isEqualTo("true");
            assertThat(source.getOrdinal()).isLessThan(250); // application.properties (the tests' in-memory exporter) wins
        });
        assertThat(with(Map.of("quarkus.otel.exporter.otlp.endpoint", "  "))).as("blank is not an endpoint").hasSize(1);
        assertThat(with(Map.of("quarkus.otel.exporter.otlp.endpoint", "http://localhost:4317/"), Integer.MIN_VALUE))
                .as("Quarkus' default endpoint is not a configured one").hasSize(1);
    }

    @Test
    void anEndpointLeavesTheSdkOn() {
        assertThat(with(Map.of("quarkus.otel.exporter.otlp.endpoint", "http://collector:4317"))).isEmpty();
        assertThat(with(Map.of("quarkus.otel.exporter.otlp.traces.endpoint", "http://collector:4318/v1/traces"))).isEmpty();
    }
}
