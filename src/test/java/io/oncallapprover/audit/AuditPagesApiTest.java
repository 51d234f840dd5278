package io.oncallapprover.audit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.nullValue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.oncallapprover.testsupport.ApiTestBase;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;

/** The audit trail a page at a time, past the newest 500: cursors, and filters by request, action and time. */
@QuarkusTest
@ConnectWireMock
class AuditPagesApiTest extends ApiTestBase {

    private ValidatableResponse audit(String query) {
        return given().get(base(ORG) + "/audit-events" + query).then();
    }

    @Test
    void pagesFollowEachOtherNewestFirstWithoutRepeatOrGapAndTheLastHasNoNext() {
        installWithAutoApproval(ORG, PRIMARY); // INTEGRATION_INSTALLED, AUTO_APPROVAL_SCHEDULES_CHANGED, POLICY_CHANGED
        for (int i = 0; i < 6; i++) {
            clock.set(NOW.plus(Duration.ofSeconds(i + 1)));
            setAutoApproval(ORG, i % 2 == 0 ? List.of() : List.of(PRIMARY)).statusCode(200);
        }
        List<Integer> ids = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonPath page = audit("?limit=4" + (cursor == null ? "" : "&cursor=" + cursor)).statusCode(200).extract().jsonPath();
            ids.addAll(page.getList("events.id", Integer.class));
            cursor = page.getString("next");
            pages++;
        } while (cursor != null && pages < 10);
        assertThat(pages).isEqualTo(3);
        assertThat(ids).hasSize(9).doesNotHaveDuplicates();
        List<Integer> newestFirst = audit("?limit=500").extract().jsonPath().getList("events.id", Integer.class);
        assertThat(ids).isEqualTo(newestFirst);
        // One more page of exactly the limit: no next, nothing more to read.
        audit("?limit=9").statusCode(200).body("next", nullValue());
    }

    @Test
    void filtersByRequestActionAndTime() {
        installWithAutoApproval(ORG, PRIMARY);
        clock.set(NOW.plus(Duration.ofMinutes(5)));
        stubs.entries(PRIMARY, NOW.plus(Duration.ofMinutes(5)), io.oncallapprover.testsupport.IncidentIoStubs.entry(
                NOW.minusSeconds(60), NOW.plusSeconds(3600), "Ada", "ada@example.com"));
        String id = given().contentType("application/json").body(Map.of("requester", "ada@example.com",
                "resource", Map.of("type", "role", "service", "web", "name", "prod"))).post(base(ORG) + "/access-requests")
                .then().statusCode(201).extract().path("id");

        audit("?requestId=" + id).statusCode(200).body("events.action", contains("REQUEST_AUTO_APPROVED", "REQUEST_CREATED"))
                .body("events.requestId", contains(id, id));
        audit("?action=policy_changed").statusCode(200).body("events.action", contains("POLICY_CHANGED"));
        audit("?since=" + NOW.plus(Duration.ofMinutes(1))).statusCode(200).body("events.size()", equalTo(2))
                .body("events.requestId", everyItem(equalTo(id)));
        audit("?until=" + NOW.plus(Duration.ofMinutes(1))).statusCode(200)
                .body("events.action", contains("POLICY_CHANGED", "AUTO_APPROVAL_SCHEDULES_CHANGED", "INTEGRATION_INSTALLED"));
        audit("?action=EATEN").statusCode(400).body("errors.field", contains("action"));
        audit("?cursor=bm90LWEtY3Vyc29y").statusCode(400).body("errors.field", contains("cursor"));
        audit("?since=yesterday").statusCode(400).body("errors.field", contains("since"));
    }
}
