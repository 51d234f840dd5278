package io.oncallapprover.replica;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Replica leases ({@code oncall.replica.*}): how the replicas learn of each other through the database. */
@ConfigMapping(prefix = "oncall.replica")
public interface ReplicaConfig {

    /** How often a replica renews its lease and takes its share anew. */
    @WithDefault("1s")
    Duration heartbeat();

    /** How long a lease lives after a renewal: a replica that stops renewing frees its share after this. */
    @WithDefault("5s")
    Duration leaseTtl();

    /** How long before its lease may lapse a replica stops spending its share (clock drift, a slow commit). */
    @WithDefault("1s")
    Duration safetyMargin();
}
