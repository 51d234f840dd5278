package io.oncallapprover.installation;

import static io.oncallapprover.testsupport.OpenApiContract.invalidRequest;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import com.github.tomakehurst.wiremock.client.WireMock;

import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.IncidentIoStubs;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

@QuarkusTest
@ConnectWireMock
class InstallationTest extends ApiTestBase {

    @Test
    void installValidatesTheKeyCreatesTheCatalogBackedFieldAndStoresTheKeyEncrypted() {
        stubs.installable();

        String body = install(ORG, KEY).statusCode(200)
                .body("orgId", equalTo(ORG))
                .body("keyHint", equalTo("…KEY1"))
                .body("identityName", equalTo("access-approvals"))
                .body("roles", hasItem("schedules_reader"))
                .body("customFieldId", equalTo("01CFAPPROVERS0000000000001"))
                .body("autoApprovalScheduleIds", org.hamcrest.Matchers.empty())
                .extract().asString();
        assertThat(body).doesNotContain(KEY);

        wiremock.verifyThat(getRequestedFor(urlEqualTo("/v1/identity")).withHeader("Authorization", WireMock.equalTo("Bearer " + KEY)));
        wiremock.verifyThat(postRequestedFor(urlEqualTo("/v2/custom_fields"))
                .withRequestBody(matchingJsonPath("$.name", WireMock.equalTo("On-call approver schedules")))
                .withRequestBody(matchingJsonPath("$.field_type", WireMock.equalTo("multi_select")))
                .withRequestBody(matchingJsonPath("$.catalog_type_id", WireMock.equalTo(IncidentIoStubs.SCHEDULE_TYPE_ID))));

        var row = integrationRow(ORG);
        String ciphertext = row.getString("api_key_ciphertext");
        assertThat(ciphertext).startsWith("v1.test.").doesNotContain(KEY).doesNotContain("KEY1");
        assertThat(row.getString("api_key_hint")).isEqualTo("KEY1");
    }

    static final String EXISTING = "01CFEXISTING00000000000001";

    /** Everything install needs, with {@code fieldJson} already in incident.io under (a case variant of) our name. */
    private void installableWithExistingField(String fieldJson, boolean scheduleCatalogType) {
        stubs.identity(IncidentIoStubs.ALL_ROLES);
        stubs.customFields(IncidentIoStubs.customField("01CFOTHER00000000000000001", "Affected teams", "multi_select"), fieldJson);
        stubs.catalogTypes(scheduleCatalogType);
        stubs.createCustomField("01CFSHOULDNOTBECREATED0001");
    }

    @ParameterizedTest
    @ValueSource(strings = { "multi_select", "single_select" })
    void anExistingSelectFieldBackedByTheScheduleCatalogTypeIsReusedWhateverTheCaseOfItsName(String type) {
        installableWithExistingField(IncidentIoStubs.catalogField(EXISTING, "ON-CALL approver Schedules", type,
                IncidentIoStubs.SCHEDULE_TYPE_ID), true);

        install(ORG, KEY).statusCode(200).body("customFieldId", equalTo(EXISTING)).body("customFieldType", equalTo(type));

        wiremock.verifyThat(0, postRequestedFor(urlEqualTo("/v2/custom_fields")));
        assertThat(integrationRow(ORG).getString("custom_field_type")).isEqualTo(type);
    }

    @Test
    void anExistingTextFieldIsReusedWithoutAskingForCatalogTypes() {
        installableWithExistingField(IncidentIoStubs.customField(EXISTING, "On-call approver schedules", "text"), true);

        install(ORG, KEY).statusCode(200).body("customFieldId", equalTo(EXISTING)).body("customFieldType", equalTo("text"));

        wiremock.verifyThat(0, postRequestedFor(urlEqualTo("/v2/custom_fields")));
        wiremock.verifyThat(0, getRequestedFor(urlEqualTo("/v3/catalog_types")));
    }

