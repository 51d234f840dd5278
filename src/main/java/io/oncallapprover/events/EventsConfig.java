package io.oncallapprover.events;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Request events for integrators ({@code oncall.events.*}). */
@ConfigMapping(prefix = "oncall.events")
public interface EventsConfig {

    /** How long events are kept; a cursor older than the oldest kept event answers 410 CURSOR_EXPIRED. */
    @WithDefault("7d")
    Duration retention();
}
