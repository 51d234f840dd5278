package io.oncallapprover.installation;

import static io.oncallapprover.testsupport.OpenApiContract.invalidRequest;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.oncallapprover.escalation.IncidentOutboxWorker;
import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.IncidentIoStubs;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/** Per-organization severity, incident type and mode of escalation incidents, checked against incident.io. */
@QuarkusTest
@ConnectWireMock
class IncidentSettingsTest extends ApiTestBase {

    static final String SETTINGS = "/integrations/incidentio/incident-settings";
    static final String SEV_MAJOR = "01SEVMAJOR0000000000000001";
    static final String SEV_MINOR = "01SEVMINOR0000000000000002";
    static final String TYPE_ACCESS = "01TYPEACCESS00000000000001";
    static final String TYPE_OUTAGE = "01TYPEOUTAGE00000000000002";
    static final String OTHER = "other-org";

    @Inject
    IncidentOutboxWorker outbox;

    private ValidatableResponse putSettings(String org, String json) {
        return given().contentType(ContentType.JSON).body(json).put(base(org) + SETTINGS).then();
    }

    private ValidatableResponse getSettings(String org) {
        return given().get(base(org) + SETTINGS).then();
    }

    private void installed(String org) {
        stubs.installable();
        install(org, KEY).statusCode(200);
        wiremock.resetRequests();
    }

    private void incidentIoKnows() {
        stubs.severities(SEV_MINOR, SEV_MAJOR);
        stubs.incidentTypes(TYPE_OUTAGE, TYPE_ACCESS);
    }

    @Test
    void withNothingSetTheGlobalDefaultsApply() {
        installed(ORG);

        getSettings(ORG).statusCode(200)
                .body("severityId", nullValue())
                .body("incidentTypeId", nullValue())
                .body("mode", equalTo("standard"))
                .body("fromDefaults", contains("severityId", "incidentTypeId", "mode"));
        wiremock.verifyThat(0, getRequestedFor(urlEqualTo("/v1/severities")));
    }

    @Test
    void knownIdsAreCheckedOnceEachStoredAuditedAndShown() {
        installed(ORG);
        incidentIoKnows();

        putSettings(ORG, """
                {"severityId": "%s", "incidentTypeId": "%s", "mode": "test"}""".formatted(SEV_MAJOR, TYPE_ACCESS)).statusCode(200)
                .body("severityId", equalTo(SEV_MAJOR))
                .body("incidentTypeId", equalTo(TYPE_ACCESS))
                .body("mode", equalTo("test"))
                .body("fromDefaults", empty())
                .body("updatedAt", equalTo(NOW.toString()));

        wiremock.verifyThat(1, getRequestedFor(urlEqualTo("/v1/severities")).withHeader("Authorization", WireMock.equalTo("Bearer " + KEY)));
        wiremock.verifyThat(1, getRequestedFor(urlEqualTo("/v1/incident_types")).withHeader("Authorization", WireMock.equalTo("Bearer " + KEY)));
        getSettings(ORG).statusCode(200)
                .body("severityId", equalTo(SEV_MAJOR)).body("incidentTypeId", equalTo(TYPE_ACCESS)).body("mode", equalTo("test"));
        var row = integrationRow(ORG);
        assertThat(row.getString("incident_severity_id")).isEqualTo(SEV_MAJOR);
        assertThat(row.getString("incident_type_id")).isEqualTo(TYPE_ACCESS);
        assertThat(row.getString("incident_mode")).isEqualTo("test");
        given().get(base(ORG) + "/audit-events").then()
                .body("events[0].action", equalTo("INCIDENT_SETTINGS_CHANGED"))
                .body("events[0].detail", equalTo("severity default, incident type default, mode default -> severity " + SEV_MAJOR
                        + ", incident type " + TYPE_ACCESS + ", mode test"));
    }

    @Test
    void nullIdsReturnToTheDefaultsWithoutAskingIncidentIo() {
        installed(ORG);
        incidentIoKnows();
        putSettings(ORG, "{\"severityId\": \"%s\", \"incidentTypeId\": \"%s\", \"mode\": \"test\"}".formatted(SEV_MINOR, TYPE_OUTAGE))
                .statusCode(200);
        wiremock.resetRequests();

        putSettings(ORG, "{\"severityId\": null, \"mode\": \"standard\"}").statusCode(200)
                .body("severityId", nullValue())
                .body("incidentTypeId", nullValue())
                .body("mode", equalTo("standard"))
                .body("fromDefaults", contains("severityId", "incidentTypeId"));

        wiremock.verifyThat(0, getRequestedFor(urlEqualTo("/v1/severities")));
        wiremock.verifyThat(0, getRequestedFor(urlEqualTo("/v1/incident_types")));
    }