    /** Every field type the incident.io spec lists that cannot hold the schedules, plus a type added later. */
    @ParameterizedTest(name = "{0} backed by {1}")
    @CsvSource(nullValues = "none", value = {
            "link,          none,                       'is a link field, which cannot hold schedules'",
            "numeric,       none,                       'is a numeric field, which cannot hold schedules'",
            "a_future_type, none,                       'is a a_future_type field, which cannot hold schedules'",
            "multi_select,  none,                       'is a multi_select field with its own options, not backed by the \"Schedule\" catalog type'",
            "single_select, none,                       'is a single_select field with its own options, not backed by the \"Schedule\" catalog type'",
            "multi_select,  01CATTYPESERVICE0000000001, 'is a multi_select field backed by catalog type \"Service\" (01CATTYPESERVICE0000000001), not by the \"Schedule\" catalog type'",
            "single_select, 01CATTYPESERVICE0000000001, 'is a single_select field backed by catalog type \"Service\" (01CATTYPESERVICE0000000001), not by the \"Schedule\" catalog type'" })
    void anExistingFieldThatCannotHoldTheSchedulesIsNamedAndNothingIsStored(String type, String catalogTypeId, String problem) {
        installableWithExistingField(catalogTypeId == null
                ? IncidentIoStubs.customField(EXISTING, "On-call approver schedules", type)
                : IncidentIoStubs.catalogField(EXISTING, "On-call approver schedules", type, catalogTypeId), true);

        install(ORG, KEY).statusCode(422)
                .contentType("application/problem+json")
                .body("code", equalTo("CUSTOM_FIELD_UNUSABLE"))
                .body("detail", containsString("\"On-call approver schedules\" (" + EXISTING + ")"))
                .body("detail", containsString(problem))
                .body("errors.field", contains("customField"))
                .body("errors[0].message", equalTo("\"On-call approver schedules\" " + problem));

        assertThat(integrationRows()).isZero();
        wiremock.verifyThat(0, postRequestedFor(urlEqualTo("/v2/custom_fields")));
    }

    @Test
    void aSelectFieldIsRefusedWhenIncidentIoHasNoScheduleCatalogType() {
        installableWithExistingField(IncidentIoStubs.catalogField(EXISTING, "On-call approver schedules", "multi_select",
                IncidentIoStubs.SCHEDULE_TYPE_ID), false);

        install(ORG, KEY).statusCode(422)
                .body("code", equalTo("CUSTOM_FIELD_UNUSABLE"))
                .body("errors[0].message", equalTo("\"On-call approver schedules\" is a multi_select field backed by catalog type "
                        + IncidentIoStubs.SCHEDULE_TYPE_ID + ", not by the \"Schedule\" catalog type"));
        assertThat(integrationRows()).isZero();
    }

    @Test
    void ofSeveralFieldsOfOurNameAUsableOneIsReused() {
        stubs.identity(IncidentIoStubs.ALL_ROLES);
        stubs.customFields(IncidentIoStubs.customField("01CFLINK000000000000000001", "On-call approver schedules", "link"),
                IncidentIoStubs.catalogField(EXISTING, "on-call approver schedules", "multi_select", IncidentIoStubs.SCHEDULE_TYPE_ID));
        stubs.catalogTypes(true);

        install(ORG, KEY).statusCode(200).body("customFieldId", equalTo(EXISTING));
    }

    @Test
    void aKeyRotationRefusedForAnUnusableFieldKeepsTheInstallationAsItWas() {
        stubs.installable();
        install(ORG, KEY).statusCode(200);
        stubs.customFields(IncidentIoStubs.customField("01CFAPPROVERS0000000000001", "On-call approver schedules", "numeric"));

        install(ORG, "inc_test_rotated_key_0000_KEY2").statusCode(422).body("code", equalTo("CUSTOM_FIELD_UNUSABLE"));

        var row = integrationRow(ORG);
        assertThat(row.getString("api_key_hint")).isEqualTo("KEY1");
        assertThat(row.getString("custom_field_type")).isEqualTo("multi_select");
    }

    @Test
    void withoutAScheduleCatalogTypeTheFieldIsAText() {
        stubs.identity(IncidentIoStubs.ALL_ROLES);
        stubs.customFields();
        stubs.catalogTypes(false);
        stubs.createCustomField("01CFTEXT000000000000000001");

        install(ORG, KEY).statusCode(200);

        wiremock.verifyThat(postRequestedFor(urlEqualTo("/v2/custom_fields"))
                .withRequestBody(matchingJsonPath("$.field_type", WireMock.equalTo("text")))
                .withRequestBody(matchingJsonPath("$[?(!@.catalog_type_id)]")));
    }

