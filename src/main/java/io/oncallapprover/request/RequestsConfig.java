package io.oncallapprover.request;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Access-request settings ({@code oncall.requests.*}). */
@ConfigMapping(prefix = "oncall.requests")
public interface RequestsConfig {

    /** How long a request stays pending; past it, it reads EXPIRED and can no longer be decided or escalated. */
    @WithDefault("24h")
    Duration pendingTtl();
}
