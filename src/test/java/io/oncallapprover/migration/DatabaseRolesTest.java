package io.oncallapprover.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * The two roles of docs/postgresql.md, created by the SQL of that document as it is written, on a private
 * PostgreSQL (roles are cluster-wide): the DDL role migrates; the service's DML role can do what the service
 * does at run time (rows of every table, sequences, LISTEN/NOTIFY through V8's triggers, advisory locks, SKIP
 * LOCKED claims, appends to the audit chain) and nothing more: no change or removal of audit events, no DDL,
 * no rewriting of Flyway's history.
 */
class DatabaseRolesTest {

    private static final Path DOC = Path.of("docs/postgresql.md");

    private static Migrations.Cluster cluster;

    @BeforeAll
    static void createTheRolesAsDocumentedAndMigrateAsTheOwner() throws Exception {
        cluster = new Migrations.Cluster();
        try (Connection c = cluster.connect("postgres", "postgres")) {
            run(c, block("roles:cluster"));
        }
        try (Connection c = cluster.connect("oncall", "postgres")) {
            run(c, block("roles:database"));
        }
        assertThat(Migrations.flyway(cluster.url("oncall"), "oncall_owner", null).migrate().success).isTrue();
        try (Connection c = cluster.connect("oncall", "postgres")) {
            run(c, block("roles:after-first-migration"));
        }
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void theOwnerOwnsEveryTable() throws Exception {
        try (Connection c = cluster.connect("oncall", "postgres");
                var rs = c.createStatement().executeQuery("select string_agg(tablename || ':' || tableowner, ',')"
                        + " from pg_tables where schemaname = 'public' and tableowner <> 'oncall_owner'")) {
            rs.next();
            assertThat(rs.getString(1)).as("tables not owned by oncall_owner").isNull();
        }
    }

    @Test
    void theServiceRoleWritesTheRowsOfEveryTable() throws Exception {
        try (Connection c = cluster.connect("oncall", "oncall_app")) {
            c.setAutoCommit(false);
            List<String> tables = TableFiller.fillEveryTable(c);
            assertThat(TableFiller.empty(c, tables)).isEmpty();
            try (Statement s = c.createStatement()) {
                for (String table : tables) {
                    if (!table.equals("audit_event")) {
                        // The leased queues' claim: FOR UPDATE needs UPDATE.
                        s.executeQuery("select * from " + table + " for update skip locked limit 1").close();
                        String column = firstColumn(c, table);
                        s.executeUpdate("update " + table + " set " + column + " = " + column);
                    }
                }
                // The replica leases and the audit chain serialize through advisory locks.
                s.execute("select pg_advisory_xact_lock(42)");
                // The audit chain is the database's: an append by this role is chained.
                s.executeUpdate("insert into audit_event (org_id, action, subject, occurred_at) values ('acme', 'POLICY_CHANGED', 'x', now())");
                List<String> children = new ArrayList<>(tables);
                java.util.Collections.reverse(children);
                for (String table : children) {
                    if (!table.equals("audit_event")) {
                        s.executeUpdate("delete from " + table);
                    }
                }
            }
            c.commit();
        }
    }

    @Test
    void theServiceRoleHearsTheChangesOfOrganizationsThroughV8sTriggers() throws Exception {
        try (Connection listener = cluster.connect("oncall", "oncall_app");
                Connection writer = cluster.connect("oncall", "oncall_app")) {
            listener.createStatement().execute("listen oncall_org_changed");
            writer.createStatement().executeUpdate("insert into access_policy (org_id, document, updated_at, updated_by)"
                    + " values ('heard-org', '{}', now(), 'test')");
            PGNotification[] heard = listener.unwrap(PGConnection.class).getNotifications(5000);
            assertThat(heard).isNotNull().extracting(PGNotification::getParameter).contains("heard-org");
            writer.createStatement().executeUpdate("delete from access_policy where org_id = 'heard-org'");
        }
    }

    @Test
    void theServiceRoleCanNeitherRewriteTheAuditTrailNorChangeTheSchema() throws Exception {
        try (Connection c = cluster.connect("oncall", "oncall_app")) {
            c.createStatement().executeUpdate(
                    "insert into audit_event (org_id, action, subject, occurred_at) values ('acme', 'POLICY_CHANGED', 'y', now())");
            // Refused by privilege (42501), before the trigger would refuse it.
            for (String sql : List.of(
                    "update audit_event set subject = 'someone else'",
                    "delete from audit_event",
                    "truncate audit_event",
                    "alter table audit_event disable trigger audit_event_append_only",
                    "drop trigger audit_event_append_only on audit_event",
                    "create table evil (id int)",
                    "alter table access_request add column evil int",
                    "drop table access_request",
                    "create or replace function audit_event_refuse_change() returns trigger language plpgsql as $$ begin return null; end $$",
                    "create index evil on access_request (requester)",
                    "update flyway_schema_history set checksum = 0",
                    "delete from flyway_schema_history")) {
                assertThatThrownBy(() -> c.createStatement().execute(sql)).as(sql).isInstanceOf(SQLException.class)
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).as(sql + ": " + e.getMessage())
                                .isEqualTo("42501"));
            }
        }
    }

    private static String firstColumn(Connection c, String table) throws SQLException {
        try (var ps = c.prepareStatement("select column_name from information_schema.columns where table_schema = 'public'"
                + " and table_name = ? order by ordinal_position limit 1")) {
            ps.setString(1, table);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    /** The SQL block that follows {@code <!-- marker -->} in the document. */
    static String block(String marker) throws Exception {
        String doc = Files.readString(DOC);
        int at = doc.indexOf("<!-- " + marker + " -->");
        assertThat(at).as(marker + " in " + DOC).isNotNegative();
        int open = doc.indexOf("```sql\n", at);
        int close = doc.indexOf("\n```", open + 7);
        return doc.substring(open + 7, close + 1);
    }

    /** Runs each statement alone (create database cannot run in a transaction): split at ';' ending a line, outside $$. */
    static void run(Connection c, String sql) throws SQLException {
        c.setAutoCommit(true);
        StringBuilder statement = new StringBuilder();
        boolean inBody = false;
        for (String line : sql.split("\n")) {
            if (line.trim().startsWith("--") && statement.isEmpty()) {
                continue;
            }
            statement.append(line).append('\n');
            int dollars = line.split("\\$\\$", -1).length - 1;
            if (dollars % 2 == 1) {
                inBody = !inBody;
            }
            if (!inBody && line.trim().endsWith(";")) {
                c.createStatement().execute(statement.toString());
                statement.setLength(0);
            }
        }
        assertThat(statement.toString().trim()).as("SQL after the last statement").isEmpty();
    }
}
