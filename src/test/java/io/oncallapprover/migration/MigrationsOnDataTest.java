package io.oncallapprover.migration;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.oncallapprover.audit.AuditChain;

/**
 * Every migration applies to a database holding rows, as production's does: for each V_k, a fresh database is
 * migrated to V_(k-1), every table that exists then gets a row ({@link TableFiller}), and V_k must apply. Then
 * V15's chaining of the events written before it is recomputed in Java.
 */
class MigrationsOnDataTest {

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
    void eachMigrationAppliesOnRowsInEveryTableOfTheVersionBefore() throws Exception {
        List<Path> files = Migrations.files();
        assertThat(files).hasSizeGreaterThanOrEqualTo(15);
        for (int i = 1; i < files.size(); i++) {
            int previous = Migrations.version(files.get(i - 1));
            int next = Migrations.version(files.get(i));
            String db = cluster.createDatabase("before_v" + next);
            String url = cluster.url(db);
            Migrations.flyway(url, "postgres", previous).migrate();
            try (Connection c = cluster.connect(db, "postgres")) {
                List<String> tables = TableFiller.fillEveryTable(c);
                assertThat(tables).as("tables at V%d", previous).isNotEmpty();
                assertThat(TableFiller.empty(c, tables)).as("tables left without a row at V%d", previous).isEmpty();
            }
            MigrateResult result = Migrations.flyway(url, "postgres", next).migrate();
            assertThat(result.success).as(files.get(i).getFileName() + " on a database with rows").isTrue();
            assertThat(result.migrationsExecuted).as(files.get(i).getFileName().toString()).isEqualTo(1);
        }
    }

    @Test
    void eventsWrittenBeforeV15AreChainedAsJavaComputesIt() throws Exception {
        String db = cluster.createDatabase("backfill");
        String url = cluster.url(db);
        Migrations.flyway(url, "postgres", 14).migrate();
        try (Connection c = cluster.connect(db, "postgres")) {
            c.createStatement().execute("""
                    insert into audit_event (org_id, action, subject, detail, occurred_at, request_id) values
                    ('beta', 'POLICY_CHANGED', 'bob', null, '2026-01-01T00:00:00.123456Z', null),
                    ('acme', 'REQUEST_CREATED', 'ädmin 東京 🚀', 'a ''quoted'' detail', '2025-12-31T23:59:59.999999Z',
                     '0a1b2c3d-0000-4000-8000-000000000000'),
                    ('acme', 'REQUEST_APPROVED', '', '', '2026-01-02T00:00:00Z', null),
                    ('beta', 'POLICY_DELETED', 'bob', 'x', '1969-12-31T23:59:59.5Z', null),
                    ('acme', 'POLICY_CHANGED', 'carol', null, '2026-01-03T00:00:00Z', null)""");
        }
        Migrations.flyway(url, "postgres", null).migrate();
        try (Connection c = cluster.connect(db, "postgres");
                ResultSet rs = c.createStatement().executeQuery("""
                        select org_id, chain_seq, request_id, action, subject, detail, occurred_at, prev_hash, hash
                        from audit_event order by org_id, chain_seq""")) {
            String org = null;
            byte[] prev = null;
            long expectedSeq = 0;
            int rows = 0;
            while (rs.next()) {
                if (!rs.getString(1).equals(org)) {
                    org = rs.getString(1);
                    prev = AuditChain.genesis();
                    expectedSeq = 0;
                }
                expectedSeq++;
                Instant at = rs.getObject(7, java.time.OffsetDateTime.class).toInstant();
                byte[] hash = AuditChain.hash(prev, new AuditChain.Link(rs.getLong(2), org, rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), at));
                assertThat(rs.getLong(2)).isEqualTo(expectedSeq);
                assertThat(HexFormat.of().formatHex(rs.getBytes(8))).isEqualTo(HexFormat.of().formatHex(prev));
                assertThat(HexFormat.of().formatHex(rs.getBytes(9))).as(org + " #" + expectedSeq)
                        .isEqualTo(HexFormat.of().formatHex(hash));
                prev = hash;
                rows++;
            }
            assertThat(rows).isEqualTo(5);
        }
    }
}
