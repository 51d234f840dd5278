package io.oncallapprover.organization;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.oncallapprover.testsupport.IncidentIoStubs.entriesBody;
import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;

import io.oncallapprover.testsupport.IncidentIoStubs;
import io.oncallapprover.testsupport.SignedDeliveries;
import io.oncallapprover.testsupport.Tokens;

/**
 * Two instances of the packaged service (prod mode, {@code target/quarkus-app}) on one database,
 * each holding organization snapshots in memory: a policy or schedule change made through one
 * reaches the checks of the other within a second (PostgreSQL NOTIFY), without restarting
 * anything. Runs after packaging ({@code ./mvnw verify}).
 */
class TwoReplicasIT {

    private static final String ORG = "replicas";
    private static final String SCHEDULE = "01SCHEDREPLICAS00000000001";
    private static final String WEBHOOK_ORG = "replicas-webhook";
    private static final String EVENTS_ORG = "replicas-events";
    private static final String TOKEN = Tokens.token(List.of(ORG, WEBHOOK_ORG, EVENTS_ORG), Set.of("admin", "service"));
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static WireMockServer incidentIo;
    private static WireMock incidentIoClient;
    private static IncidentIoStubs stubs;
    private static final List<Process> replicas = new ArrayList<>();
    /** Each replica's management interface (health, metrics), by its API base: a port of its own. */
    private static final java.util.Map<String, String> management = new java.util.concurrent.ConcurrentHashMap<>();
    private static String a;
    private static String b;

    @BeforeAll
    static void twoReplicas() throws Exception {
        incidentIo = new WireMockServer(WireMockConfiguration.options().dynamicPort().bindAddress("127.0.0.1"));
        incidentIo.start();
        WireMock client = new WireMock("127.0.0.1", incidentIo.port());
        incidentIoClient = client;
        stubs = new IncidentIoStubs(client);
        stubs.installable();
        stubs.scheduleExists(SCHEDULE);
        Instant now = Instant.now();
        onCall(client, "ada@example.com");

        a = start("a");
        b = start("b");
        for (String replica : List.of(a, b)) {
            awaitReady(replica);
        }
    }

    @AfterAll
    static void stop() {
        replicas.forEach(Process::destroy);
        if (incidentIo != null) {
            incidentIo.stop();
        }
    }

    /**
     * The packaged service (the production build) serves health and metrics on the management port only, the
     * OpenAPI document on the API port, and no Swagger UI on either.
     */
    @Test
    void healthAndMetricsOnlyOnTheManagementPortAndNoSwaggerUiInTheProductionBuild() throws Exception {
        for (String path : List.of("/q/health", "/q/health/live", "/q/health/ready", "/q/health/started", "/q/metrics")) {
            assertThat(status(management.get(a) + path)).as("management port " + path).isEqualTo(200);
            assertThat(status(a + path)).as("API port " + path).isEqualTo(404);
        }
        assertThat(status(a + "/q/openapi")).as("the OpenAPI document, on the API port").isEqualTo(200);
        for (String path : List.of("/q/swagger-ui", "/q/swagger-ui/", "/q/swagger-ui/index.html")) {
            assertThat(status(a + path)).as("API port " + path).isEqualTo(404);
            assertThat(status(management.get(a) + path)).as("management port " + path).isEqualTo(404);
        }
    }

