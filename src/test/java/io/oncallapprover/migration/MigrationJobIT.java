package io.oncallapprover.migration;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.oncallapprover.testsupport.Tokens;

/**
 * The production overlay's way, with the packaged service: on a private PostgreSQL with the two roles of
 * docs/postgresql.md, the migration Job's container (its literal environment, from the rendered manifest, and
 * the owner's credentials) migrates the schema and exits 0 without serving; then a replica with the
 * Deployment's environment and the row role's credentials starts, becomes ready, writes a policy (a NOTIFY
 * trigger and an audit append under that role) and verifies the audit chain.
 */
class MigrationJobIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** What the Secret's SECRETS_* keys hold: a test-only key, as TwoReplicasIT's. */
    private static final Map<String, String> MASTER_KEYS = Map.of("SECRETS_ACTIVE_KEY_ID", "it",
            "SECRETS_MASTER_KEYS", "it:aW50ZWdyYXRpb24tdGVzdC1tYXN0ZXIta2V5LTMyYiE=");

    private static Migrations.Cluster cluster;
    private static final List<Process> processes = new ArrayList<>();

    @BeforeAll
    static void rolesAsDocumented() throws Exception {
        cluster = new Migrations.Cluster();
        try (Connection c = cluster.connect("postgres", "postgres")) {
            DatabaseRolesTest.run(c, DatabaseRolesTest.block("roles:cluster"));
        }
        try (Connection c = cluster.connect("oncall", "postgres")) {
            DatabaseRolesTest.run(c, DatabaseRolesTest.block("roles:database"));
        }
    }

    @AfterAll
    static void stop() {
        processes.forEach(Process::destroyForcibly);
        cluster.close();
    }

    @Test
    void theJobMigratesAndExitsThenTheServiceRunsAsTheRoleOfRows() throws Exception {
        List<HasMetadata> production = io.oncallapprover.deployment.KubernetesManifests.renderProduction();
        Job job = production.stream().filter(Job.class::isInstance).map(Job.class::cast).findFirst().orElseThrow();
        Deployment deployment = production.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast)
                .findFirst().orElseThrow();

        int jobPort = freePort();
        Map<String, String> jobEnv = literalEnv(job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv());
        jobEnv.putAll(database("oncall_owner"));
        jobEnv.putAll(MASTER_KEYS);
        jobEnv.put("PORT", String.valueOf(jobPort));
        // Its own management port too, should anything listen (nothing may: it migrates and exits).
        Process migration = start(jobEnv, List.of("-Dquarkus.management.port=" + freePort()), "migration-job");
        assertThat(migration.waitFor(120, TimeUnit.SECONDS)).as("the Job's container exits; see target/migration-job.log").isTrue();
        assertThat(migration.exitValue()).as("exit code; see target/migration-job.log").isZero();
        assertThat(Files.readString(Path.of("target/migration-job.log"))).doesNotContain("Listening on");
        try (Connection c = cluster.connect("oncall", "postgres");
                ResultSet rs = c.createStatement().executeQuery("select count(*), bool_and(success), max(installed_by),"
                        + " min(installed_by) from flyway_schema_history where version is not null")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(Migrations.files().size());
            assertThat(rs.getBoolean(2)).isTrue();
            assertThat(List.of(rs.getString(3), rs.getString(4))).containsOnly("oncall_owner");
        }
        try (Connection c = cluster.connect("oncall", "postgres")) {
            DatabaseRolesTest.run(c, DatabaseRolesTest.block("roles:after-first-migration"));
        }

        int port = freePort();
        Map<String, String> serviceEnv = literalEnv(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv());
        assertThat(serviceEnv).containsEntry("QUARKUS_FLYWAY_MIGRATE_AT_START", "false");
        serviceEnv.putAll(database("oncall_app"));
        serviceEnv.put("PORT", String.valueOf(port));
        serviceEnv.putAll(MASTER_KEYS);
        serviceEnv.put("MP_JWT_VERIFY_PUBLICKEY_LOCATION", new File("src/test/resources/jwt/publicKey.pem").getAbsolutePath());
        serviceEnv.put("MP_JWT_VERIFY_ISSUER", Tokens.ISSUER);
        serviceEnv.remove("INCIDENTIO_BASE_URL");
        int managementPort = freePort();
        start(serviceEnv, List.of("-Dquarkus.log.console.json.enabled=false", "-Dquarkus.management.port=" + managementPort),
                "migration-service");
        String base = "http://127.0.0.1:" + port;
        awaitReady("http://127.0.0.1:" + managementPort); // health is on the management interface
        String token = Tokens.token(List.of("acme"), Set.of("admin", "service"));
        HttpResponse<String> policy = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/orgs/acme/access-policy"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"rules\": []}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(policy.statusCode()).as(policy.body()).isEqualTo(200);
        HttpResponse<String> verification = HTTP.send(HttpRequest.newBuilder(URI.create(base
                + "/api/v1/orgs/acme/audit-events/verification")).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(verification.statusCode()).as(verification.body()).isEqualTo(200);
        assertThat(verification.body()).contains("\"verified\":true").contains("\"events\":1");
    }

    private static Map<String, String> database(String user) {
        String url = cluster.url("oncall");
        return Map.of("DB_URL", url.substring("jdbc:".length()), "DB_JDBC_URL", url, "DB_USERNAME", user, "DB_PASSWORD", "unused");
    }

    private static Map<String, String> literalEnv(List<EnvVar> env) {
        Map<String, String> literal = new TreeMap<>();
        env.stream().filter(e -> e.getValue() != null).forEach(e -> literal.put(e.getName(), e.getValue()));
        return literal;
    }

    private static Process start(Map<String, String> env, List<String> options, String name) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m"));
        command.addAll(options);
        command.addAll(List.of("-jar", "target/quarkus-app/quarkus-run.jar"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(Path.of("target", name + ".log").toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("DB_") || k.startsWith("QUARKUS_") || k.startsWith("TEST_DB"));
        builder.environment().putAll(env);
        Process process = builder.start();
        processes.add(process);
        return process;
    }

    private static void awaitReady(String base) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            try {
                HttpResponse<String> ready = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (ready.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the service never got ready; see target/migration-service.log");
            }
            Thread.sleep(250);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
