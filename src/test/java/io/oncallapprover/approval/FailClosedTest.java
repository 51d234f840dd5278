package io.oncallapprover.approval;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;

import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.IncidentIoStubs;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;

/**
 * PRODUCT §3.8: whenever incident.io cannot be asked, nothing is approved, the code says so, the
 * status is 503 with Retry-After. In every case here the requester IS on call somewhere in the
 * data, so a leak from "error" to "approved" would show.
 */
@QuarkusTest
@ConnectWireMock
class FailClosedTest extends ApiTestBase {

    private static final String ADA = entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(1)), "Ada", "ada@example.com");

    private void primaryAnswers(ResponseDefinitionBuilder answer) {
        wiremock.register(IncidentIoStubs.entriesRequest(PRIMARY, NOW.toString(), NOW).willReturn(answer));
    }

    private static ValidatableResponse assertFailedClosed(ValidatableResponse response) {
        return response.statusCode(503)
                .contentType("application/problem+json")
                .header("Retry-After", notNullValue())
                .body("approved", equalTo(false))
                .body("code", equalTo("UPSTREAM_UNAVAILABLE"))
                .body("status", equalTo(503))
                .body("explanation", notNullValue())
                .body("evidence", empty());
    }

    @Test
    void serverErrors() {
        installWithAutoApproval(ORG, PRIMARY);
        primaryAnswers(aResponse().withStatus(500).withBody("{\"type\": \"internal_error\"}"));
        assertFailedClosed(autoCheck(ORG, "ada@example.com", null));
    }

    @Test
    void aRevokedKey() {
        installWithAutoApproval(ORG, PRIMARY);
        primaryAnswers(aResponse().withStatus(401).withHeader("Content-Type", "application/json")
                .withBody("{\"type\": \"authentication_error\", \"status\": 401, \"request_id\": \"r\"}"));
        assertFailedClosed(autoCheck(ORG, "ada@example.com", null));
    }

    @Test
    void aSlowAnswerTimesOut() {
        installWithAutoApproval(ORG, PRIMARY);
        primaryAnswers(okJson(IncidentIoStubs.entriesBody(java.util.List.of(), java.util.List.of(), java.util.List.of(ADA), null))
                .withFixedDelay(1_500));
        assertFailedClosed(autoCheck(ORG, "ada@example.com", null));
    }

    @Test
    void aBodyThatIsNotJson() {
        installWithAutoApproval(ORG, PRIMARY);
        primaryAnswers(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody("<html>oops</html>"));
        assertFailedClosed(autoCheck(ORG, "ada@example.com", null));
    }

    @Test
    void aBodyWithoutTheFinalList() {
        installWithAutoApproval(ORG, PRIMARY);
        primaryAnswers(okJson("{\"schedule_entries\": {\"scheduled\": [" + ADA + "], \"overrides\": []}}"));
        assertFailedClosed(autoCheck(ORG, "ada@example.com", null));
    }

    @Test
    void anEntryWithoutItsTimes() {
        installWithAutoApproval(ORG, PRIMARY);
        primaryAnswers(okJson("{\"schedule_entries\": {\"scheduled\": [], \"overrides\": [], \"final\": ["
                + "{\"end_at\": \"" + NOW.plusSeconds(3600) + "\", \"user\": {\"id\": \"u\", \"name\": \"Ada\", \"email\": \"ada@example.com\", \"role\": \"viewer\"}}]}}"));
        assertFailedClosed(autoCheck(ORG, "ada@example.com", null));
    }

    @Test
    void aFailingLaterPageEvenThoughAnEarlierPageShowedTheRequester() {
        installWithAutoApproval(ORG, PRIMARY);
        stubs.entriesPage(PRIMARY, NOW, NOW.toString(), "cursor-2", ADA);
        wiremock.register(IncidentIoStubs.entriesRequest(PRIMARY, "cursor-2", NOW).willReturn(aResponse().withStatus(502)));
        assertFailedClosed(autoCheck(ORG, "ada@example.com", null));
    }

    @Test
    void oneFailingScheduleFailsTheCheckEvenIfAnotherShowsTheRequester() {
        installWithAutoApproval(ORG, PRIMARY, SECONDARY);
        stubs.entries(PRIMARY, NOW, ADA);
        wiremock.register(IncidentIoStubs.entriesRequest(SECONDARY, NOW.toString(), NOW).willReturn(aResponse().withStatus(500)));
        assertFailedClosed(autoCheck(ORG, "ada@example.com", null));
    }

    @Test
    void rateLimitedLongerThanWeWaitPassesTheRetryAfterOn() {
        installWithAutoApproval(ORG, PRIMARY);
        primaryAnswers(aResponse().withStatus(429).withHeader("Retry-After", "30")
                .withHeader("Content-Type", "application/json")
                .withBody("{\"type\": \"too_many_requests\", \"status\": 429, \"request_id\": \"r-429\", \"rate_limit\": {\"name\": \"k\", \"limit\": 1200, \"remaining\": 0}}"));
        assertFailedClosed(autoCheck(ORG, "ada@example.com", null)).header("Retry-After", equalTo("30"));
    }

    @Test
    void rateLimitedWithAnHttpDateRetryAfter() {
        installWithAutoApproval(ORG, PRIMARY);
        String inAMinute = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME
                .format(Instant.now().plusSeconds(60).atZone(java.time.ZoneOffset.UTC));
        primaryAnswers(aResponse().withStatus(429).withHeader("Retry-After", inAMinute));
        var retryAfter = assertFailedClosed(autoCheck(ORG, "ada@example.com", null)).extract().header("Retry-After");
        org.assertj.core.api.Assertions.assertThat(Integer.parseInt(retryAfter)).isBetween(50, 61);
    }

    @Test
    void theAfterFailureAnswerIsNotCachedSoTheNextCheckAsksAgain() {
        installWithAutoApproval(ORG, PRIMARY);
        primaryAnswers(aResponse().withStatus(500));
        assertFailedClosed(autoCheck(ORG, "ada@example.com", null));

        stubs.entries(PRIMARY, NOW, ADA);
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"));
    }
}