    private static int status(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void aChangeMadeThroughOneReplicaReachesTheOtherWithinASecond() throws Exception {
        onCall(incidentIoClient, "ada@example.com");
        assertThat(send(a, "PUT", "/integrations/incidentio", "{\"apiKey\": \"inc_replicas_0123456789abcdef\"}").statusCode())
                .isEqualTo(200);
        assertThat(send(a, "PUT", "/integrations/incidentio/auto-approval", "{\"scheduleIds\": [\"" + SCHEDULE + "\"]}")
                .statusCode()).isEqualTo(200);
        assertThat(send(a, "PUT", "/access-policy", """
                {"rules": [{"name": "on call", "approval": [{"type": "auto", "integration": "incidentio"}]}]}""")
                .statusCode()).isEqualTo(200);
        assertThat(checkCode(b)).isEqualTo("ON_CALL"); // b holds the organization's snapshot now
        assertThat(checkCode(b)).isEqualTo("ON_CALL");

        assertThat(send(a, "PUT", "/access-policy", """
                {"rules": [{"name": "page only", "approval": [{"type": "escalation", "integration": "incidentio",
                  "services": ["%s"]}]}]}""".formatted(SCHEDULE)).statusCode()).isEqualTo(200);
        assertThat(within(b, "NO_MATCHING_RULE")).isLessThan(Duration.ofSeconds(1));

        assertThat(send(a, "DELETE", "/access-policy", null).statusCode()).isEqualTo(204);
        assertThat(within(b, "ON_CALL")).as("default routing again").isLessThan(Duration.ofSeconds(1));

        assertThat(send(a, "PUT", "/integrations/incidentio/auto-approval", "{\"scheduleIds\": []}").statusCode())
                .isEqualTo(200);
        assertThat(within(b, "NO_SCHEDULES")).isLessThan(Duration.ofSeconds(1));

        assertThat(send(a, "DELETE", "/integrations/incidentio", null).statusCode()).isEqualTo(204);
        assertThat(within(b, "NOT_INSTALLED")).isLessThan(Duration.ofSeconds(1));
    }

    /**
     * incident.io from now on: {@code email} on call for the next hours, in the schedule's entries and in
     * the account's schedule list (which the packaged service reads, as in production).
     */
    private static void onCall(WireMock client, String email) {
        Instant now = Instant.now();
        String shift = entry(now.minus(Duration.ofHours(6)), now.plus(Duration.ofHours(6)), "On call", email);
        client.register(get(urlPathEqualTo("/v2/schedule_entries")).willReturn(okJson(entriesBody(
                List.of(), List.of(), List.of(shift), null))));
        stubs.currentShifts(SCHEDULE, now, List.of(shift));
    }

    @Test
    void aShiftChangeDeliveredToOneReplicaDropsTheOthersCachedEntriesWithinASecond() throws Exception {
        String org = WEBHOOK_ORG;
        assertThat(send(a, org, "PUT", "/integrations/incidentio", "{\"apiKey\": \"inc_replicas_0123456789abcdef\"}").statusCode())
                .isEqualTo(200);
        assertThat(send(a, org, "PUT", "/integrations/incidentio/auto-approval", "{\"scheduleIds\": [\"" + SCHEDULE + "\"]}")
                .statusCode()).isEqualTo(200);
        assertThat(send(a, org, "PUT", "/integrations/incidentio/webhook", "{\"signingSecret\": \"" + SignedDeliveries.SECRET + "\"}")
                .statusCode()).isEqualTo(200);
        onCall(incidentIoClient, "ada@example.com");
        assertThat(checkCode(b, org)).isEqualTo("ON_CALL"); // b caches Ada's shift (staleness 5 minutes here)
        onCall(incidentIoClient, "grace@example.com");
        assertThat(checkCode(b, org)).as("still cached").isEqualTo("ON_CALL");

        String body = SignedDeliveries.shiftChange(SCHEDULE, List.of("grace@example.com"), List.of("ada@example.com"));
        long at = Instant.now().getEpochSecond();
        String id = "msg_replicas_" + System.nanoTime(); // the database may hold deliveries of an earlier run
        HttpResponse<String> delivered = HTTP.send(HttpRequest.newBuilder(URI.create(a + SignedDeliveries.path(org)))
                .header("webhook-id", id).header("webhook-timestamp", Long.toString(at))
                .header("webhook-signature", SignedDeliveries.sign(SignedDeliveries.SECRET, id, at, body))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(delivered.statusCode()).as(delivered.body()).isEqualTo(202);
        assertThat(within(b, org, "NOT_ON_CALL")).isLessThan(Duration.ofSeconds(1));
    }

    /**
     * The incident.io budget follows the replicas that live: a third replica brings every share to a
     * third; killed with SIGKILL (no shutdown, its lease row left behind), its share returns to the two
     * others once its lease lapses (5 s), within a few heartbeats more.
     */
    @Test
    void aReplicaKilledWithSigkillGivesItsShareOfTheBudgetBackWhenItsLeaseLapses() throws Exception {
        String c = start("c");
        Process third = replicas.get(replicas.size() - 1);
        awaitReady(c);
        for (String replica : List.of(a, b, c)) {
            awaitShare(replica, 1.0 / 3, Duration.ofSeconds(15));
        }
        third.destroyForcibly().waitFor();
        long killed = System.nanoTime();
        awaitShare(a, 0.5, Duration.ofSeconds(15));
        awaitShare(b, 0.5, Duration.ofSeconds(15));
        assertThat(Duration.ofNanos(System.nanoTime() - killed)).as("the killed replica's share came back")
                .isLessThan(Duration.ofSeconds(10));
    }

    /**
     * A crash between the change and its delivery loses no event: a request is made through a replica while
     * the destination refuses everything, that replica is killed with SIGKILL, and once the destination
     * accepts again the others deliver each of the request's events, in order (repeats carry the same id).
     */
    @Test
    void aReplicaKilledWithSigkillBetweenAChangeAndItsDeliveryLosesNoEvent() throws Exception {
        try (io.oncallapprover.testsupport.EventReceiver receiver = new io.oncallapprover.testsupport.EventReceiver()) {
            onCall(incidentIoClient, "ada@example.com");
            assertThat(send(a, EVENTS_ORG, "PUT", "/integrations/incidentio", "{\"apiKey\": \"inc_replicas_0123456789abcdef\"}")
                    .statusCode()).isEqualTo(200);
            assertThat(send(a, EVENTS_ORG, "PUT", "/integrations/incidentio/auto-approval", "{\"scheduleIds\": [\"" + SCHEDULE
                    + "\"]}").statusCode()).isEqualTo(200);
            HttpResponse<String> registered = send(a, EVENTS_ORG, "POST", "/event-destinations",
                    "{\"url\": \"" + receiver.url("/hooks") + "\"}");
            assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
            receiver.failNext(Integer.MAX_VALUE);

            String doomed = start("d");
            Process d = replicas.get(replicas.size() - 1);
            awaitReady(doomed);
            HttpResponse<String> created = send(doomed, EVENTS_ORG, "POST", "/access-requests",
                    "{\"requester\": \"ada@example.com\", \"reason\": \"deploy\", \"resource\": {\"type\": \"role\", \"service\": \"web\","
                    + " \"name\": \"prod\"}}");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            String id = created.body().replaceAll("(?s).*?\"id\":\"([^\"]+)\".*", "$1");
            Thread.sleep(1500); // replicas try (and fail) to deliver meanwhile; d may hold the destination's lease
            d.destroyForcibly().waitFor();
            receiver.failNext(0);

            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (receiver.accepted().size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            List<String> types = receiver.accepted().stream()
                    .map(r -> typeOf(r.body())).toList();
            assertThat(types).as("each event of the request, in order, once accepted").containsExactly("access_request.created",
                    "access_request.approved");
            assertThat(receiver.accepted()).allSatisfy(r -> assertThat(r.body()).contains(id));
            assertThat(receiver.received().stream().filter(r -> r.answered() >= 300).count()).as("refused while failing")
                    .isPositive();
        }
    }

    private static String typeOf(String event) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(event).path("type").asText();
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + event, e);
        }
    }

