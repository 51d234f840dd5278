package io.oncallapprover.faults;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.oncallapprover.faults.FaultCells.millisSince;
import static io.oncallapprover.testsupport.IncidentIoStubs.entriesBody;
import static io.oncallapprover.testsupport.IncidentIoStubs.entriesRequest;
import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;

import io.oncallapprover.common.ApiKey;
import io.oncallapprover.testsupport.ApiTestBase;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/**
 * Fault cells 1–6: incident.io misbehaving under a check. Every cell asserts that nothing is
 * approved, the code and status say why, the answer comes within the deadline (2.5 s) plus slack,
 * and the same check succeeds once the fault is gone. Each cell prints a {@code FAULT-CELL} line.
 */
@QuarkusTest
@ConnectWireMock
class FaultSuiteTest extends ApiTestBase {

    static final String P = PRIMARY;
    static final String S = SECONDARY;
    static final String ENTRIES = "/v2/schedule_entries";

    /** The check's deadline (oncall.on-call.deadline) plus generous slack: a functional bound, not a benchmark. */
    static final long BOUND_MILLIS = 2_500 + 1_500;

    static final String ADA = entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(1)), "Ada", "ada@example.com");
    static final String GRACE = entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(1)), "Grace", "grace@example.com");

    /** What one call answered, and how long it took. */
    record Outcome(int status, String code, long millis, String retryAfter, Object approved, Object allowed, String body) {
    }

    // --- plumbing ---------------------------------------------------------------------------------

    private static Outcome post(String path, Map<String, Object> body) {
        long start = System.nanoTime();
        Response response = given().contentType(ContentType.JSON).body(body).post(path);
        long millis = millisSince(start);
        String text = response.asString();
        JsonPath json = text == null || text.isBlank() ? null : JsonPath.from(text);
        return new Outcome(response.statusCode(), json == null ? null : json.getString("code"), millis,
                response.header("Retry-After"), json == null ? null : json.get("approved"),
                json == null ? null : json.get("allowed"), text);
    }

    private static Outcome auto(String requester) {
        return post(base(ORG) + "/approval-checks/auto", Map.of("requester", requester));
    }

    private static Outcome approver(String approver, List<String> scheduleIds) {
        return post(base(ORG) + "/approval-checks/approver", Map.of("approver", approver, "scheduleIds", scheduleIds));
    }

    private long entriesCalls() {
        return wiremock.find(getRequestedFor(urlPathEqualTo(ENTRIES))).size();
    }

    private long entriesCalls(String scheduleId) {
        return wiremock.find(getRequestedFor(urlPathEqualTo(ENTRIES)).withQueryParam("schedule_id", equalTo(scheduleId))).size();
    }

    /** Any entries request for one schedule, whatever its window or cursor. */
    private static MappingBuilder anyEntries(String scheduleId) {
        return get(urlPathEqualTo(ENTRIES)).withQueryParam("schedule_id", equalTo(scheduleId));
    }

    private static String page(String nextCursor, String... finalEntries) {
        return entriesBody(List.of(finalEntries), List.of(), List.of(finalEntries), nextCursor);
    }

    /** Nothing approved, UPSTREAM_UNAVAILABLE, 503 with Retry-After, within the bound. */
    private static Outcome assertFailedClosed(Outcome o) {
        assertThat(o.status()).as("status of %s", o.body()).isEqualTo(503);
        assertThat(o.code()).as("code of %s", o.body()).isEqualTo("UPSTREAM_UNAVAILABLE");
        assertThat(o.retryAfter()).as("Retry-After").isNotBlank();
        assertThat(Integer.parseInt(o.retryAfter())).isPositive();
        assertThat(o.approved()).as("approved").isNotEqualTo(true);
        assertThat(o.allowed()).as("allowed").isNotEqualTo(true);
        assertThat(o.body()).doesNotContain("\"approved\":true").doesNotContain("\"allowed\":true");
        assertThat(o.millis()).as("answered within the deadline plus slack").isLessThan(BOUND_MILLIS);
        return o;
    }

    private static Outcome assertOnCall(Outcome o) {
        assertThat(o.status()).as("status of %s", o.body()).isEqualTo(200);
        assertThat(o.code()).isEqualTo("ON_CALL");
        assertThat(o.approved()).isEqualTo(true);
        assertThat(o.millis()).isLessThan(BOUND_MILLIS);
        return o;
    }

    private static String cell(String name, Outcome o, long calls, String extra) {
        return FaultCells.record(name, o.status(), o.code(), o.millis(), calls,
                "retry_after=" + o.retryAfter() + " approved=" + (o.approved() != null ? o.approved() : o.allowed())
                        + (extra == null ? "" : " " + extra));
    }

    private void freshCache() {
        entriesCache.invalidateAll().await().indefinitely();
    }

    // --- 1. isolation ---------------------------------------------------------------------------

    /**
     * An auto check whose schedule P fails (500 after 150 ms, retried) runs at the same moment as an
     * approver check on the healthy schedule S. In rounds 0–9 S is an auto-approval schedule too, so
     * both checks share one fetch of S and the failing check gives up its wait on S while the approver
     * check still needs it; in rounds 10–19 the auto check asks P only. S answers after 100–820 ms, so
     * in some rounds S is still in flight when P has failed. The approver check never sees the failure.
     */
    @Test
    void isolationOfAFailingScheduleFromAConcurrentApproverCheck() throws Exception {
        installWithAutoApproval(ORG, P, S);
        wiremock.register(anyEntries(P).willReturn(aResponse().withStatus(500).withFixedDelay(150)
                .withHeader("Content-Type", "application/json").withBody("{\"type\": \"internal_error\", \"status\": 500}")));
        int rounds = 20;
        int sharedFetches = 0;
        int autoFailedWhileSInFlight = 0;
        long maxApproverMillis = 0;
        long maxAutoMillis = 0;
        long callsBefore = entriesCalls();
        ExecutorService two = Executors.newFixedThreadPool(2);
        try (LogCapture logs = new LogCapture()) {
            for (int round = 0; round < rounds; round++) {
                if (round == 10) {
                    setAutoApproval(ORG, List.of(P)).statusCode(200);
                }
                freshCache();
                int sDelay = 100 + 80 * (round % 10);
                wiremock.register(anyEntries(S).willReturn(okJson(page(null, GRACE)).withFixedDelay(sDelay)));
                boolean graceAsks = round % 2 == 0;
                String who = graceAsks ? "grace@example.com" : "bob@example.com";
                long sBefore = entriesCalls(S);
                CyclicBarrier together = new CyclicBarrier(2);
                Future<Outcome> autoCheck = two.submit(() -> {
                    together.await();
                    return auto("ada@example.com");
                });
                Future<Outcome> approverCheck = two.submit(() -> {
                    together.await();
                    return approver(who, List.of(S));
                });
                Outcome a = autoCheck.get(15, TimeUnit.SECONDS);
                Outcome b = approverCheck.get(15, TimeUnit.SECONDS);

                assertThat(b.status()).as("round %d: approver check %s", round, b.body()).isEqualTo(200);
                assertThat(b.allowed()).as("round %d: allowed", round).isEqualTo(graceAsks);
                assertThat(b.code()).isEqualTo(graceAsks ? "ON_CALL" : "NOT_ON_CALL");
                assertThat(b.millis()).isLessThan(BOUND_MILLIS);
                assertFailedClosed(a);

                long sCalls = entriesCalls(S) - sBefore;
                if (round < 10 && sCalls == 1) {
                    sharedFetches++;
                }
                if (round < 10 && a.millis() < sDelay) {
                    autoFailedWhileSInFlight++;
                }
                maxApproverMillis = Math.max(maxApproverMillis, b.millis());
                maxAutoMillis = Math.max(maxAutoMillis, a.millis());
            }
            long calls = entriesCalls() - callsBefore;

            // Recovery: P answers again, and the auto check approves.
            freshCache();
            wiremock.register(anyEntries(P).willReturn(okJson(page(null, ADA))));
            assertOnCall(auto("ada@example.com"));

            long cancellations = logs.count("CancellationException");
            long dropped = logs.count("Mutiny had to drop");
            FaultCells.record("isolation-approver-check", 200, "ON_CALL|NOT_ON_CALL", maxApproverMillis, calls,
                    "rounds=" + rounds + " approver_200=" + rounds + " auto_status=503 auto_code=UPSTREAM_UNAVAILABLE"
                            + " auto_max_millis=" + maxAutoMillis + " shared_S_fetches=" + sharedFetches + "/10"
                            + " auto_failed_while_S_in_flight=" + autoFailedWhileSInFlight + "/10"
                            + " cancellation_logs=" + cancellations + " mutiny_dropped_logs=" + dropped);
            assertThat(sharedFetches).as("rounds in which both checks shared one fetch of S").isPositive();
            assertThat(autoFailedWhileSInFlight).as("rounds in which the auto check failed while S was in flight").isPositive();
            assertThat(logs.lines()).as("no cancelled shared fetch").noneMatch(l -> l.contains("CancellationException"));
            assertThat(logs.lines()).as("no dropped failure").noneMatch(l -> l.contains("Mutiny had to drop"));
        } finally {
            two.shutdownNow();
        }
    }

    // --- 2. hang ------------------------------------------------------------------------------

    @Test
    void aHangingIncidentIoAnswersWithinTheDeadline() {
        installWithAutoApproval(ORG, P);
        wiremock.register(anyEntries(P).willReturn(okJson(page(null, ADA)).withFixedDelay(10_000)));

        long before = entriesCalls();
        Outcome o = assertFailedClosed(auto("ada@example.com"));
        cell("hang-10s-auto", o, entriesCalls() - before, null);

        before = entriesCalls();
        Outcome a = assertFailedClosed(approver("ada@example.com", List.of(P)));
        assertThat(a.allowed()).isEqualTo(false);
        cell("hang-10s-approver", a, entriesCalls() - before, null);

        // Recovery: incident.io answers again.
        wiremock.register(anyEntries(P).willReturn(okJson(page(null, ADA))));
        before = entriesCalls();
        Outcome ok = assertOnCall(auto("ada@example.com"));
        cell("hang-10s-recovered", ok, entriesCalls() - before, null);
    }

    // --- 3. circuit breaker ---------------------------------------------------------------------

    @Test
    void theCircuitBreakerOpensAfterFiveFailuresAndProbesAfterItsOpenTime() {
        installWithAutoApproval(ORG, P);
        ApiKey key = new ApiKey(KEY);
        wiremock.register(anyEntries(P).willReturn(aResponse().withStatus(503).withHeader("Content-Type", "application/json")
                .withBody("{\"type\": \"service_unavailable\", \"status\": 503}")));

        long before = entriesCalls();
        long failingMillis = 0;
        for (int i = 0; i < 5; i++) {
            assertThat(breaker.isOpen(key)).as("closed before failure %d", i + 1).isFalse();
            failingMillis = Math.max(failingMillis, assertFailedClosed(auto("ada@example.com")).millis());
        }
        long failingCalls = entriesCalls() - before;
        FaultCells.record("breaker-5-failures", 503, "UPSTREAM_UNAVAILABLE", failingMillis, failingCalls, "checks=5");
        assertThat(breaker.isOpen(key)).isTrue();

        // Open: answered at once, incident.io not asked.
        before = entriesCalls();
        Outcome open = assertFailedClosed(auto("ada@example.com"));
        assertThat(open.millis()).as("an open breaker answers at once").isLessThan(500);
        assertThat(entriesCalls()).as("incident.io not asked while open").isEqualTo(before);
        cell("breaker-open-auto", open, entriesCalls() - before, null);
        Outcome openApprover = assertFailedClosed(approver("ada@example.com", List.of(P)));
        assertThat(openApprover.millis()).isLessThan(500);
        assertThat(entriesCalls()).isEqualTo(before);
        cell("breaker-open-approver", openApprover, entriesCalls() - before, null);

        // After its open time one probe goes through; it fails, so the breaker opens again.
        clock.advance(Duration.ofSeconds(6));
        before = entriesCalls();
        Outcome probe = assertFailedClosed(auto("ada@example.com"));
        long probeCalls = entriesCalls() - before;
        assertThat(probeCalls).as("the probe asked incident.io").isPositive();
        assertThat(breaker.isOpen(key)).as("a failed probe opens the breaker again").isTrue();
        cell("breaker-failed-probe", probe, probeCalls, null);
        before = entriesCalls();
        Outcome reopened = assertFailedClosed(auto("ada@example.com"));
        assertThat(reopened.millis()).isLessThan(500);
        assertThat(entriesCalls()).isEqualTo(before);
        cell("breaker-reopened", reopened, 0, null);

        // Healed: after the open time the probe succeeds and checks approve again.
        clock.advance(Duration.ofSeconds(6));
        stubs.entries(P, clock.instant(), ADA);
        before = entriesCalls();
        Outcome healed = assertOnCall(auto("ada@example.com"));
        assertThat(entriesCalls() - before).as("one probe").isEqualTo(1);
        assertThat(breaker.isOpen(key)).isFalse();
        cell("breaker-probe-succeeds", healed, entriesCalls() - before, null);
        freshCache();
        before = entriesCalls();
        Outcome after = assertOnCall(auto("ada@example.com"));
        cell("breaker-closed-again", after, entriesCalls() - before, null);
    }

    // --- 4. rate limits -----------------------------------------------------------------------

    private static ResponseDefinitionBuilder rateLimited(String retryAfter) {
        return aResponse().withStatus(429).withHeader("Retry-After", retryAfter).withHeader("Content-Type", "application/json")
                .withBody("{\"type\": \"too_many_requests\", \"status\": 429, \"request_id\": \"r-429\","
                        + " \"rate_limit\": {\"name\": \"k\", \"limit\": 1200, \"remaining\": 0}}");
    }

    /** 429 once, then the page: the first call is rate limited, the second answers. */
    private void rateLimitedOnceThenAnswers(String retryAfter) {
        wiremock.register(anyEntries(P).inScenario("rate").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(rateLimited(retryAfter)).willSetStateTo("limited"));
        wiremock.register(anyEntries(P).inScenario("rate").whenScenarioStateIs("limited")
                .willReturn(okJson(page(null, ADA))));
    }

    private static String httpDate(Instant at) {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(at.atZone(ZoneOffset.UTC));
    }

    @Test
    void rateLimitedForOneSecondWaitsInLineAndApproves() {
        installWithAutoApproval(ORG, P);
        rateLimitedOnceThenAnswers("1");
        long before = entriesCalls();
        Outcome o = assertOnCall(auto("ada@example.com"));
        assertThat(o.millis()).as("waited the second incident.io asked for").isGreaterThanOrEqualTo(1_000);
        assertThat(entriesCalls() - before).isEqualTo(2);
        cell("rate-limit-seconds-1-then-ok", o, entriesCalls() - before, null);
    }

    @Test
    void rateLimitedForLongerThanWeWaitFailsAtOnceAndPassesTheSecondsOn() {
        installWithAutoApproval(ORG, P);
        rateLimitedOnceThenAnswers("3");
        long before = entriesCalls();
        Outcome o = assertFailedClosed(auto("ada@example.com"));
        assertThat(o.retryAfter()).isEqualTo("3");
        assertThat(o.millis()).as("not waited in line").isLessThan(1_000);
        assertThat(entriesCalls() - before).isEqualTo(1);
        cell("rate-limit-seconds-3", o, entriesCalls() - before, null);
        // Recovery: the limit has passed (the scenario answers the next call).
        before = entriesCalls();
        Outcome ok = assertOnCall(auto("ada@example.com"));
        cell("rate-limit-seconds-3-recovered", ok, entriesCalls() - before, null);
    }

    @Test
    void rateLimitedUntilAnHttpDateWithinOneSecondWaitsInLineAndApproves() {
        installWithAutoApproval(ORG, P);
        // An HTTP date has whole seconds: the next full second is at most one second ahead.
        Instant next = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        rateLimitedOnceThenAnswers(httpDate(next));
        long before = entriesCalls();
        Outcome o = assertOnCall(auto("ada@example.com"));
        assertThat(entriesCalls() - before).isEqualTo(2);
        cell("rate-limit-http-date-1s-then-ok", o, entriesCalls() - before, "retry_after_sent=\"" + httpDate(next) + "\"");
    }

    @Test
    void rateLimitedUntilAnHttpDateSecondsAheadFailsAtOnceAndPassesTheWaitOn() {
        installWithAutoApproval(ORG, P);
        String inFive = httpDate(Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(5));
        rateLimitedOnceThenAnswers(inFive);
        long before = entriesCalls();
        Outcome o = assertFailedClosed(auto("ada@example.com"));
        assertThat(Integer.parseInt(o.retryAfter())).isBetween(3, 6);
        assertThat(o.millis()).as("not waited in line").isLessThan(1_000);
        assertThat(entriesCalls() - before).isEqualTo(1);
        cell("rate-limit-http-date-5s", o, entriesCalls() - before, "retry_after_sent=\"" + inFive + "\"");
        before = entriesCalls();
        Outcome ok = assertOnCall(auto("ada@example.com"));
        cell("rate-limit-http-date-5s-recovered", ok, entriesCalls() - before, null);
    }

    // --- 5. faults on a later page --------------------------------------------------------------

    @Test
    void aBrokenSecondPageFailsClosedThoughTheFirstShowsTheRequester() {
        installWithAutoApproval(ORG, P);
        String full = page(null, GRACE);
        Map<String, ResponseDefinitionBuilder> faults = new LinkedHashMap<>();
        faults.put("page2-connection-reset", aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));
        faults.put("page2-random-data-then-close", aResponse().withFault(Fault.RANDOM_DATA_THEN_CLOSE));
        faults.put("page2-empty-response", aResponse().withFault(Fault.EMPTY_RESPONSE));
        faults.put("page2-malformed-chunk", aResponse().withFault(Fault.MALFORMED_RESPONSE_CHUNK));
        faults.put("page2-invalid-json", aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody("{\"schedule_entries\": not json at all"));
        faults.put("page2-truncated-json", aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody(full.substring(0, full.length() / 2)));

        for (Map.Entry<String, ResponseDefinitionBuilder> fault : faults.entrySet()) {
            wiremock.resetMappings();
            freshCache();
            breaker.reset();
            // Ada (the requester) is on call on page 1; page 2 breaks.
            stubs.entriesPage(P, NOW, NOW.toString(), "cursor-2", ADA);
            wiremock.register(entriesRequest(P, "cursor-2", NOW).willReturn(fault.getValue()));
            long before = entriesCalls();
            Outcome o = auto("ada@example.com");
            long calls = entriesCalls() - before;
            cell(fault.getKey(), o, calls, "page2_calls=" + (calls - 1));
            assertFailedClosed(o);
            assertThat(calls).as("page 1 and page 2 were asked").isGreaterThanOrEqualTo(2);

            // Recovery: page 2 answers.
            freshCache();
            wiremock.register(entriesRequest(P, "cursor-2", NOW).willReturn(okJson(full)));
            assertOnCall(auto("ada@example.com"));
        }
    }

    // --- 6. cursors -----------------------------------------------------------------------------

    @Test
    void aCursorPointingToItsOwnPageIsMalformedAtOnce() {
        installWithAutoApproval(ORG, P);
        // Page 1 names its own window start as the next cursor.
        stubs.entriesPage(P, NOW, NOW.toString(), NOW.toString(), ADA);
        long before = entriesCalls();
        Outcome first = assertFailedClosed(auto("ada@example.com"));
        assertThat(entriesCalls() - before).isEqualTo(1);
        assertThat(first.millis()).as("answered at once").isLessThan(1_000);
        cell("cursor-self-page1", first, entriesCalls() - before, null);

        // A later page pointing to itself.
        freshCache();
        stubs.entriesPage(P, NOW, NOW.toString(), "cursor-A", ADA);
        stubs.entriesPage(P, NOW, "cursor-A", "cursor-A", GRACE);
        before = entriesCalls();
        Outcome later = assertFailedClosed(auto("ada@example.com"));
        assertThat(entriesCalls() - before).isEqualTo(2);
        assertThat(later.millis()).isLessThan(1_000);
        cell("cursor-self-page2", later, entriesCalls() - before, null);

        recoverWithOnePage();
    }

    @Test
    void aTwoPageCursorLoopIsMalformed() {
        installWithAutoApproval(ORG, P);
        stubs.entriesPage(P, NOW, NOW.toString(), "cursor-A", ADA);
        stubs.entriesPage(P, NOW, "cursor-A", "cursor-B");
        stubs.entriesPage(P, NOW, "cursor-B", "cursor-A");
        long before = entriesCalls();
        Outcome o = assertFailedClosed(auto("ada@example.com"));
        assertThat(entriesCalls() - before).isEqualTo(3);
        assertThat(o.millis()).isLessThan(1_000);
        cell("cursor-loop-A-B-A", o, entriesCalls() - before, null);
        recoverWithOnePage();
    }

    @Test
    void anEndlessCursorEndsWithinTheDeadline() throws InterruptedException {
        installWithAutoApproval(ORG, P);
        // Every page names a new, random cursor (WireMock response templating).
        String endless = page("{{randomValue length=16 type='ALPHANUMERIC'}}", ADA);
        wiremock.register(anyEntries(P).willReturn(okJson(endless)));
        long before = entriesCalls();
        Outcome fast = assertFailedClosed(auto("ada@example.com"));
        long fastCalls = entriesCalls() - before;
        cell("cursor-endless-fast", fast, fastCalls, "stopped_by=max-pages");
        assertThat(fastCalls).as("bounded by the page limit").isBetween(2L, 51L);

        // Slow pages: the deadline ends it, and the abandoned fetch asks for no further page.
        freshCache();
        wiremock.register(anyEntries(P).willReturn(okJson(endless).withFixedDelay(100)));
        before = entriesCalls();
        Outcome slow = assertFailedClosed(auto("ada@example.com"));
        long atAnswer = entriesCalls();
        Thread.sleep(700);
        long afterPause = entriesCalls();
        cell("cursor-endless-slow", slow, atAnswer - before, "calls_after_answer=" + (afterPause - atAnswer));
        assertThat(slow.millis()).isGreaterThanOrEqualTo(2_000);
        assertThat(afterPause - atAnswer).as("the abandoned fetch stops before its next page").isLessThanOrEqualTo(1);
        recoverWithOnePage();
    }

    private void recoverWithOnePage() {
        wiremock.resetMappings();
        freshCache();
        stubs.entries(P, NOW, ADA);
        long before = entriesCalls();
        assertOnCall(auto("ada@example.com"));
        assertThat(entriesCalls() - before).isEqualTo(1);
    }
}
