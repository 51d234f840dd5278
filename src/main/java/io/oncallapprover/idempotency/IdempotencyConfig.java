package io.oncallapprover.idempotency;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/** {@code Idempotency-Key} on the access-request writes ({@code oncall.idempotency.*}). */
@ConfigMapping(prefix = "oncall.idempotency")
public interface IdempotencyConfig {

    /** How long a key is kept from its first request; after it the key is forgotten (and pruned). */
    @WithDefault("24h")
    Duration retention();

    /**
     * How long a key is held for a write still running. Far longer than any write takes (its
     * incident.io deadline and database timeouts are seconds): it only lapses when a replica died
     * mid-write, and then a retry may take the key over.
     */
    @WithDefault("30s")
    Duration lease();

    /** How long a repeat that finds its first request still running waits for that answer before 409 CONFLICT. */
    @WithName("wait")
    @WithDefault("2s")
    Duration repeatWait();
}