    @Test
    void anUnknownSeverityIsNamedAndNothingIsStored() {
        installed(ORG);
        incidentIoKnows();

        putSettings(ORG, "{\"severityId\": \"01SEVGONE00000000000000001\", \"incidentTypeId\": \"%s\", \"mode\": \"test\"}"
                .formatted(TYPE_ACCESS)).statusCode(422)
                .contentType("application/problem+json")
                .body("code", equalTo("UNKNOWN_INCIDENT_SETTINGS"))
                .body("errors.field", contains("severityId"))
                .body("errors[0].message", equalTo("is not a severity of this incident.io account"));

        getSettings(ORG).body("fromDefaults", contains("severityId", "incidentTypeId", "mode"));
        assertThat(integrationRow(ORG).getString("incident_type_id")).isNull();
    }

    @Test
    void anUnknownIncidentTypeIsNamedAndNothingIsStored() {
        installed(ORG);
        incidentIoKnows();

        putSettings(ORG, "{\"severityId\": \"%s\", \"incidentTypeId\": \"01TYPEGONE0000000000000001\", \"mode\": \"standard\"}"
                .formatted(SEV_MAJOR)).statusCode(422)
                .body("code", equalTo("UNKNOWN_INCIDENT_SETTINGS"))
                .body("errors.field", contains("incidentTypeId"))
                .body("errors[0].message", equalTo("is not an incident type of this incident.io account"));

        assertThat(integrationRow(ORG).getString("incident_severity_id")).isNull();
    }

    @Test
    void bothUnknownAreBothNamed() {
        installed(ORG);
        incidentIoKnows();

        putSettings(ORG, "{\"severityId\": \"01SEVGONE00000000000000001\", \"incidentTypeId\": \"01TYPEGONE0000000000000001\", \"mode\": \"standard\"}")
                .statusCode(422)
                .body("code", equalTo("UNKNOWN_INCIDENT_SETTINGS"))
                .body("errors.field", contains("severityId", "incidentTypeId"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"mode\": \"retrospective\"}                    | VALIDATION_FAILED | mode",
            "{\"mode\": \"TEST\"}                             | VALIDATION_FAILED | mode",
            "{\"severityId\": \"01SEVMAJOR0000000000000001\"} | VALIDATION_FAILED | mode",
            "{\"mode\": 1}                                    | MALFORMED_BODY    | mode",
            "{\"severityId\": \"sev 1\", \"mode\": \"test\"}  | VALIDATION_FAILED | severityId",
            "{\"incidentTypeId\": \"../x\", \"mode\": \"test\"} | VALIDATION_FAILED | incidentTypeId",
            "{\"mode\": \"test\", \"severity\": \"x\"}        | MALFORMED_BODY    | severity" })
    void badInputIsRefusedWithTheFieldNamedBeforeIncidentIoIsAsked(String body, String code, String field) {
        installed(ORG);
        incidentIoKnows();

        invalidRequest("bad incident settings", () -> putSettings(ORG, body)).statusCode(400)
                .contentType("application/problem+json")
                .body("code", equalTo(code))
                .body("errors.field", contains(field));

        wiremock.verifyThat(0, getRequestedFor(urlEqualTo("/v1/severities")));
        assertThat(integrationRow(ORG).getString("incident_mode")).isNull();
    }

    @Test
    void withoutAnInstallationThereAreNoSettings() {
        putSettings(ORG, "{\"mode\": \"test\"}").statusCode(404).body("code", equalTo("NOT_INSTALLED"));
        getSettings(ORG).statusCode(404).body("code", equalTo("NOT_INSTALLED"));
    }

    @Test
    void anIncidentIoOutageIsA503AndNothingIsStored() {
        installed(ORG);
        stubs.severities(SEV_MAJOR);
        wiremock.register(get(urlEqualTo("/v1/incident_types")).willReturn(aResponse().withStatus(503)));

        putSettings(ORG, "{\"severityId\": \"%s\", \"incidentTypeId\": \"%s\", \"mode\": \"test\"}".formatted(SEV_MAJOR, TYPE_ACCESS))
                .statusCode(503)
                .header("Retry-After", notNullValue())
                .body("code", equalTo("UPSTREAM_UNAVAILABLE"));

        assertThat(integrationRow(ORG).getString("incident_severity_id")).isNull();
        given().get(base(ORG) + "/audit-events").then().body("events.action", org.hamcrest.Matchers.not(
                org.hamcrest.Matchers.hasItem("INCIDENT_SETTINGS_CHANGED")));
    }

    @Test
    void settingsSurviveAKeyRotation() {
        installed(ORG);
        incidentIoKnows();
        putSettings(ORG, "{\"severityId\": \"%s\", \"mode\": \"test\"}".formatted(SEV_MAJOR)).statusCode(200);

        install(ORG, "inc_test_rotated_key_0000_KEY2").statusCode(200);

        getSettings(ORG).body("severityId", equalTo(SEV_MAJOR)).body("mode", equalTo("test"));
    }

    // --- what the outbox sends ---------------------------------------------------------------------

    static final String ESCALATE_TO_SECONDARY = """
            {"rules": [{"name": "production databases", "resource": {"type": "service", "service": "postgres"},
              "approval": [{"type": "auto", "integration": "incidentio"},
                           {"type": "escalation", "integration": "incidentio", "services": ["%s"]}]}]}""".formatted(SECONDARY);

    /** Installs {@code org} with the custom field incident.io has then, and a policy escalating postgres to SECONDARY. */
    private void installedForEscalation(String org) {
        install(org, KEY).statusCode(200);
        stubs.scheduleExists(PRIMARY, SECONDARY);
        setAutoApproval(org, List.of(PRIMARY)).statusCode(200);
        putPolicy(org, ESCALATE_TO_SECONDARY).statusCode(200);
    }

    /** A request of Bob (not on call), escalated; returns its id. */
    private String escalated(String org) {
        stubs.entries(PRIMARY, NOW, entry(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(4)), "Ada", "ada@example.com"));
        Map<String, Object> body = new HashMap<>(Map.of("requester", "bob@example.com", "reason", "Fix the stuck migration",
                "resource", Map.of("type", "role", "service", "postgres", "name", "prod-db")));
        String id = given().contentType(ContentType.JSON).body(body).post(base(org) + "/access-requests").then().statusCode(201)
                .body("status", equalTo("PENDING")).extract().path("id");
        given().post(base(org) + "/access-requests/" + id + "/escalate").then().statusCode(202);
        return id;
    }