    /** Waits until {@code replica}'s share of the incident.io budget (its metric) is {@code expected}. */
    private static void awaitShare(String replica, double expected, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        double share = -1;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> metrics = HTTP.send(HttpRequest.newBuilder(URI.create(management.get(replica) + "/q/metrics"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            share = metrics.body().lines().filter(l -> l.startsWith("incidentio_budget_share"))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(-1);
            if (Math.abs(share - expected) < 1e-6) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(replica + ": share " + share + ", expected " + expected + " within " + within);
    }

    /** How long until {@code replica}'s check answers {@code code} (measured from now; fails after 5 s). */
    private static Duration within(String replica, String code) throws Exception {
        return within(replica, ORG, code);
    }

    private static Duration within(String replica, String org, String code) throws Exception {
        long start = System.nanoTime();
        while (!code.equals(checkCode(replica, org))) {
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("waiting for " + code).isLessThan(Duration.ofSeconds(5));
            Thread.sleep(5);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private static String checkCode(String replica) throws Exception {
        return checkCode(replica, ORG);
    }

    private static String checkCode(String replica, String org) throws Exception {
        HttpResponse<String> response = send(replica, org, "POST", "/approval-checks/auto", "{\"requester\": \"ada@example.com\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        String body = response.body();
        int at = body.indexOf("\"code\":\"") + 8;
        return body.substring(at, body.indexOf('"', at));
    }

    private static HttpResponse<String> send(String replica, String method, String path, String json) throws Exception {
        return send(replica, ORG, method, path, json);
    }

    private static HttpResponse<String> send(String replica, String org, String method, String path, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(replica + "/api/v1/orgs/" + org + path))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + TOKEN);
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        request.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String start(String name) throws IOException {
        int port = freePort();
        int managementPort = freePort();
        String dbUrl = System.getenv().getOrDefault("TEST_DB_URL", "postgresql://127.0.0.1:5432/test");
        String jdbcUrl = System.getenv().getOrDefault("TEST_DB_JDBC_URL", "jdbc:postgresql://127.0.0.1:5432/test");
        Path log = Path.of("target", "replica-" + name + ".log");
        List<String> command = List.of(javaBinary(), "-Xmx256m",
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.management.port=" + managementPort,
                "-Dquarkus.datasource.reactive.url=" + dbUrl,
                "-Dquarkus.datasource.jdbc.url=" + jdbcUrl,
                "-Dquarkus.datasource.username=" + System.getenv().getOrDefault("TEST_DB_USERNAME", "postgres"),
                "-Dquarkus.datasource.password=" + System.getenv().getOrDefault("TEST_DB_PASSWORD", "postgres"),
                "-Dquarkus.rest-client.incidentio.url=http://127.0.0.1:" + incidentIo.port(),
                "-Doncall.secrets.active-key-id=it",
                "-Doncall.secrets.master-keys=it:aW50ZWdyYXRpb24tdGVzdC1tYXN0ZXIta2V5LTMyYiE=",
                "-Dmp.jwt.verify.publickey.location=" + new File("src/test/resources/jwt/publicKey.pem").getAbsolutePath(),
                "-Dmp.jwt.verify.issuer=" + Tokens.ISSUER,
                "-Dquarkus.log.console.json.enabled=false",
                "-Doncall.jobs.outbox-poll-every=off",
                // Cached entries answer for 5 minutes here, so only a dropped cache can change a check within the test.
                "-Doncall.on-call.staleness=5m",
                "-Doncall.jobs.refresh-ahead-every=off",
                // Event destinations on this machine (the test's receiver); a killed replica's delivery lease lapses soon.
                "-Doncall.events.trusted-hosts=127.0.0.1",
                "-Doncall.events.delivery-timeout=2s",
                "-Doncall.events.delivery-lease=10s",
                "-jar", "target/quarkus-app/quarkus-run.jar");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        replicas.add(process);
        management.put("http://127.0.0.1:" + port, "http://127.0.0.1:" + managementPort);
        return "http://127.0.0.1:" + port;
    }

    private static void awaitReady(String replica) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                HttpResponse<String> ready = HTTP.send(HttpRequest.newBuilder(URI.create(management.get(replica) + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (ready.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("replica " + replica + " not ready; see target/replica-*.log:\n"
                        + Files.readString(Path.of("target", "replica-a.log")));
            }
            Thread.sleep(200);
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
