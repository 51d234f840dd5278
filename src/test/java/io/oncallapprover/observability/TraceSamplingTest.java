package io.oncallapprover.observability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import io.smallrye.config.ConfigValue;

/** Traces are recorded only for a configured OTLP endpoint (or when asked, in tests): never for Quarkus' default. */
class TraceSamplingTest {

    private static Sampler with(Map<String, String> values, int ordinal, boolean record) {
        return TraceSampling.samplerFor(name -> values.containsKey(name)
                ? ConfigValue.builder().withName(name).withValue(values.get(name)).withConfigSourceOrdinal(ordinal).build()
                : null, record, 1.0);
    }

    private static boolean samples(Sampler sampler) {
        return sampler.shouldSample(Context.root(), "0af7651916cd43dd8448eb211c80319c", "GET", SpanKind.SERVER,
                Attributes.empty(), List.of()).getDecision() == SamplingDecision.RECORD_AND_SAMPLE;
    }

    @Test
    void withoutAnEndpointNothingIsRecorded() {
        assertThat(samples(with(Map.of(), 300, false))).isFalse();
        assertThat(samples(with(Map.of("quarkus.otel.exporter.otlp.endpoint", "  "), 300, false))).as("blank").isFalse();
        assertThat(samples(with(Map.of("quarkus.otel.exporter.otlp.endpoint", "http://localhost:4317/"), Integer.MIN_VALUE + 100,
                false))).as("Quarkus' default endpoint is not a configured one").isFalse();
    }

    @Test
    void aConfiguredEndpointOrTheTestsSwitchRecords() {
        assertThat(samples(with(Map.of("quarkus.otel.exporter.otlp.endpoint", "http://collector:4317"), 300, false))).isTrue();
        assertThat(samples(with(Map.of("quarkus.otel.exporter.otlp.traces.endpoint", "http://collector:4318"), 250, false))).isTrue();
        assertThat(samples(with(Map.of(), 300, true))).isTrue();
    }
}
