package io.oncallapprover.observability;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import jakarta.inject.Inject;

import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.stubbing.Scenario;

import io.oncallapprover.testsupport.ApiTestBase;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A slow check can be followed into its incident.io calls: the server span of the API call has, as children, one
 * span per attempt at incident.io with the operation, schedule, page, attempt and outcome, and the REST client's
 * HTTP span under each; the log lines of the request carry its trace id and organization.
 */
@QuarkusTest
@ConnectWireMock
class TracingApiTest extends ApiTestBase {

    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("incidentio.operation");
    static final AttributeKey<String> SCHEDULE = AttributeKey.stringKey("incidentio.schedule_id");
    static final AttributeKey<Long> PAGE = AttributeKey.longKey("incidentio.page");
    static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("incidentio.attempt");
    static final AttributeKey<Boolean> RETRY = AttributeKey.booleanKey("incidentio.retry");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("incidentio.outcome");
    static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");

    @Inject
    InMemorySpanExporter spans;

    @BeforeEach
    void installed() {
        installWithAutoApproval(ORG, PRIMARY);
        stubs.entries(PRIMARY, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), "Ada", "ada@example.com"));
        awaitQuiet();
        spans.reset();
    }

    @Test
    void aCheckShowsItsIncidentIoCallAsAChildOfItsServerSpanWithWhatItAsked() {
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("approved", equalTo(true));

        SpanData server = awaitSpan(s -> s.getKind() == SpanKind.SERVER && s.getName().contains("approval-checks/auto"));
        SpanData call = awaitSpan(s -> s.getName().equals("incidentio schedule_entries"));
        assertThat(call.getTraceId()).isEqualTo(server.getTraceId());
        assertThat(call.getParentSpanId()).as("a child of the API call's span").isEqualTo(server.getSpanId());
        assertThat(call.getAttributes().get(OPERATION)).isEqualTo("schedule_entries");
        assertThat(call.getAttributes().get(SCHEDULE)).isEqualTo(PRIMARY);
        assertThat(call.getAttributes().get(PAGE)).isEqualTo(1L);
        assertThat(call.getAttributes().get(ATTEMPT)).isEqualTo(1L);
        assertThat(call.getAttributes().get(RETRY)).isFalse();
        assertThat(call.getAttributes().get(OUTCOME)).isEqualTo("ok");
        // The REST client's own HTTP span hangs under the attempt.
        SpanData http = awaitSpan(s -> s.getKind() == SpanKind.CLIENT && s.getParentSpanId().equals(call.getSpanId()));
        assertThat(http.getTraceId()).isEqualTo(server.getTraceId());
        // The key never reaches a span.
        spans.getFinishedSpanItems().forEach(s -> assertThat(s.getAttributes().toString()).doesNotContain(KEY));
    }

    @Test
    void aRetriedCallShowsEachAttemptWithHowItEnded() {
        wiremock.register(get(urlPathEqualTo("/v2/schedule_entries")).atPriority(1).inScenario("flaky")
                .whenScenarioStateIs(Scenario.STARTED).willReturn(aResponse().withStatus(503)).willSetStateTo("answering"));

        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("approved", equalTo(true));

        SpanData server = awaitSpan(s -> s.getKind() == SpanKind.SERVER && s.getName().contains("approval-checks/auto"));
        SpanData first = awaitSpan(s -> s.getName().equals("incidentio schedule_entries") && Long.valueOf(1).equals(s.getAttributes().get(ATTEMPT)));
        SpanData second = awaitSpan(s -> s.getName().equals("incidentio schedule_entries") && Long.valueOf(2).equals(s.getAttributes().get(ATTEMPT)));
        assertThat(List.of(first.getParentSpanId(), second.getParentSpanId())).containsOnly(server.getSpanId());
        assertThat(first.getAttributes().get(OUTCOME)).isEqualTo("server_error");
        assertThat(first.getAttributes().get(STATUS)).isEqualTo(503L);
        assertThat(first.getAttributes().get(RETRY)).isFalse();
        assertThat(second.getAttributes().get(RETRY)).isTrue();
        assertThat(second.getAttributes().get(OUTCOME)).isEqualTo("ok");
    }

    @Test
    void theLogLinesOfARequestCarryItsTraceIdAndOrganization() {
        List<ExtLogRecord> records = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record instanceof ExtLogRecord ext && String.valueOf(ext.getFormattedMessage()).startsWith("auto check org=")) {
                    ext.copyMdc();
                    records.add(ext);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        handler.setLevel(Level.ALL);
        Logger.getLogger("").addHandler(handler);
        try {
            autoCheck(ORG, "ada@example.com", null).statusCode(200);
        } finally {
            Logger.getLogger("").removeHandler(handler);
        }
        SpanData server = awaitSpan(s -> s.getKind() == SpanKind.SERVER && s.getName().contains("approval-checks/auto"));
        assertThat(records).hasSize(1);
        Map<String, String> mdc = records.get(0).getMdcCopy();
        assertThat(mdc).containsEntry("traceId", server.getTraceId()).containsEntry("orgId", ORG).containsKey("requestId");
    }

    @Test
    void anOutboxSendIsASpanOfItsOwnWithItsIncidentIoCallUnderIt() throws Throwable {
        stubs.scheduleExists(SECONDARY);
        putPolicy(ORG, """
                {"rules": [{"name": "production databases", "resource": {"type": "service", "service": "postgres"},
                  "approval": [{"type": "escalation", "integration": "incidentio", "services": ["%s"]}]}]}""".formatted(SECONDARY))
                .statusCode(200);
        stubs.incidentCreated("01INCIDENT000000000000042", "INC-42");
        String id = io.restassured.RestAssured.given().contentType("application/json")
                .body(Map.of("requester", "bob@example.com", "resource", Map.of("type", "role", "service", "postgres", "name", "db")))
                .post(base(ORG) + "/access-requests").then().statusCode(201).extract().path("id");
        io.restassured.RestAssured.given().post(base(ORG) + "/access-requests/" + id + "/escalate").then().statusCode(202);
        spans.reset();

        assertThat(io.quarkus.vertx.VertxContextSupport.<Integer> subscribeAndAwait(() -> outbox.drainOnce())).isEqualTo(1);

        SpanData send = awaitSpan(s -> s.getName().equals("outbox task send"));
        assertThat(send.getParentSpanContext().isValid()).as("a root: the outbox is worked by a timer").isFalse();
        assertThat(send.getAttributes().get(AttributeKey.stringKey("queue.row"))).contains("CREATE_INCIDENT").contains(id);
        assertThat(send.getAttributes().get(AttributeKey.longKey("queue.attempt"))).isEqualTo(1L);
        SpanData create = awaitSpan(s -> s.getName().equals("incidentio create_incident"));
        assertThat(create.getParentSpanId()).isEqualTo(send.getSpanId());
        assertThat(create.getTraceId()).isEqualTo(send.getTraceId());
        assertThat(create.getAttributes().get(OUTCOME)).isEqualTo("ok");
    }

    @Inject
    io.oncallapprover.escalation.IncidentOutboxWorker outbox;

    private SpanData awaitSpan(java.util.function.Predicate<SpanData> wanted) {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < until) {
            for (SpanData span : spans.getFinishedSpanItems()) {
                if (wanted.test(span)) {
                    return span;
                }
            }
            sleep(20);
        }
        throw new AssertionError("no such span among " + spans.getFinishedSpanItems().stream()
                .map(s -> s.getKind() + " " + s.getName() + " " + s.getAttributes()).toList());
    }

    /** Lets the spans of the set-up requests reach the exporter, so a reset forgets them all. */
    private void awaitQuiet() {
        int seen = -1;
        while (seen != spans.getFinishedSpanItems().size()) {
            seen = spans.getFinishedSpanItems().size();
            sleep(150);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
