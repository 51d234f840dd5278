package io.oncallapprover.testsupport;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;

/**
 * The tests' span exporter: Quarkus' default "cdi" exporter sends every finished span to the {@code SpanExporter}
 * beans, so spans are asserted from memory. The test profile keeps the OTLP exporter out of the build
 * ({@code %test.quarkus.otel.exporter.otlp.enabled=false}): nothing is sent anywhere.
 */
public class InMemorySpans {

    @Produces
    @Singleton
    InMemorySpanExporter exporter() {
        return InMemorySpanExporter.create();
    }
}
