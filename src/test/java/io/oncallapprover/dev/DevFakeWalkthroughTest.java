package io.oncallapprover.dev;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.oncallapprover.testsupport.ApiTestBase;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Runs the README's dev-mode walk-through against the very fake dev mode serves
 * ({@code dev/incidentio-fake}), so the fake and the README cannot silently drift apart.
 */
@QuarkusTest
@ConnectWireMock
class DevFakeWalkthroughTest extends ApiTestBase {

    static final String PRIMARY_FAKE = "01FAKEPRIMARY0000000000001";
    static final String SECONDARY_FAKE = "01FAKESECONDARY00000000002";

    @BeforeEach
    void loadTheDevFake() {
        wiremock.loadMappingsFrom("dev/incidentio-fake");
        // The fake's shifts are templated relative to the real time.
        clock.set(Instant.now());
    }

    /** The YAML policy of the README walk-through, taken from the README itself. */
    static String readmePolicy() {
        try {
            String readme = java.nio.file.Files.readString(java.nio.file.Path.of("README.md"));
            int start = readme.indexOf("rules:\n");
            int end = readme.indexOf("\nYAML", start);
            return readme.substring(start, end + 1);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @jakarta.inject.Inject
    io.oncallapprover.webhook.WebhookProcessor webhooks;

    /** A value the README's walk-through sets in the shell, e.g. {@code SECRET=...}. */
    static String readmeShellValue(String name) throws java.io.IOException {
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("README.md"));
        int start = readme.indexOf("\n" + name + "=") + name.length() + 2;
        return readme.substring(start, readme.indexOf('\n', start)).trim();
    }

    /** Steps 11 and 12: the signing secret, Ada's grant, and the README's script delivering the signed shift change. */
    private void webhookStepsOfTheReadme() throws Throwable {
        String secret = readmeShellValue("SECRET");
        given().contentType("application/json").body(java.util.Map.of("signingSecret", secret))
                .put("/api/v1/orgs/acme/integrations/incidentio/webhook").then().statusCode(200);
        String ada = given().contentType("application/json").body(java.util.Map.of("requester", "ada.lovelace@example.com",
                "resource", java.util.Map.of("type", "role", "service", "web", "name", "deploy"), "reason", "Deploying the hotfix"))
                .post("/api/v1/orgs/acme/access-requests").then().statusCode(201).body("status", equalTo("APPROVED"))
                .extract().path("id");

        Process script = new ProcessBuilder("bash", "dev/deliver-webhook.sh", "acme", secret, "dev/webhooks/shift-change-primary.json",
                "http://localhost:" + io.restassured.RestAssured.port).redirectErrorStream(true).start();
        String output = new String(script.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        org.assertj.core.api.Assertions.assertThat(script.waitFor()).as(output).isZero();
        org.assertj.core.api.Assertions.assertThat(output).contains("\"eventType\":\"schedule.shift_change_v1\"")
                .contains("\"duplicate\":false");
        org.assertj.core.api.Assertions.assertThat(io.quarkus.vertx.VertxContextSupport.<Integer> subscribeAndAwait(
                () -> webhooks.drainOnce())).isEqualTo(1);

        given().get("/api/v1/orgs/acme/access-requests/" + ada).then().statusCode(200)
                .body("status", equalTo("EXPIRED"))
                .body("endedReason", org.hamcrest.Matchers.containsString(PRIMARY_FAKE))
                .body("auditTrail.action", org.hamcrest.Matchers.hasItem("GRANT_ENDED_BY_SHIFT_CHANGE"));
    }

    /** Step 13: the JSON policy paging an escalation path, as the README sets it. */
    static String readmeEscalationPolicy() throws java.io.IOException {
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("README.md"));
        int step = readme.indexOf("# 13.");
        int start = readme.indexOf("-d '", step) + 4;
        return readme.substring(start, readme.indexOf("}'\n", start) + 1);
    }

    @jakarta.inject.Inject
    io.oncallapprover.escalation.IncidentOutboxWorker outbox;

    /** Step 13: a request paged through the fake's escalation path, then denied: the escalation is cancelled. */
    private void pagingWithoutAnIncidentStepOfTheReadme() throws Throwable {
        putPolicy("acme", readmeEscalationPolicy()).statusCode(200);
        String id = given().contentType("application/json").body(java.util.Map.of("requester", "bob@example.com",
                "resource", java.util.Map.of("type", "role", "service", "postgres", "name", "prod-db"), "reason",
                "Rotate the replication slot")).post("/api/v1/orgs/acme/access-requests").then().statusCode(201)
                .body("status", equalTo("PENDING")).extract().path("id");
        given().post("/api/v1/orgs/acme/access-requests/" + id + "/escalate").then().statusCode(202);
        io.quarkus.vertx.VertxContextSupport.<Integer> subscribeAndAwait(() -> outbox.drainOnce());
        given().get("/api/v1/orgs/acme/access-requests/" + id).then().statusCode(200)
                .body("escalation.page", equalTo("escalation")).body("incident.state", equalTo("NONE"))
                .body("escalations.state", contains("CREATED"))
                .body("escalations.escalationPathId", contains("01FAKEPATH0000000000000001"))
                .body("escalations.id", contains("01FAKEESCALATION0000000042"));
        given().contentType("application/json").body(java.util.Map.of("approver", "grace@example.com", "decision", "DENY",
                "comment", "not during the freeze")).post("/api/v1/orgs/acme/access-requests/" + id + "/decisions").then()
                .statusCode(201);
        io.quarkus.vertx.VertxContextSupport.<Integer> subscribeAndAwait(() -> outbox.drainOnce());
        given().get("/api/v1/orgs/acme/access-requests/" + id).then().statusCode(200)
                .body("status", equalTo("DENIED")).body("escalations.state", contains("CANCELLED"));
    }

    @jakarta.inject.Inject
    io.oncallapprover.delivery.EventDelivery delivery;

    /**
     * Step 14: a destination on this machine, the README's receiver (dev/EventReceiver.java) started with the secret
     * shown once, Ada's new grant revoked: the receiver verifies and prints created, approved and grant_ended.
     */
    private void eventsStepOfTheReadme() throws Throwable {
        given().delete("/api/v1/orgs/acme/access-policy").then().statusCode(204);
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String secret = given().contentType("application/json").body(java.util.Map.of("url", "http://localhost:" + port + "/events"))
                .post("/api/v1/orgs/acme/event-destinations").then().statusCode(201).extract().path("secret");
        Process receiver = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "dev/EventReceiver.java", Integer.toString(port), secret).redirectErrorStream(true).start();
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(receiver.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8));
            org.assertj.core.api.Assertions.assertThat(out.readLine()).startsWith("receiving events on");
            String ada = given().contentType("application/json").body(java.util.Map.of("requester", "ada.lovelace@example.com",
                    "resource", java.util.Map.of("type", "role", "service", "web", "name", "deploy"), "reason", "One more deploy"))
                    .post("/api/v1/orgs/acme/access-requests").then().statusCode(201).body("status", equalTo("APPROVED"))
                    .extract().path("id");
            given().get("/api/v1/orgs/acme/events?type=access_request.approved").then().statusCode(200)
                    .body("events.requestId", org.hamcrest.Matchers.hasItem(ada));
            given().contentType("application/json").body(java.util.Map.of("by", "backend@example.com", "comment", "deploy done"))
                    .post("/api/v1/orgs/acme/access-requests/" + ada + "/revoke").then().statusCode(200);
            org.assertj.core.api.Assertions.assertThat(io.quarkus.vertx.VertxContextSupport.<Integer> subscribeAndAwait(
                    () -> delivery.deliverDue())).isEqualTo(3);
            org.assertj.core.api.Assertions.assertThat(List.of(out.readLine(), out.readLine(), out.readLine())).containsExactly(
                    "verified access_request.created request=" + ada + " status=APPROVED",
                    "verified access_request.approved request=" + ada + " status=APPROVED",
                    "verified access_request.grant_ended request=" + ada + " status=EXPIRED endedReason=REVOKED");
        } finally {
            receiver.destroy();
        }
    }

    @Test
    void theReadmeWalkthroughGivesTheAnswersItPromises() throws Throwable {
        install("acme", "inc_dev_fake_key_0001").statusCode(200)
                .body("customFieldType", equalTo("multi_select"));

        given().get("/api/v1/orgs/acme/integrations/incidentio/schedules").then().statusCode(200)
                .body("schedules.id", contains(PRIMARY_FAKE, SECONDARY_FAKE, "01FAKEDATABASE000000000003"));

        setAutoApproval("acme", List.of(PRIMARY_FAKE, SECONDARY_FAKE)).statusCode(200);
        given().contentType("application/json")
                .body("{\"severityId\": \"01FAKESEVMINOR000000000001\", \"incidentTypeId\": \"01FAKETYPEACCESS0000000001\", \"mode\": \"test\"}")
                .put("/api/v1/orgs/acme/integrations/incidentio/incident-settings").then().statusCode(200)
                .body("mode", equalTo("test")).body("fromDefaults", org.hamcrest.Matchers.empty());
        io.restassured.RestAssured.given().contentType("application/yaml").body(readmePolicy().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .put("/api/v1/orgs/acme/access-policy").then().statusCode(200);

        given().get("/api/v1/orgs/acme/integrations/incidentio/on-call").then().statusCode(200)
                .body("schedules[0].onCall.email", contains("ada.lovelace@example.com"))
                .body("schedules[1].onCall.email", contains("grace@example.com"));

        autoCheck("acme", "ada.lovelace@example.com", "Deploying the hotfix").statusCode(200)
                .body("approved", equalTo(true)).body("code", equalTo("ON_CALL"));
        autoCheck("acme", "Grace@Example.com", null).statusCode(200)
                .body("approved", equalTo(true)).body("evidence.scheduleId", contains(SECONDARY_FAKE));
        autoCheck("acme", "bob@example.com", null).statusCode(200)
                .body("approved", equalTo(false)).body("code", equalTo("NOT_ON_CALL"));

        webhookStepsOfTheReadme();
        pagingWithoutAnIncidentStepOfTheReadme();
        eventsStepOfTheReadme();

        install("acme", "invalid-key-for-the-demo").statusCode(422).body("code", equalTo("INVALID_API_KEY"));
        install("acme", "readonly-key-for-the-demo").statusCode(422).body("code", equalTo("MISSING_ROLES"));
    }
    /** The fake's schedules know the rotations their entries name, so rotation filters can be tried in dev mode. */
    @Test
    void theFakesSchedulesKnowTheRotationsTheirEntriesName() {
        install("acme", "inc_dev_fake_key_0001").statusCode(200);
        setAutoApproval("acme", List.of(PRIMARY_FAKE, SECONDARY_FAKE)).statusCode(200);
        putPolicy("acme", """
                {"rules": [{"name": "primary rota", "approval": [{"type": "auto", "integration": "incidentio",
                  "rotations": ["01FAKEROT0000000000000001"], "layers": ["01FAKELAYER000000000000001", "01FAKELAYER000000000000002"]}]}]}""")
                .statusCode(200);
        autoCheck("acme", "ada.lovelace@example.com", null).statusCode(200)
                .body("approved", equalTo(true)).body("evidence.rotationId", org.hamcrest.Matchers.everyItem(
                        equalTo("01FAKEROT0000000000000001")));
        autoCheck("acme", "grace@example.com", null).statusCode(200).body("code", equalTo("NOT_ON_CALL"));

        putPolicy("acme", """
                {"rules": [{"name": "database rota", "approval": [{"type": "auto", "integration": "incidentio",
                  "rotations": ["01FAKEROT0000000000000003"]}]}]}""")
                .statusCode(422).body("code", equalTo("UNKNOWN_ROTATIONS"));
    }
}
