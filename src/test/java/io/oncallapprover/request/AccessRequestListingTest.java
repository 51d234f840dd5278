package io.oncallapprover.request;

import static io.oncallapprover.testsupport.OpenApiContract.invalidRequest;
import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.Tokens;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** {@code GET /access-requests}: filters, newest first, cursor pages, tenant isolation, bad parameters. */
@QuarkusTest
@ConnectWireMock
class AccessRequestListingTest extends ApiTestBase {

    private final List<String> created = new ArrayList<>(); // oldest first

    @BeforeEach
    void requests() {
        installWithAutoApproval(ORG, PRIMARY);
        installWithAutoApproval("other-org", PRIMARY);
        // Five requests a minute apart: Ada's (on call: approved) and Bob's (pending), alternating.
        for (int i = 0; i < 5; i++) {
            stubs.entries(PRIMARY, clock.instant(), entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(8)), "Ada",
                    "ada@example.com"));
            entriesCache.invalidateAll().await().indefinitely();
            String requester = i % 2 == 0 ? "ada@example.com" : "bob@example.com";
            created.add(create(ORG, requester));
            clock.advance(Duration.ofMinutes(1));
        }
        entriesCache.invalidateAll().await().indefinitely();
        create("other-org", "ada@example.com");
        clock.set(NOW.plus(Duration.ofMinutes(5)));
    }

    private List<String> newestFirst() {
        List<String> ids = new ArrayList<>(created);
        java.util.Collections.reverse(ids);
        return ids;
    }

    private String create(String org, String requester) {
        return given().contentType("application/json").body(Map.of("requester", requester,
                "resource", Map.of("type", "role", "service", "db", "name", "prod")))
                .post(base(org) + "/access-requests").then().statusCode(201).extract().path("id");
    }

    private JsonPath list(String query) {
        return given().get(base(ORG) + "/access-requests" + query).then().statusCode(200).extract().jsonPath();
    }

    @Test
    void newestFirstOnlyThisOrganizationsRequests() {
        JsonPath page = list("");
        assertThat(page.getList("requests.id")).containsExactlyElementsOf(newestFirst());
        assertThat(page.getString("next")).isNull();
        assertThat(page.getList("requests.status")).containsExactly("APPROVED", "PENDING", "APPROVED", "PENDING", "APPROVED");
        assertThat(page.getList("requests.autoApproved")).containsExactly(true, false, true, false, true);
        assertThat(page.getString("requests[0].resource.service")).isEqualTo("db");
        assertThat(page.getString("requests[0].incident.state")).isEqualTo("NONE");
        assertThat(page.getList("requests[0].matchedRules")).containsExactly("on-call engineers");
    }

    @Test
    void anotherOrganizationsCallerSeesNothingOfThem() {
        given().header("Authorization", "Bearer " + Tokens.service("other-org")).get(base(ORG) + "/access-requests")
                .then().statusCode(404); // reads of another organization reveal nothing, not even that it exists
        given().header("Authorization", "Bearer " + Tokens.service("other-org")).get(base("other-org") + "/access-requests")
                .then().statusCode(200).body("requests.requester", contains("ada@example.com"));
    }

    @Test
    void filtersByStatusAsOfNowRequesterAndCreationTime() {
        assertThat(list("?status=pending").getList("requests.id")).containsExactly(created.get(3), created.get(1));
        assertThat(list("?requester=ADA@Example.com").getList("requests.id"))
                .containsExactly(created.get(4), created.get(2), created.get(0));
        assertThat(list("?createdAfter=" + NOW.plus(Duration.ofMinutes(1)) + "&createdBefore=" + NOW.plus(Duration.ofMinutes(3)))
                .getList("requests.id")).containsExactly(created.get(2), created.get(1));
        assertThat(list("?incidentState=NONE").getList("requests")).hasSize(5);
        assertThat(list("?incidentState=CREATED").getList("requests")).isEmpty();

        // An hour later the grants have ended: EXPIRED, before any job wrote it down.
        clock.advance(Duration.ofHours(1));
        assertThat(list("?status=APPROVED").getList("requests")).isEmpty();
        assertThat(list("?status=EXPIRED").getList("requests.id")).containsExactly(created.get(4), created.get(2), created.get(0));
        assertThat(list("?status=PENDING").getList("requests")).hasSize(2);
    }

    @Test
    void pagesFollowTheCursorWithoutGapsOrRepeats() {
        List<Object> seen = new ArrayList<>();
        JsonPath page = list("?limit=2");
        int pages = 1;
        seen.addAll(page.getList("requests.id"));
        while (page.getString("next") != null) {
            page = list("?limit=2&cursor=" + page.getString("next"));
            seen.addAll(page.getList("requests.id"));
            pages++;
        }
        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactlyElementsOf(newestFirst());
        // A cursor keeps its filters' meaning: pending requests two at a time.
        JsonPath first = list("?status=PENDING&limit=1");
        assertThat(first.getList("requests.id")).containsExactly(created.get(3));
        assertThat(list("?status=PENDING&limit=1&cursor=" + first.getString("next")).getList("requests.id"))
                .containsExactly(created.get(1));
    }

    @ParameterizedTest
    @CsvSource({ "limit=abc,limit", "limit=0,limit", "limit=101,limit", "status=GRANTED,status", "incidentState=OPEN,incidentState",
            "createdAfter=yesterday,createdAfter", "cursor=bm90LWEtY3Vyc29y,cursor", "requester=not-an-email,requester" })
    void aBadParameterIsA400NamingIt(String query, String field) {
        given().get(base(ORG) + "/access-requests?" + query).then().statusCode(400)
                .body("code", equalTo("VALIDATION_FAILED")).body("errors[0].field", equalTo(field));
    }

    @Test
    void anEmptyRangeIsA400AndAnEmptyResultIsAnEmptyPage() {
        given().get(base(ORG) + "/access-requests?createdAfter=" + NOW + "&createdBefore=" + NOW).then().statusCode(400)
                .body("errors[0].field", equalTo("createdBefore"));
        given().get(base(ORG) + "/access-requests?requester=nobody@example.com").then().statusCode(200)
                .body("requests", empty()).body("next", nullValue());
    }

    @Test
    void theAuditLimitIsValidatedToo() {
        invalidRequest("a limit that is no number", () -> given().get(base(ORG) + "/audit-events?limit=abc").then())
                .statusCode(400).body("errors[0].field", equalTo("limit"));
        given().get(base(ORG) + "/audit-events?limit=2").then().statusCode(200).body("events.size()", equalTo(2));
    }
}
