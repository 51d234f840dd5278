package io.oncallapprover.organization;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.oncallapprover.oncall.ScheduleChanges;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;

/**
 * Hears of every committed change to an organization's installation or policy, made by any replica
 * (or by hand): triggers on those tables {@code NOTIFY} channel {@value #CHANNEL} with the
 * organization id ({@code *} after a truncate), and this listener, on a connection of its own,
 * drops the snapshot. The same connection hears {@link ScheduleChanges#CHANNEL} (a webhook said a
 * schedule changed) and drops that schedule's cached entries. When the connection is lost the
 * snapshots are switched off, and it connects again every {@link SnapshotConfig#reconnectEvery()}.
 */
@ApplicationScoped
public class OrgChangeListener {

    private static final Logger LOG = Logger.getLogger(OrgChangeListener.class);

    /** The channel the triggers of migration V8 notify. */
    public static final String CHANNEL = "oncall_org_changed";

    @Inject
    Vertx vertx;

    @Inject
    OrgSnapshots snapshots;

    @Inject
    ScheduleChanges scheduleChanges;

    @Inject
    SnapshotConfig config;

    private volatile boolean stopped;
    private volatile PgConnection connection;

    void start(@Observes StartupEvent event) {
        if (config.enabled()) {
            connect();
        }
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
        PgConnection current = connection;
        if (current != null) {
            current.close();
        }
    }

    private void connect() {
        Optional<PgConnectOptions> options = options();
        if (options.isEmpty()) {
            LOG.warn("no reactive datasource URL: organization snapshots stay off");
            return;
        }
        PgConnection.connect(vertx, options.get()).onComplete(connected -> {
            if (connected.failed()) {
                LOG.debugf("notification connection failed: %s", connected.cause().getMessage());
                retryLater();
                return;
            }
            PgConnection conn = connected.result();
            conn.notificationHandler(notification -> {
                if (ScheduleChanges.CHANNEL.equals(notification.getChannel())) {
                    scheduleChanges.heard(notification.getPayload());
                } else {
                    heard(notification.getPayload());
                }
            });
            conn.closeHandler(closed -> {
                connection = null;
                snapshots.suspend();
                retryLater();
            });
            conn.query("LISTEN " + CHANNEL + "; LISTEN " + ScheduleChanges.CHANNEL).execute().onComplete(listening -> {
                if (listening.failed()) {
                    LOG.warnf("LISTEN %s failed: %s", CHANNEL, listening.cause().getMessage());
                    conn.close();
                    return;
                }
                if (stopped) {
                    conn.close();
                    return;
                }
                connection = conn;
                snapshots.resume();
                LOG.debugf("listening to %s: organization snapshots on", CHANNEL);
            });
        });
    }

    void heard(String payload) {
        if (payload == null || payload.isEmpty() || "*".equals(payload)) {
            snapshots.invalidateAll();
        } else {
            snapshots.invalidate(payload);
        }
    }

    private void retryLater() {
        if (!stopped) {
            vertx.setTimer(Math.max(1, config.reconnectEvery().toMillis()), id -> connect());
        }
    }

    /** The datasource's own connection settings. */
    private static Optional<PgConnectOptions> options() {
        var cfg = ConfigProvider.getConfig();
        Optional<String> url = cfg.getOptionalValue("quarkus.datasource.reactive.url", String.class)
                .map(u -> u.startsWith("vertx-reactive:") ? u.substring("vertx-reactive:".length()) : u)
                .filter(u -> !u.isBlank());
        return url.map(u -> {
            PgConnectOptions options = PgConnectOptions.fromUri(u);
            cfg.getOptionalValue("quarkus.datasource.username", String.class).ifPresent(options::setUser);
            cfg.getOptionalValue("quarkus.datasource.password", String.class).ifPresent(options::setPassword);
            cfg.getOptionalValue("oncall.database.connect-timeout", java.time.Duration.class)
                    .ifPresent(t -> options.setConnectTimeout((int) t.toMillis()));
            return options.setTcpKeepAlive(true);
        });
    }
}
