package io.oncallapprover.observability;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;

/**
 * Traces leave the process only when an OTLP endpoint is configured. Quarkus' own default endpoint is
 * localhost:4317, so with the SDK on and nothing listening every batch would fail and log a connection error.
 * Without {@code quarkus.otel.exporter.otlp.endpoint} (or {@code .traces.endpoint}, or their environment
 * variables) this source switches the OpenTelemetry SDK off ({@code quarkus.otel.sdk.disabled=true}): no spans are
 * recorded, nothing is exported, trace ids are not put in the logs. Its ordinal is below application.properties,
 * so an explicit {@code quarkus.otel.sdk.disabled} (the tests' in-memory exporter) still wins.
 */
public class TracingExportSwitch implements ConfigSourceFactory {

    static final List<String> ENDPOINTS = List.of("quarkus.otel.exporter.otlp.endpoint",
            "quarkus.otel.exporter.otlp.traces.endpoint");

    static final int ORDINAL = 200;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        return sourcesFor(context::getValue);
    }

    /**
     * No source when an endpoint is set; else one that disables the SDK. Set means by a real source (environment,
     * system property, application.properties: a positive ordinal), never by a default value (negative ordinals),
     * so Quarkus' own default endpoint does not count as configured.
     */
    static List<ConfigSource> sourcesFor(java.util.function.Function<String, ConfigValue> lookup) {
        boolean configured = ENDPOINTS.stream().map(lookup).anyMatch(v -> v != null && v.getValue() != null
                && !v.getValue().isBlank() && v.getConfigSourceOrdinal() > 0);
        if (configured) {
            return List.of();
        }
        return List.of(new PropertiesConfigSource(Map.of("quarkus.otel.sdk.disabled", "true"), "no-otlp-endpoint", ORDINAL));
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(ORDINAL);
    }
}
