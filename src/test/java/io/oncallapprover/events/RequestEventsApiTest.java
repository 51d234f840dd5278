package io.oncallapprover.events;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.oncallapprover.escalation.IncidentOutboxWorker;
import io.oncallapprover.request.GrantExpiryJob;
import io.oncallapprover.testsupport.ApiTestBase;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;

/**
 * Events for integrators: each change of a request's state writes one event, read in order after a
 * cursor ({@code GET /events}); revoke and withdraw, and the refusals of both in the wrong state.
 */
@QuarkusTest
@ConnectWireMock
class RequestEventsApiTest extends ApiTestBase {

    static final String POLICY = """
            {"rules": [
              {"name": "on-call engineers", "approval": [{"type": "auto", "integration": "incidentio"}]},
              {"name": "production databases", "resource": {"type": "service", "service": "postgres"},
               "approval": [{"type": "escalation", "integration": "incidentio", "services": ["%s"]}]}
            ]}""".formatted(SECONDARY);

    @Inject
    IncidentOutboxWorker outbox;

    @Inject
    GrantExpiryJob expiry;

    @Inject
    EventFeed feed;

    @BeforeEach
    void installed() {
        installWithAutoApproval(ORG, PRIMARY);
        stubs.scheduleExists(SECONDARY);
        putPolicy(ORG, POLICY).statusCode(200);
        stubs.entries(PRIMARY, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), "Ada", "ada@example.com"));
        stubs.entries(SECONDARY, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), "Grace", "grace@example.com"));
    }

    private String create(String requester, String service) {
        return given().contentType("application/json").body(Map.of("requester", requester, "reason", "deploy",
                "resource", Map.of("type", "role", "service", service, "name", "prod")))
                .post(base(ORG) + "/access-requests").then().statusCode(201).extract().path("id");
    }

    private ValidatableResponse events(String query) {
        return given().get(base(ORG) + "/events" + query).then();
    }

    private ValidatableResponse end(String id, String how) {
        return given().contentType("application/json").body(Map.of("by", "backend@example.com", "comment", "done early"))
                .post(base(ORG) + "/access-requests/" + id + "/" + how).then();
    }

    @Test
    void eachChangeWritesOneEventReadInOrderAfterACursorThatIsAlwaysThere() {
        String auto = create("ada@example.com", "web");
        String pending = create("bob@example.com", "postgres");
        given().contentType("application/json").body(Map.of("approver", "grace@example.com", "decision", "APPROVE"))
                .post(base(ORG) + "/access-requests/" + pending + "/decisions").then().statusCode(201);

        JsonPath page = events("").statusCode(200).extract().jsonPath();
        assertThat(page.getList("events.type")).containsExactly("access_request.created", "access_request.approved",
                "access_request.created", "access_request.approved");
        assertThat(page.getList("events.requestId")).containsExactly(auto, auto, pending, pending);
        assertThat(page.getList("events.approvedBy")).containsExactly(null, "auto", null, "person");
        assertThat(page.getList("events.data.status")).containsExactly("APPROVED", "APPROVED", "PENDING", "APPROVED");
        assertThat(page.getList("events.orgId")).containsOnly(ORG);
        assertThat(new HashSet<>(page.getList("events.id"))).hasSize(4);
        String next = page.getString("next");

        events("?after=" + next).statusCode(200).body("events", empty()).body("next", equalTo(next));
        String third = events("?limit=1&after=" + events("?limit=2").extract().path("next")).statusCode(200)
                .body("events.type", contains("access_request.created")).body("events.requestId", contains(pending))
                .extract().path("next");
        events("?after=" + third + "&type=access_request.approved").statusCode(200)
                .body("events.requestId", contains(pending)).body("next", equalTo(next));
        // Nothing of the type: the cursor still moves to the end.
        events("?type=access_request.denied").statusCode(200).body("events", empty()).body("next", equalTo(next));

        events("?after=" + EventFeed.encode(999)).statusCode(400).body("errors.field", contains("after")); // past the end
        events("?after=bm90LWEtY3Vyc29y").statusCode(400) // a cursor this service never gave
                .body("errors.field", contains("after"));
        events("?type=access_request.eaten").statusCode(400)
                .body("errors.field", contains("type")).body("errors[0].message", containsString("access_request.withdrawn"));
        given().get(base("other-org") + "/events").then().statusCode(200).body("events", empty());
    }

    @Test
    void revokeEndsAnActiveGrantAndEmitsGrantEndedAndIsRefusedInTheWrongState() {
        String auto = create("ada@example.com", "web");
        String pending = create("bob@example.com", "postgres");
        end(pending, "revoke").statusCode(409).body("code", equalTo("NOT_APPROVED"));

        end(auto, "revoke").statusCode(200).body("status", equalTo("EXPIRED")).body("endedReason", equalTo("REVOKED"))
                .body("grantExpiresAt", equalTo(NOW.toString()));
        end(auto, "revoke").statusCode(409).body("code", equalTo("NOT_APPROVED"));
        events("?type=access_request.grant_ended").statusCode(200).body("events.requestId", contains(auto))
                .body("events.endedReason", contains("REVOKED")).body("events[0].data.status", equalTo("EXPIRED"));
        given().get(base(ORG) + "/audit-events").then().body("events.action", org.hamcrest.Matchers.hasItem("GRANT_REVOKED"));
    }

    @Test
    void withdrawEndsAPendingRequestItsIncidentSaysSoAndItIsRefusedInTheWrongState() throws Throwable {
        String auto = create("ada@example.com", "web");
        end(auto, "withdraw").statusCode(409).body("code", equalTo("NOT_PENDING"));
        String pending = create("bob@example.com", "postgres");
        stubs.incidentCreated("01INCIDENTEVENTS000000001", "INC-9");
        stubs.incidentEdited("01INCIDENTEVENTS000000001");
        given().post(base(ORG) + "/access-requests/" + pending + "/escalate").then().statusCode(202);
        VertxContextSupport.subscribeAndAwait(() -> outbox.drainOnce());

        end(pending, "withdraw").statusCode(200).body("status", equalTo("WITHDRAWN")).body("endedReason", equalTo("WITHDRAWN"));
        end(pending, "withdraw").statusCode(409).body("code", equalTo("NOT_PENDING"));
        given().contentType("application/json").body(Map.of("approver", "grace@example.com", "decision", "APPROVE"))
                .post(base(ORG) + "/access-requests/" + pending + "/decisions").then().statusCode(409);
        VertxContextSupport.subscribeAndAwait(() -> outbox.drainOnce());
        var edits = wiremock.find(postRequestedFor(urlEqualTo("/v2/incidents/01INCIDENTEVENTS000000001/actions/edit")));
        assertThat(edits).hasSize(1);
        assertThat(edits.get(0).getBodyAsString()).contains("Withdrawn by backend@example.com").contains("done early")
                .doesNotContain("resolved");

        assertThat(events("?after=" + events("?limit=2").extract().path("next")).extract().jsonPath().getList("events.type"))
                .containsExactly("access_request.created", "access_request.escalated", "access_request.page_created",
                        "access_request.withdrawn");
        given().get(base(ORG) + "/access-requests?status=WITHDRAWN").then().statusCode(200)
                .body("requests.id", contains(pending));
    }

    @Test
    void expiryEmitsExpiredAndACursorOlderThanTheKeptEventsIs410() throws Throwable {
        String auto = create("ada@example.com", "web");
        String old = events("?limit=1").extract().path("next");
        clock.set(NOW.plus(Duration.ofHours(2)));
        VertxContextSupport.subscribeAndAwait(() -> expiry.expireDue());
        events("?type=access_request.expired").statusCode(200).body("events.requestId", contains(auto))
                .body("events[0].data.status", equalTo("EXPIRED"));
        String last = events("").extract().path("next");

        clock.set(NOW.plus(Duration.ofDays(7)).plus(Duration.ofHours(3)));
        assertThat(VertxContextSupport.subscribeAndAwait(() -> feed.forget())).isEqualTo(3);
        events("?after=" + old).statusCode(410).body("code", equalTo("CURSOR_EXPIRED")).body("errors.field", contains("after"));
        events("?after=" + last).statusCode(200).body("events", empty()).body("next", equalTo(last));
        events("").statusCode(200).body("events", empty()).body("next", equalTo(last));
    }

    @Test
    void concurrentChangesOfOneOrganizationAreNumberedInCommitOrderAndReadOnceEach() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<String>> made = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                made.add(CompletableFuture.supplyAsync(() -> create("ada@example.com", "web"), pool));
            }
            // A reader polls while the writers commit: a number taken before a later-committing one would be skipped.
            List<String> read = new ArrayList<>();
            String cursor = null;
            boolean drained = false;
            for (int polls = 0; polls < 2_000 && !drained; polls++) {
                boolean writing = made.stream().anyMatch(f -> !f.isDone());
                JsonPath page = events("?limit=500" + (cursor == null ? "" : "&after=" + cursor)).statusCode(200).extract().jsonPath();
                read.addAll(page.getList("events.id"));
                cursor = page.getString("next");
                assertThat(cursor).isNotNull();
                drained = !writing && page.getList("events").isEmpty();
            }
            List<String> ids = made.stream().map(CompletableFuture::join).toList();
            events("?after=" + cursor).statusCode(200).body("events", empty());
            assertThat(read).hasSize(48).doesNotHaveDuplicates();
            assertThat(new HashSet<>(events("?limit=500&type=access_request.created").extract().jsonPath()
                    .<String> getList("events.requestId"))).containsExactlyInAnyOrderElementsOf(ids);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void eventsNeedACallerOfTheOrganization() {
        given().header("Authorization", "Bearer " + io.oncallapprover.testsupport.Tokens.token(List.of("someone-else"),
                java.util.Set.of("service"))).get(base(ORG) + "/events").then().statusCode(404);
        events("").statusCode(200).body("next", notNullValue());
    }
}
