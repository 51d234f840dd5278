package io.oncallapprover.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A migration waits at most lock_timeout for its locks: while the previous release holds a table (a transaction
 * reading it), the migration fails within the timeout, instead of waiting behind it and, queued, blocking every
 * later query of that table for as long.
 */
class MigrationLockTimeoutTest {

    private static Migrations.Cluster cluster;

    @BeforeAll
    static void start() {
        cluster = new Migrations.Cluster();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void theServiceSetsALockTimeoutOnFlywaysConnections() {
        assertThat(Migrations.property("quarkus.flyway.init-sql")).isEqualTo("SET lock_timeout = '5s'");
    }

    @Test
    void aMigrationMeetingALockedTableFailsWithinTheTimeout() throws Exception {
        String db = cluster.createDatabase("locked");
        String url = cluster.url(db);
        Migrations.flyway(url, "postgres", 14).migrate();
        try (Connection reader = cluster.connect(db, "postgres")) {
            // The previous release, mid-transaction, has read the table V15 alters.
            reader.setAutoCommit(false);
            reader.createStatement().execute("select count(*) from audit_event");
            long started = System.nanoTime();
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThatThrownBy(
                    () -> Migrations.flyway(url, "postgres", 15).migrate())
                    .satisfies(e -> assertThat(sqlState(e)).as("the failure's SQLSTATE").isEqualTo("55P03")));
            Duration waited = Duration.ofNanos(System.nanoTime() - started);
            assertThat(waited).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(15));
            reader.rollback();
        }
        // Nothing half done: V15 rolled back, and it applies once the table is free.
        assertThat(Migrations.flyway(url, "postgres", 15).migrate().migrationsExecuted).isEqualTo(1);
    }

    private static String sqlState(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                return sql.getSQLState();
            }
        }
        return null;
    }
}
