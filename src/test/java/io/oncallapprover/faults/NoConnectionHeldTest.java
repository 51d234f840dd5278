package io.oncallapprover.faults;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.oncallapprover.testsupport.IncidentIoStubs.entriesBody;
import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.oncallapprover.testsupport.ApiTestBase;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * No database connection is held while incident.io is asked. With a pool of ONE connection and
 * incident.io hanging, a read that needs the database must still be answered while a check,
 * decision or creation waits for incident.io: were the connection held, the read would wait past
 * its acquire timeout (1.5 s) and answer 503 DATABASE_UNAVAILABLE.
 */
@QuarkusTest
@TestProfile(NoConnectionHeldTest.OneConnection.class)
@ConnectWireMock
class NoConnectionHeldTest extends ApiTestBase {

    public static class OneConnection implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.datasource.reactive.max-size", "1");
        }
    }

    private static final String POLICY = """
            {"rules": [{"name": "on call or page", "approval": [
              {"type": "auto", "integration": "incidentio"},
              {"type": "escalation", "integration": "incidentio", "services": ["%s"]}]}]}""".formatted(PRIMARY);

    private String pendingId;

    @BeforeEach
    void aPendingRequestAndAHangingIncidentIo() {
        installWithAutoApproval(ORG, PRIMARY);
        putPolicy(ORG, POLICY).statusCode(200);
        stubs.entries(PRIMARY, NOW, entry(NOW.minusSeconds(3600), NOW.plusSeconds(3600), "Grace", "grace@example.com"));
        pendingId = create().then().statusCode(201).body("status", equalTo("PENDING")).extract().path("id");
        // From now on incident.io takes longer than any caller waits.
        wiremock.register(get(urlPathEqualTo("/v2/schedule_entries")).atPriority(1).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(entriesBody(List.of(), List.of(), List.of(), null))
                .withFixedDelay(6_000)));
        entriesCache.invalidateAll().await().indefinitely();
    }

    private Response create() {
        return given().contentType("application/json").body(Map.of("requester", "ada@example.com",
                "resource", Map.of("type", "role", "service", "db", "name", "prod-db"))).post(base(ORG) + "/access-requests");
    }

    @ParameterizedTest
    @ValueSource(strings = { "auto check", "approver check of a request", "decision", "creation" })
    void aReadIsAnsweredWhileACallWaitsForIncidentIo(String call) throws Exception {
        Map<String, Supplier<Response>> calls = Map.of(
                "auto check", () -> given().contentType("application/json").body(Map.of("requester", "ada@example.com"))
                        .post(base(ORG) + "/approval-checks/auto"),
                "approver check of a request", () -> given().contentType("application/json")
                        .body(Map.of("approver", "grace@example.com", "requestId", pendingId))
                        .post(base(ORG) + "/approval-checks/approver"),
                "decision", () -> given().contentType("application/json")
                        .body(Map.of("approver", "grace@example.com", "decision", "APPROVE"))
                        .post(base(ORG) + "/access-requests/" + pendingId + "/decisions"),
                "creation", this::create);
        int asked = asked();
        CompletableFuture<Response> waiting = CompletableFuture.supplyAsync(calls.get(call));
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (asked() == asked) {
            assertThat(System.nanoTime()).as("incident.io is asked").isLessThan(deadline);
            Thread.sleep(10);
        }

        given().get(base(ORG) + "/access-requests/" + pendingId).then().statusCode(200).body("id", equalTo(pendingId));
        assertThat(waiting).as("the " + call + " still waits for incident.io").isNotDone();

        // And then fails closed: a 503, or for a creation a pending request that was not auto-approved.
        Response answer = waiting.get();
        if (call.equals("creation")) {
            assertThat(answer.statusCode()).isEqualTo(201);
            assertThat(answer.jsonPath().getString("status")).isEqualTo("PENDING");
        } else {
            assertThat(answer.statusCode()).isEqualTo(503);
        }
    }

    private int asked() {
        return wiremock.find(getRequestedFor(urlPathEqualTo("/v2/schedule_entries"))).size();
    }
}
