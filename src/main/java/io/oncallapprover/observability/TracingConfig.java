package io.oncallapprover.observability;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How traces are sampled once an OTLP endpoint is configured ({@link TraceSampling}). */
@ConfigMapping(prefix = "oncall.tracing")
public interface TracingConfig {

    /** Record spans even without an endpoint (the tests' in-memory exporter). */
    @WithDefault("false")
    boolean record();

    /** The share of new traces recorded (a caller's sampling decision is followed). */
    @WithDefault("1.0")
    double ratio();
}
