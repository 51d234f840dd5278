package io.oncallapprover.observability;

import java.util.List;
import java.util.function.Function;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.ConfigProvider;

import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.SmallRyeConfig;

/**
 * Traces are recorded, and so exported, only when an OTLP endpoint is configured. Quarkus' own default endpoint is
 * localhost:4317: with every span sampled and nothing listening, each batch would fail and log a connection error.
 * So the sampler (a CDI bean, which Quarkus gives the SDK in place of the configured one) is:
 * <ul>
 * <li>with {@code quarkus.otel.exporter.otlp.endpoint} or {@code .traces.endpoint} set by a real source (environment,
 * system property, application.properties; never Quarkus' default value): parent-based, a trace ratio of
 * {@code oncall.tracing.ratio} (1.0), a caller's decision followed;</li>
 * <li>with {@code oncall.tracing.record=true} (the tests' in-memory exporter): the same;</li>
 * <li>otherwise: nothing sampled. No span is recorded or exported; trace ids still exist (for propagation).</li>
 * </ul>
 * Decided at run time, as the endpoint is: a build-time switch would be frozen into the packaged application.
 */
@Singleton
public class TraceSampling {

    static final List<String> ENDPOINTS = List.of("quarkus.otel.exporter.otlp.endpoint",
            "quarkus.otel.exporter.otlp.traces.endpoint");

    @Produces
    @Singleton
    Sampler sampler(TracingConfig tracing) {
        // The endpoint is read with its source, to tell a configured value from Quarkus' default.
        SmallRyeConfig config = ConfigProvider.getConfig().unwrap(SmallRyeConfig.class);
        return samplerFor(config::getConfigValue, tracing.record(), tracing.ratio());
    }

    static Sampler samplerFor(Function<String, ConfigValue> lookup, boolean record, double ratio) {
        return record || endpointConfigured(lookup) ? Sampler.parentBased(Sampler.traceIdRatioBased(ratio)) : Sampler.alwaysOff();
    }

    /** Set by a real source (a positive ordinal), never by a default value (negative ordinals). */
    static boolean endpointConfigured(Function<String, ConfigValue> lookup) {
        return ENDPOINTS.stream().map(lookup).anyMatch(v -> v != null && v.getValue() != null && !v.getValue().isBlank()
                && v.getConfigSourceOrdinal() > 0);
    }
}