    /** The logged create bodies, by the request id their idempotency key names. */
    private Map<String, JsonNode> createBodies() throws Exception {
        Map<String, JsonNode> bodies = new HashMap<>();
        for (LoggedRequest create : wiremock.find(postRequestedFor(urlEqualTo("/v2/incidents")))) {
            JsonNode body = new ObjectMapper().readTree(create.getBodyAsString());
            bodies.put(body.path("idempotency_key").asText().replace("oncall-approver:access-request:", ""), body);
        }
        return bodies;
    }

    @Test
    void theOutboxSendsEachOrganizationsSettingsAndTheGlobalDefaultsToOthers() throws Throwable {
        stubs.installable();
        installedForEscalation(ORG);
        installedForEscalation(OTHER);
        incidentIoKnows();
        putSettings(ORG, "{\"severityId\": \"%s\", \"incidentTypeId\": \"%s\", \"mode\": \"test\"}".formatted(SEV_MAJOR, TYPE_ACCESS))
                .statusCode(200);
        stubs.incidentCreated("01INCIDENT000000000000042", "INC-7");

        String mine = escalated(ORG);
        String theirs = escalated(OTHER);
        assertThat(VertxContextSupport.<Integer> subscribeAndAwait(() -> outbox.drainOnce())).isEqualTo(2);

        Map<String, JsonNode> bodies = createBodies();
        JsonNode set = bodies.get(mine);
        assertThat(set.path("severity_id").asText()).isEqualTo(SEV_MAJOR);
        assertThat(set.path("incident_type_id").asText()).isEqualTo(TYPE_ACCESS);
        assertThat(set.path("mode").asText()).isEqualTo("test");
        JsonNode unset = bodies.get(theirs);
        assertThat(unset.has("severity_id")).as("no global severity in the test configuration").isFalse();
        assertThat(unset.has("incident_type_id")).isFalse();
        assertThat(unset.path("mode").asText()).isEqualTo("standard");
        // Both installed with the catalog-backed multi_select field: the schedule as a catalog entry.
        assertThat(set.path("custom_field_entries").toString()).isEqualTo(
                "[{\"custom_field_id\":\"01CFAPPROVERS0000000000001\",\"values\":[{\"value_catalog_entry_id\":\"" + SECONDARY + "\"}]}]");
    }

    @Test
    void anOrganizationReusingATextFieldGetsTheSchedulesAsText() throws Throwable {
        stubs.identity(IncidentIoStubs.ALL_ROLES);
        stubs.customFields(IncidentIoStubs.customField("01CFTEXTEXISTING0000000001", "On-call approver schedules", "text"));
        installedForEscalation(ORG);
        stubs.incidentCreated("01INCIDENT000000000000042", "INC-7");

        String id = escalated(ORG);
        VertxContextSupport.<Integer> subscribeAndAwait(() -> outbox.drainOnce());

        assertThat(createBodies().get(id).path("custom_field_entries").toString()).isEqualTo(
                "[{\"custom_field_id\":\"01CFTEXTEXISTING0000000001\",\"values\":[{\"value_text\":\"" + SECONDARY + "\"}]}]");
        given().get(base(ORG) + "/access-requests/" + id).then().body("incident.state", equalTo("CREATED"));
        wiremock.verifyThat(0, getRequestedFor(urlPathEqualTo("/v3/catalog_types")));
    }
}
