package io.oncallapprover.idempotency;

import static io.oncallapprover.testsupport.OpenApiContract.invalidRequest;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.oncallapprover.request.AccessRequestDtos.CreateAccessRequest;
import io.oncallapprover.request.AccessRequestDtos.ResourceRef;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * {@code Idempotency-Key} on creating a request: a repeat is answered again and creates nothing;
 * the key on another request is 422; keys are per organization, checked, and forgotten after the
 * retention; a key left running by a dead replica is free once its lease lapses.
 */
@QuarkusTest
@ConnectWireMock
class IdempotentCreateApiTest extends KeyedApiTestBase {

    @Inject
    IdempotencyStore store;

    @Inject
    ObjectMapper json;

    @Inject
    IdempotencyConfig config;

    @Test
    void aRepeatedCreateGetsTheFirstAnswerAndCreatesNothing() {
        String key = UUID.randomUUID().toString();
        Response first = create(key, requestBody("bob@example.com", "postgres"));
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(first.header("Idempotent-Replayed")).isNull();
        String id = first.path("id");
        assertThat(first.header("Location")).endsWith("/api/v1/orgs/" + ORG + "/access-requests/" + id);

        // The same values in another order and spacing are the same request.
        Response repeat = create(key, """
                { "resource": {"name": "prod", "service": "postgres", "type": "role"},
                  "reason": "deploy",   "requester": "bob@example.com" }""");
        assertThat(repeat.statusCode()).isEqualTo(201);
        assertThat(repeat.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(repeat.asString()).isEqualTo(first.asString());
        assertThat(repeat.header("Location")).isEqualTo(first.header("Location"));
        assertThat(repeat.contentType()).startsWith("application/json");

        assertThat(requests()).isEqualTo(1);
        assertThat(given().get(base(ORG) + "/events").then().statusCode(200).extract().jsonPath()
                .getList("events.type")).containsExactly("access_request.created");
        assertThat(audits("REQUEST_CREATED")).isEqualTo(1);
        assertThat(count("select count(*) from outbox_task")).as("creating pages nobody").isZero();
        given().get(base(ORG) + "/access-requests/" + id).then().statusCode(200);
    }

    @Test
    void anAutoApprovalIsReplayedWithoutASecondApproval() {
        String key = UUID.randomUUID().toString();
        Response first = create(key, requestBody("ada@example.com", "web"));
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat((String) first.path("status")).isEqualTo("APPROVED");
        Response repeat = create(key, requestBody("ada@example.com", "web"));
        assertThat(repeat.asString()).isEqualTo(first.asString());
        assertThat(repeat.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(requests()).isEqualTo(1);
        assertThat(events("access_request.approved")).isEqualTo(1);
        assertThat(audits("REQUEST_AUTO_APPROVED")).isEqualTo(1);
    }

    @Test
    void theKeyOnAnotherRequestIs422NamingTheHeader() {
        String key = UUID.randomUUID().toString();
        String id = create(key, requestBody("bob@example.com", "postgres")).then().statusCode(201).extract().path("id");
        for (Response reuse : List.of(create(key, requestBody("bob@example.com", "mysql")),
                create(key, requestBody("carol@example.com", "postgres")),
                decide(key, id, "grace@example.com", "APPROVE"),
                escalate(key, id))) {
            assertThat(reuse.statusCode()).as(reuse.asString()).isEqualTo(422);
            assertThat(reuse.contentType()).startsWith("application/problem+json");
            assertThat((String) reuse.path("code")).isEqualTo("IDEMPOTENCY_KEY_REUSED");
            assertThat(reuse.jsonPath().getList("errors.field")).containsExactly(HEADER);
        }
        assertThat(requests()).isEqualTo(1);
        assertThat(audits("REQUEST_ESCALATED")).isZero();
        assertThat(count("select count(*) from access_decision")).isZero();
        // The first request's answer is still what the key replays.
        assertThat(create(key, requestBody("bob@example.com", "postgres")).header("Idempotent-Replayed")).isEqualTo("true");
    }

    @Test
    void keysArePerOrganization() {
        setUp("other-org");
        String key = "shared-" + UUID.randomUUID();
        Response ours = create(ORG, key, requestBody("bob@example.com", "postgres"));
        Response theirs = create("other-org", key, requestBody("bob@example.com", "postgres"));
        assertThat(ours.statusCode()).isEqualTo(201);
        assertThat(theirs.statusCode()).isEqualTo(201);
        assertThat(theirs.header("Idempotent-Replayed")).isNull();
        assertThat((String) theirs.path("id")).isNotEqualTo(ours.path("id"));
        assertThat(count("select count(*) from access_request where org_id = 'other-org'")).isEqualTo(1);
        assertThat(create("other-org", key, requestBody("bob@example.com", "mysql")).statusCode())
                .as("reused within the other organization").isEqualTo(422);
    }

    @Test
    void aKeyThatIsNotOneIs400NamingTheHeaderAndChangesNothing() {
        for (String bad : List.of("x".repeat(256), "caf\u00e9", "tab\tinside")) {
            Response refused = invalidRequest("an Idempotency-Key that is not 1..255 printable ASCII characters",
                    () -> create(bad, requestBody("bob@example.com", "postgres")));
            assertThat(refused.statusCode()).as(bad).isEqualTo(400);
            assertThat((String) refused.path("code")).isEqualTo("VALIDATION_FAILED");
            assertThat(refused.jsonPath().getList("errors.field")).containsExactly(HEADER);
        }
        assertThat(create("x".repeat(255), requestBody("bob@example.com", "postgres")).statusCode()).isEqualTo(201);
        assertThat(requests()).isEqualTo(1);
    }

    @Test
    void withoutTheHeaderNothingIsKept() {
        Response first = create(null, requestBody("bob@example.com", "postgres"));
        Response second = create(null, requestBody("bob@example.com", "postgres"));
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(second.statusCode()).isEqualTo(201);
        assertThat(second.header("Idempotent-Replayed")).isNull();
        assertThat(requests()).isEqualTo(2);
        assertThat(keys()).isZero();
    }

    @Test
    void aKeyPastItsRetentionIsForgottenAndPruned() {
        assertThat(config.retention()).isEqualTo(Duration.ofHours(24));
        String old = UUID.randomUUID().toString();
        String firstId = create(old, requestBody("bob@example.com", "postgres")).then().statusCode(201).extract().path("id");
        clock.advance(Duration.ofHours(23));
        stubOnCall(clock.instant());
        String recent = UUID.randomUUID().toString();
        create(recent, requestBody("bob@example.com", "postgres")).then().statusCode(201);
        clock.advance(Duration.ofHours(1));
        stubOnCall(clock.instant());

        Response again = create(old, requestBody("bob@example.com", "postgres"));
        assertThat(again.statusCode()).isEqualTo(201);
        assertThat(again.header("Idempotent-Replayed")).as("forgotten at 24 h, before any pruning").isNull();
        assertThat((String) again.path("id")).isNotEqualTo(firstId);
        assertThat(requests()).isEqualTo(3);

        clock.advance(Duration.ofHours(23));
        assertThat(store.forgetOld().await().indefinitely()).as("the key of 47 h ago").isEqualTo(1);
        assertThat(count("select count(*) from idempotency_key where idempotency_key = $1", recent)).isZero();
        assertThat(count("select count(*) from idempotency_key where idempotency_key = $1", old)).as("taken anew 23 h ago")
                .isEqualTo(1);
    }

    @Test
    void aKeyLeftRunningByADeadReplicaWaitsForItsLeaseThenIsTakenOver() {
        String key = UUID.randomUUID().toString();
        Map<String, Object> body = requestBody("bob@example.com", "postgres");
        claimedElsewhere(key, body);

        long started = System.nanoTime();
        Response waiting = create(key, body);
        long waitedMs = Duration.ofNanos(System.nanoTime() - started).toMillis();
        assertThat(waiting.statusCode()).as(waiting.asString()).isEqualTo(409);
        assertThat((String) waiting.path("code")).isEqualTo("CONFLICT");
        assertThat(waiting.header("Retry-After")).isEqualTo("1");
        assertThat(waitedMs).as("it waited for the first answer, boundedly").isBetween(1_500L, 5_000L);
        assertThat(create(key, requestBody("bob@example.com", "mysql")).statusCode()).as("a reuse is told at once")
                .isEqualTo(422);
        assertThat(requests()).isZero();

        clock.advance(config.lease());
        stubOnCall(clock.instant());
        Response taken = create(key, body);
        assertThat(taken.statusCode()).isEqualTo(201);
        assertThat(taken.header("Idempotent-Replayed")).isNull();
        assertThat(create(key, body).header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(requests()).isEqualTo(1);
    }

    @Test
    void aRepeatThatWaitsRunsTheWriteItselfWhenTheFirstGivesTheKeyBack() throws Exception {
        String key = UUID.randomUUID().toString();
        Map<String, Object> body = requestBody("bob@example.com", "postgres");
        claimedElsewhere(key, body);
        java.util.concurrent.ExecutorService thread = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            long started = System.nanoTime();
            var waiting = java.util.concurrent.CompletableFuture.supplyAsync(() -> create(key, body), thread);
            Thread.sleep(400);
            // The first attempt failed (a 5xx) and gave the key back: the waiting repeat takes it and runs the write.
            changed("delete from idempotency_key where idempotency_key = $1", key);
            Response ran = waiting.get();
            assertThat(ran.statusCode()).as(ran.asString()).isEqualTo(201);
            assertThat(ran.header("Idempotent-Replayed")).isNull();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("it waited").isGreaterThan(Duration.ofMillis(350));
        } finally {
            thread.shutdownNow();
        }
        assertThat(requests()).isEqualTo(1);
        assertThat(create(key, body).header("Idempotent-Replayed")).isEqualTo("true");
    }

    /** What a replica leaves while its write runs, or when it dies before its write commits: the claim alone. */
    private void claimedElsewhere(String key, Map<String, Object> body) {
        String fingerprint = Fingerprint.of("POST", base(ORG) + "/access-requests", json.valueToTree(new CreateAccessRequest(
                (String) body.get("requester"), new ResourceRef("role", "postgres", "prod"), "deploy", null)));
        changed("""
                insert into idempotency_key (org_id, idempotency_key, fingerprint, state, lease_token, locked_until, created_at)
                values ($1, $2, $3, 'IN_PROGRESS', 'elsewhere', $4, $5)""", ORG, key, fingerprint,
                java.time.OffsetDateTime.ofInstant(NOW.plus(config.lease()), java.time.ZoneOffset.UTC),
                java.time.OffsetDateTime.ofInstant(NOW, java.time.ZoneOffset.UTC));
    }

    @Test
    void theFiveWritesDocumentTheHeaderTheReplayAndTheReuse() throws Exception {
        com.fasterxml.jackson.databind.JsonNode paths = json.readTree(given().queryParam("format", "json").get("/q/openapi")
                .asString()).path("paths");
        Map<String, String> writes = Map.of("/access-requests", "201", "/access-requests/{id}/decisions", "201",
                "/access-requests/{id}/escalate", "202", "/access-requests/{id}/revoke", "200",
                "/access-requests/{id}/withdraw", "200");
        writes.forEach((path, success) -> {
            com.fasterxml.jackson.databind.JsonNode post = paths.path("/api/v1/orgs/{orgId}" + path).path("post");
            List<String> headers = new java.util.ArrayList<>();
            post.path("parameters").forEach(p -> headers.add(p.path("in").asText() + " " + p.path("name").asText()));
            assertThat(headers).as(path).contains("header Idempotency-Key");
            assertThat(post.path("responses").path(success).path("headers").has("Idempotent-Replayed")).as(path).isTrue();
            assertThat(post.path("responses").path("422").path("content").path("application/problem+json").path("examples")
                    .has("IDEMPOTENCY_KEY_REUSED")).as(path).isTrue();
            assertThat(post.path("responses").path("409").path("headers").has("Retry-After")).as(path).isTrue();
        });
        assertThat(config.retention()).as("oncall.idempotency.retention").isEqualTo(Duration.ofHours(24));
        assertThat(config.lease()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.repeatWait()).isEqualTo(Duration.ofSeconds(2));
    }
}
