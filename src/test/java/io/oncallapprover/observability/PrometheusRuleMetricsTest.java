package io.oncallapprover.observability;

import static io.restassured.RestAssured.given;
import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.equalTo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import io.oncallapprover.common.ApiKey;
import io.oncallapprover.incidentio.IncidentIoException;
import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.MetricsScrape;
import io.oncallapprover.testsupport.PromQl;
import io.oncallapprover.testsupport.SignedDeliveries;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;

/**
 * /q/metrics, after the code paths ran: SLO histograms for checks and incident.io calls, the queue backlog read
 * from the database, the breaker and budget per key, problems by code. And every metric name an alert of
 * deployment/monitoring/prometheusrule.yaml reads is one the service exports: a renamed metric fails here.
 */
@QuarkusTest
@ConnectWireMock
class PrometheusRuleMetricsTest extends ApiTestBase {

    static final Path RULES = Path.of("deployment/monitoring/prometheusrule.yaml");

    static final String POLICY = """
            {"rules": [
              {"name": "on-call engineers", "approval": [{"type": "auto", "integration": "incidentio"}]},
              {"name": "production databases", "resource": {"type": "service", "service": "postgres"},
               "approval": [{"type": "escalation", "integration": "incidentio", "services": ["%s"],
                             "options": {"allowOneParty": false, "requireReason": true}}]}]}""".formatted(SECONDARY);

    @Inject
    QueueBacklog backlog;

    @Test
    void theAlertsReadOnlyMetricsTheServiceExportsWithTheirHistogramsAndGauges() throws Throwable {
        exerciseEveryPathTheAlertsWatch();
        String text = MetricsScrape.text();
        Set<String> exported = MetricsScrape.seriesNames(text);

        // Histograms with the SLO buckets, for the checks (by route) and for incident.io (by operation).
        assertThat(text).containsPattern("http_server_requests_seconds_bucket\\{[^ ]*uri=\"/api/v1/orgs/\\{orgId\\}/approval-checks/auto\",le=\"0\\.25\"}")
                .containsPattern("incidentio_requests_seconds_bucket\\{operation=\"schedule_entries\",[^ ]*le=\"0\\.25\"}");
        // Budget tokens per key (a hash, never the key).
        assertThat(text).contains("incidentio_budget_tokens{").doesNotContain(KEY);

        Map<String, Set<String>> missing = new TreeMap<>();
        JsonNode rule = new YAMLMapper().readTree(Files.readString(RULES));
        for (JsonNode group : rule.path("spec").path("groups")) {
            for (JsonNode alert : group.path("rules")) {
                Set<String> names = PromQl.metricNames(alert.path("expr").asText());
                Set<String> absent = new TreeSet<>(names);
                absent.removeAll(exported);
                if (!absent.isEmpty()) {
                    missing.put(alert.path("alert").asText(), absent);
                }
            }
        }
        assertThat(missing).as("metrics an alert reads that /q/metrics does not have").isEmpty();
    }

    @Test
    void theOutboxBacklogIsReadFromTheDatabaseWithTheAgeOfItsOldestTask() throws Throwable {
        escalatedRequest();
        VertxContextSupport.subscribeAndAwait(() -> backlog.refresh());
        clock.advance(Duration.ofMinutes(6));

        String text = MetricsScrape.text();
        assertThat(MetricsScrape.value(text, "queue_backlog", "queue=\"incident_outbox\"")).isEqualTo(1.0);
        assertThat(MetricsScrape.value(text, "queue_oldest_age_seconds", "queue=\"incident_outbox\"")).isCloseTo(360.0, within(0.5));
        assertThat(MetricsScrape.value(text, "queue_oldest_age_seconds", "queue=\"webhook_deliveries\"")).isZero();

        pool.query("delete from outbox_task").execute().await().indefinitely();
        VertxContextSupport.subscribeAndAwait(() -> backlog.refresh());
        text = MetricsScrape.text();
        assertThat(MetricsScrape.value(text, "queue_backlog", "queue=\"incident_outbox\"")).isZero();
        assertThat(MetricsScrape.value(text, "queue_oldest_age_seconds", "queue=\"incident_outbox\"")).isZero();
    }

    @Test
    void aBreakerOpenForSixMinutesSaysSoUntilACallSucceeds() {
        ApiKey key = new ApiKey("inc_test_breaker_gauge_KEY9");
        for (int i = 0; i < 5; i++) {
            breaker.guard(key, "test", Uni.createFrom().failure(IncidentIoException.of(IncidentIoException.Kind.NETWORK, "down")))
                    .onFailure().recoverWithNull().await().indefinitely();
        }
        assertThat(breaker.isOpen(key)).isTrue();
        clock.advance(Duration.ofMinutes(6));
        String text = MetricsScrape.text();
        assertThat(text).doesNotContain(key.reveal());
        assertThat(text).containsPattern("incidentio_breaker_open_seconds\\{key=\"[0-9a-f]{12}\"[^}]*} 360\\.0")
                .containsPattern("incidentio_breaker_open\\{key=\"[0-9a-f]{12}\"[^}]*} 1\\.0");

        breaker.guard(key, "test", Uni.createFrom().item("ok")).await().indefinitely(); // the probe answers
        text = MetricsScrape.text();
        assertThat(text).doesNotContainPattern("incidentio_breaker_open_seconds\\{key=\"[0-9a-f]{12}\"[^}]*} 360\\.0");
    }

    private void exerciseEveryPathTheAlertsWatch() throws Throwable {
        installWithAutoApproval(ORG, PRIMARY);
        stubs.entries(PRIMARY, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), "Ada", "ada@example.com"));
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("approved", equalTo(true));
        // incident.io down: the check fails closed with UPSTREAM_UNAVAILABLE, and the breaker is guarding the key.
        entriesCache.invalidateAll().await().indefinitely();
        wiremock.register(com.github.tomakehurst.wiremock.client.WireMock.get(
                com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo("/v2/schedule_entries")).atPriority(1)
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(503)));
        autoCheck(ORG, "ada@example.com", null).statusCode(503).body("code", equalTo("UPSTREAM_UNAVAILABLE"));
        // A webhook whose signature does not verify.
        SignedDeliveries.deliver(ORG, SignedDeliveries.OTHER_SECRET, "msg_metrics_unverified", NOW,
                SignedDeliveries.shiftChange(PRIMARY, java.util.List.of("ada@example.com"), java.util.List.of())).statusCode(401);
        VertxContextSupport.subscribeAndAwait(() -> backlog.refresh());
    }

    private void escalatedRequest() {
        installWithAutoApproval(ORG, PRIMARY);
        stubs.scheduleExists(SECONDARY);
        putPolicy(ORG, POLICY).statusCode(200);
        stubs.entries(PRIMARY, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), "Ada", "ada@example.com"));
        String id = given().contentType("application/json").body(Map.of("requester", "bob@example.com", "reason", "migration",
                "resource", Map.of("type", "role", "service", "postgres", "name", "prod-db")))
                .post(base(ORG) + "/access-requests").then().statusCode(201).body("status", equalTo("PENDING"))
                .extract().path("id");
        given().post(base(ORG) + "/access-requests/" + id + "/escalate").then().statusCode(202);
    }
}
