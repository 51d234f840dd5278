package io.oncallapprover.organization;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Organization snapshots in memory ({@code oncall.snapshot.*}); see {@link OrgSnapshots}. */
@ConfigMapping(prefix = "oncall.snapshot")
public interface SnapshotConfig {

    /** Off: every check reads the installation and the policy from the database. */
    @WithDefault("true")
    boolean enabled();

    /**
     * The safety net: a snapshot is read again after this long even if no change was announced
     * (a notification lost on a half-open connection, a write made with notifications disabled).
     */
    @WithDefault("30s")
    Duration ttl();

    /**
     * How long an organization found without an installation is remembered as such by the unauthenticated
     * reads (webhook deliveries), so a flood of deliveries for a made-up organization costs one database read,
     * not one each. Dropped at once when the organization installs (here, or on any replica through the
     * notifications); like snapshots, kept only while changes can be heard of.
     */
    @WithDefault("30s")
    Duration absentTtl();

    /** At most this many organizations remembered as absent (a flood of ever-new made-up ids reads the database). */
    @WithDefault("10000")
    int absentMax();

    /** How long to wait before connecting again when the notification connection is lost. */
    @WithDefault("1s")
    Duration reconnectEvery();
}