    @Test
    void aKeyIncidentIoRejectsIsInvalidAndNothingIsStored() {
        wiremock.register(get(urlEqualTo("/v1/identity")).willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"type\": \"authentication_error\", \"status\": 401, \"request_id\": \"r-1\", \"errors\": [{\"code\": \"invalid_authorization_material\", \"message\": \"bad key\"}]}")));

        install(ORG, KEY).statusCode(422)
                .contentType("application/problem+json")
                .body("code", equalTo("INVALID_API_KEY"))
                .body("errors[0].field", equalTo("apiKey"));
        assertThat(integrationRows()).isZero();
    }

    @Test
    void everyMissingRoleIsNamedAndTeamRolesDoNotCount() {
        // The stub's team_roles hold incident_creator and manage_settings: team-limited, so still missing.
        stubs.identity(List.of("viewer", "schedules_reader"));

        install(ORG, KEY).statusCode(422)
                .body("code", equalTo("MISSING_ROLES"))
                .body("errors.field", contains("apiKey", "apiKey", "apiKey", "apiKey"))
                .body("errors.message", containsInAnyOrder(
                        "lacks role incident_creator (creating incidents)",
                        "lacks role incident_editor (editing incidents)",
                        "lacks role manage_settings (managing organization settings)",
                        "lacks role catalog_viewer (viewing catalog)"));
        assertThat(integrationRows()).isZero();
        wiremock.verifyThat(0, getRequestedFor(urlEqualTo("/v2/custom_fields")));
    }

    @Test
    void anIncidentIoOutageDuringInstallWritesNothing() {
        stubs.identity(IncidentIoStubs.ALL_ROLES);
        wiremock.register(get(urlEqualTo("/v2/custom_fields")).willReturn(aResponse().withStatus(502)));

        install(ORG, KEY).statusCode(503)
                .header("Retry-After", notNullValue())
                .body("code", equalTo("UPSTREAM_UNAVAILABLE"));
        assertThat(integrationRows()).isZero();
    }

    @Test
    void installingAgainRotatesTheKeyAndKeepsTheConfiguration() {
        installWithAutoApproval(ORG, PRIMARY);
        String installedAt = given().get(base(ORG) + "/integrations/incidentio").then().extract().path("installedAt");
        String oldCiphertext = integrationRow(ORG).getString("api_key_ciphertext");

        clock.advance(java.time.Duration.ofDays(30));
        String newKey = "inc_test_rotated_key_0000_KEY2";
        install(ORG, newKey).statusCode(200)
                .body("keyHint", equalTo("…KEY2"))
                .body("installedAt", equalTo(installedAt))
                .body("keyRotatedAt", equalTo(clock.instant().toString()))
                .body("autoApprovalScheduleIds", contains(PRIMARY));

        assertThat(integrationRow(ORG).getString("api_key_ciphertext")).isNotEqualTo(oldCiphertext);
        // The new key is the one used from now on.
        stubs.entries(PRIMARY, clock.instant());
        autoCheck(ORG, "ada@example.com", null).statusCode(200);
        wiremock.verifyThat(getRequestedFor(urlPathEqualTo("/v2/schedule_entries"))
                .withHeader("Authorization", WireMock.equalTo("Bearer " + newKey)));
    }

    @Test
    void showGivesOnlyTheKeyHintAndUninstallRemovesEverything() {
        stubs.installable();
        install(ORG, KEY).statusCode(200);

        String shown = given().get(base(ORG) + "/integrations/incidentio").then().statusCode(200)
                .body("keyHint", equalTo("…KEY1"))
                .body("$", not(org.hamcrest.Matchers.hasKey("apiKey")))
                .extract().asString();
        assertThat(shown).doesNotContain(KEY);

        given().delete(base(ORG) + "/integrations/incidentio").then().statusCode(204);
        assertThat(integrationRows()).isZero();
        given().get(base(ORG) + "/integrations/incidentio").then().statusCode(404).body("code", equalTo("NOT_INSTALLED"));
        given().delete(base(ORG) + "/integrations/incidentio").then().statusCode(404).body("code", equalTo("NOT_INSTALLED"));
    }

    @Test
    void badInputIsRefusedWithTheFieldNamed() {
        invalidRequest("no apiKey", () -> given().contentType(ContentType.JSON).body("{}")
                .put(base(ORG) + "/integrations/incidentio").then())
                .statusCode(400).contentType("application/problem+json")
                .body("code", equalTo("VALIDATION_FAILED")).body("errors[0].field", equalTo("apiKey"));
        invalidRequest("an apiKey with spaces", () -> given().contentType(ContentType.JSON)
                .body("{\"apiKey\": \"has spaces in it\"}").put(base(ORG) + "/integrations/incidentio").then())
                .statusCode(400).body("errors[0].field", equalTo("apiKey"));
        invalidRequest("malformed JSON", () -> given().contentType(ContentType.JSON).body("{\"apiKey\": ")
                .put(base(ORG) + "/integrations/incidentio").then())
                .statusCode(400).body("code", equalTo("MALFORMED_BODY"));
        invalidRequest("an organization id of the wrong shape", () -> given().contentType(ContentType.JSON)
                .body("{\"apiKey\": \"" + KEY + "\"}").put(base("Not_An_Org") + "/integrations/incidentio").then())
                .statusCode(400).body("errors[0].field", equalTo("orgId"));
        invalidRequest("a body over the limit", () -> given().contentType(ContentType.JSON)
                .body("{\"apiKey\": \"" + "k".repeat(70_000) + "\"}").put(base(ORG) + "/integrations/incidentio").then())
                .statusCode(413);
        assertThat(integrationRows()).isZero();
        wiremock.verifyThat(0, getRequestedFor(urlEqualTo("/v1/identity")));
    }
}
