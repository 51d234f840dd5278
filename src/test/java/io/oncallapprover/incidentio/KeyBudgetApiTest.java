package io.oncallapprover.incidentio;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.oncallapprover.testsupport.ApiTestBase;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * One outgoing budget per key, seen from outside: once a key's calls are spent, a check fails closed
 * at once (503 UPSTREAM_UNAVAILABLE with the budget's Retry-After) and incident.io is not asked.
 */
@QuarkusTest
@TestProfile(KeyBudgetApiTest.TenCallsAMinute.class)
@ConnectWireMock
class KeyBudgetApiTest extends ApiTestBase {

    /** A burst of 10 calls, then one a minute: nothing refills while the test runs. */
    public static class TenCallsAMinute implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("oncall.incidentio.budget.per-minute", "1", "oncall.incidentio.budget.burst", "10");
        }
    }

    private static final String THIRD = "01SCHEDTHIRD00000000000003";

    @Test
    void aSpentBudgetFailsTheCheckAtOnceWithoutAskingIncidentIo() {
        installWithAutoApproval(ORG, PRIMARY, SECONDARY, THIRD);
        for (String schedule : new String[] { PRIMARY, SECONDARY, THIRD }) {
            stubs.entries(schedule, NOW, entry(NOW.minusSeconds(60), NOW.plusSeconds(3600), "Ada", "ada@example.com"));
        }
        budgets.reset(); // the installation spent some: start the count from a full burst of 10
        wiremock.resetRequests();

        for (int check = 1; check <= 3; check++) { // 3 schedules each: 9 calls
            entriesCache.invalidateAll().await().indefinitely();
            autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"));
        }
        assertThat(asked()).isEqualTo(9);

        entriesCache.invalidateAll().await().indefinitely();
        String retryAfter = autoCheck(ORG, "ada@example.com", null).statusCode(503)
                .body("code", equalTo("UPSTREAM_UNAVAILABLE")).body("approved", equalTo(false))
                .extract().header("Retry-After");
        assertThat(asked()).as("one token was left; the other two schedules were not asked").isEqualTo(10);
        assertThat(Integer.parseInt(retryAfter)).as("the wait for the next token (one a minute)").isBetween(50, 60);

        autoCheck(ORG, "ada@example.com", null).statusCode(503).body("code", equalTo("UPSTREAM_UNAVAILABLE"))
                .header("Retry-After", org.hamcrest.Matchers.notNullValue());
        assertThat(asked()).as("a spent budget asks nobody").isEqualTo(10);
        assertThat(breaker.isOpen(new io.oncallapprover.common.ApiKey(KEY))).as("our own budget says nothing of incident.io")
                .isFalse();
    }

    private int asked() {
        return wiremock.find(getRequestedFor(urlPathEqualTo("/v2/schedule_entries"))).size();
    }
}
