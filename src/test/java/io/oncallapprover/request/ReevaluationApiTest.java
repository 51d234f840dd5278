package io.oncallapprover.request;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.hasItem;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.IncidentIoStubs;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.response.ValidatableResponse;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * A request made while incident.io could not be asked is evaluated again in the background until
 * incident.io answers, and is auto-approved then if it qualifies under the rules it matched and the
 * policy in force.
 */
@QuarkusTest
@ConnectWireMock
class ReevaluationApiTest extends ApiTestBase {

    @Inject
    ReevaluationJob job;

    @BeforeEach
    void installed() {
        installWithAutoApproval(ORG, PRIMARY);
    }

    private void incidentIoDown() {
        entriesCache.invalidateAll().await().indefinitely();
        wiremock.register(IncidentIoStubs.entriesRequest(PRIMARY, clock.instant().toString(), clock.instant())
                .willReturn(aResponse().withStatus(503)).atPriority(1));
    }

    private void incidentIoBackWithAdaOnCall() {
        wiremock.resetMappings();
        entriesCache.invalidateAll().await().indefinitely();
        breaker.reset();
        stubs.entries(PRIMARY, clock.instant(), entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(8)), "Ada", "ada@example.com"));
    }

    private String outageRequest() {
        incidentIoDown();
        return given().contentType("application/json").body(Map.of("requester", "ada@example.com", "reason", "hotfix",
                "resource", Map.of("type", "role", "service", "postgres", "name", "prod-db")))
                .post(base(ORG) + "/access-requests").then().statusCode(201)
                .body("status", equalTo("PENDING")).body("autoApproval.code", equalTo("UPSTREAM_UNAVAILABLE"))
                .extract().path("id");
    }

    private int reevaluate() throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> job.reevaluateDue());
    }

    private ValidatableResponse show(String id) {
        return given().get(base(ORG) + "/access-requests/" + id).then().statusCode(200);
    }

    private Object reevaluateAt(String id) {
        return pool.preparedQuery("select reevaluate_at from access_request where id = $1").execute(Tuple.of(id)).await()
                .indefinitely().iterator().next().getValue(0);
    }

    @Test
    void anOutageAtCreationIsRetriedUntilIncidentIoAnswersThenApproved() throws Throwable {
        String id = outageRequest();
        assertThat(reevaluate()).isZero(); // not due yet

        clock.advance(Duration.ofSeconds(5));
        incidentIoDown();
        assertThat(reevaluate()).isEqualTo(1);
        show(id).body("status", equalTo("PENDING")).body("autoApproval.code", equalTo("UPSTREAM_UNAVAILABLE"));
        assertThat(reevaluateAt(id)).isNotNull();

        clock.advance(Duration.ofMinutes(6)); // past any back-off
        incidentIoBackWithAdaOnCall();
        assertThat(reevaluate()).isEqualTo(1);
        show(id).body("status", equalTo("APPROVED"))
                .body("grantExpiresAt", equalTo(clock.instant().plus(Duration.ofHours(1)).toString()))
                .body("autoApproval.code", equalTo("ON_CALL"))
                .body("auditTrail.action", hasItems("REQUEST_CREATED", "REQUEST_REEVALUATED", "REQUEST_AUTO_APPROVED"));
        assertThat(reevaluateAt(id)).isNull();
        clock.advance(Duration.ofMinutes(10));
        assertThat(reevaluate()).isZero();
    }

    @Test
    void whenIncidentIoAnswersNoTheRequestStaysPendingAndIsNotAskedAgain() throws Throwable {
        String id = outageRequest();
        clock.advance(Duration.ofSeconds(10));
        wiremock.resetMappings();
        entriesCache.invalidateAll().await().indefinitely();
        stubs.entries(PRIMARY, clock.instant(), entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(8)), "Grace", "grace@example.com"));
        assertThat(reevaluate()).isEqualTo(1);
        show(id).body("status", equalTo("PENDING")).body("autoApproval.code", equalTo("NOT_ON_CALL"))
                .body("auditTrail.find { it.action == 'REQUEST_REEVALUATED' }.detail", containsString("NOT_ON_CALL"));
        clock.advance(Duration.ofMinutes(10));
        assertThat(reevaluate()).isZero();
    }

    @Test
    void aPolicyThatNoLongerAutoApprovesWinsOverTheFrozenRules() throws Throwable {
        String id = outageRequest();
        stubs.scheduleExists(SECONDARY);
        putPolicy(ORG, """
                {"rules": [{"name": "databases", "approval": [{"type": "escalation", "integration": "incidentio",
                  "services": ["%s"]}]}]}""".formatted(SECONDARY)).statusCode(200);
        clock.advance(Duration.ofSeconds(10));
        incidentIoBackWithAdaOnCall();
        assertThat(reevaluate()).isEqualTo(1);
        show(id).body("status", equalTo("PENDING")).body("auditTrail.action", not(hasItem("REQUEST_AUTO_APPROVED")));
    }

    @Test
    void aLapsedRequestIsNotEvaluatedAgain() throws Throwable {
        String id = outageRequest();
        clock.advance(Duration.ofHours(25));
        incidentIoBackWithAdaOnCall();
        assertThat(reevaluate()).isZero();
        show(id).body("status", equalTo("EXPIRED"));
    }

    @Test
    void twoReplicasReevaluatingAtOnceApproveOnce() throws Throwable {
        String id = outageRequest();
        clock.advance(Duration.ofSeconds(10));
        incidentIoBackWithAdaOnCall();
        CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> {
            try {
                return reevaluate();
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        });
        int second = reevaluate();
        assertThat(first.get() + second).isEqualTo(1);
        show(id).body("status", equalTo("APPROVED"))
                .body("auditTrail.findAll { it.action == 'REQUEST_AUTO_APPROVED' }.size()", equalTo(1));
    }
}
