package io.oncallapprover.policy;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.oncallapprover.testsupport.IncidentIoStubs.entry;
import static io.oncallapprover.testsupport.IncidentIoStubs.rotation;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.oncallapprover.testsupport.ApiTestBase;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Rotation and layer filters through the API: checked against the schedules' configuration when the
 * policy is written, and applied by the auto-approval check.
 */
@QuarkusTest
@ConnectWireMock
class RotationFiltersApiTest extends ApiTestBase {

    static final String DAY = "01ROTDAY000000000000000001";
    static final String NIGHT = "01ROTNIGHT0000000000000001";
    static final String SECONDARY_ROTATION = "01ROTSECONDARY000000000001";
    static final String DAY_FIRST = "01LAYERDAYFIRST00000000001";
    static final String DAY_SECOND = "01LAYERDAYSECOND0000000001";
    static final String NIGHT_LAYER = "01LAYERNIGHT00000000000001";
    static final String UNKNOWN_SCHEDULE = "01UNKNOWNSCHEDULE000000001";

    static final Instant START = NOW.minus(Duration.ofHours(2));
    static final Instant END = NOW.plus(Duration.ofHours(6));

    @BeforeEach
    void installedWithRotations() {
        installWithAutoApproval(ORG, PRIMARY);
        stubs.scheduleWithRotations(PRIMARY, rotation(DAY, DAY_FIRST, DAY_SECOND), rotation(NIGHT, NIGHT_LAYER),
                rotation(DAY, DAY_FIRST)); // a scheduled change of the day rotation lists it again
        stubs.scheduleWithRotations(SECONDARY, rotation(SECONDARY_ROTATION, "01LAYERSECONDARY0000000001"));
        stubs.scheduleMissing(UNKNOWN_SCHEDULE);
    }

    static String autoStep(String rotations, String layers) {
        return "{\"type\": \"auto\", \"integration\": \"incidentio\", \"rotations\": [" + rotations + "]"
                + (layers == null ? "" : ", \"layers\": [" + layers + "]") + "}";
    }

    static String escalationStep(String service, String rotations) {
        return "{\"type\": \"escalation\", \"integration\": \"incidentio\", \"services\": [\"" + service + "\"],"
                + " \"rotations\": [" + rotations + "]}";
    }

    static String policy(String... rules) {
        StringBuilder s = new StringBuilder("{\"rules\": [");
        for (int i = 0; i < rules.length; i++) {
            s.append(i == 0 ? "" : ", ").append("{\"name\": \"rule ").append(i).append("\", \"approval\": [").append(rules[i])
                    .append("]}");
        }
        return s.append("]}").toString();
    }

    static String q(String... ids) {
        return String.join(", ", java.util.Arrays.stream(ids).map(id -> "\"" + id + "\"").toList());
    }

    private void thePolicyIsStillAutoForEveryone() {
        given().get(base(ORG) + "/access-policy").then().statusCode(200)
                .body("rules.name", contains("on-call engineers"))
                .body("rules[0].approval[0].rotations", nullValue());
    }

    @Test
    void rotationsAndLayersOfTheConsideredSchedulesAreStoredAndReadBackEachScheduleReadOnce() {
        wiremock.resetRequests();
        putPolicy(ORG, policy(autoStep(q(DAY), q(DAY_SECOND)), escalationStep(PRIMARY, q(NIGHT)) + ", "
                + escalationStep(SECONDARY, q(SECONDARY_ROTATION)))).statusCode(200);

        given().get(base(ORG) + "/access-policy").then().statusCode(200)
                .body("rules[0].approval[0].rotations", contains(DAY))
                .body("rules[0].approval[0].layers", contains(DAY_SECOND))
                .body("rules[1].approval[0].rotations", contains(NIGHT))
                .body("rules[1].approval[0].layers", nullValue())
                .body("rules[1].approval[1].rotations", contains(SECONDARY_ROTATION));
        // Every schedule, rotation and layer is checked against the account's schedule list: one call in all
        wiremock.verifyThat(1, getRequestedFor(urlPathEqualTo("/v2/schedules")));
        wiremock.verifyThat(0, getRequestedFor(urlPathMatching("/v2/schedules/.+")));
    }

    @Test
    void aRotationOfAnotherScheduleIs422WithItsPathAndNothingIsStored() {
        putPolicy(ORG, policy(escalationStep(SECONDARY, q(SECONDARY_ROTATION, DAY)))).statusCode(422)
                .body("code", equalTo("UNKNOWN_ROTATIONS"))
                .body("detail", containsString("rules[0].approval[0].rotations[1]"))
                .body("errors.field", contains("rules[0].approval[0].rotations[1]"))
                .body("errors.message", contains("is not a rotation of the schedules in services"));
        thePolicyIsStillAutoForEveryone();
    }

    @Test
    void aLayerOfAnotherRotationAndARotationOutsideTheAutoApprovalSchedulesAre422() {
        putPolicy(ORG, policy(autoStep(q(DAY), q(DAY_FIRST, NIGHT_LAYER)), autoStep(q(SECONDARY_ROTATION), null)))
                .statusCode(422)
                .body("code", equalTo("UNKNOWN_ROTATIONS"))
                .body("errors.field", contains("rules[0].approval[0].layers[1]", "rules[1].approval[0].rotations[0]"))
                .body("errors.message", contains("is not a layer of the rotations this step names",
                        "is not a rotation of the auto-approval schedules"));
        thePolicyIsStillAutoForEveryone();
    }

    @Test
    void anUnknownScheduleIsReportedBeforeTheRotationsItWouldHave() {
        putPolicy(ORG, policy(escalationStep(UNKNOWN_SCHEDULE, q(DAY)))).statusCode(422)
                .body("code", equalTo("UNKNOWN_SCHEDULES"))
                .body("errors.field", contains("rules[0].approval[0].services[0]"));
        thePolicyIsStillAutoForEveryone();
    }

    @Test
    void theCheckCountsOnlyTheListedRotationAndLayer() {
        putPolicy(ORG, policy(autoStep(q(DAY), q(DAY_FIRST)))).statusCode(200);
        stubs.entries(PRIMARY, NOW,
                entry(START, END, "Ada", "ada@example.com", NIGHT, NIGHT_LAYER),
                entry(START, END, "Grace", "grace@example.com", DAY, DAY_FIRST),
                entry(START, END, "Linus", "linus@example.com", DAY, DAY_SECOND),
                entry(START, END, "Bob", "bob@example.com", null, null)); // an override

        autoCheck(ORG, "ada@example.com", null).statusCode(200)
                .body("approved", equalTo(false))
                .body("code", equalTo("NOT_ON_CALL"))
                .body("explanation", containsString("in the rotations the eligible auto steps count"));
        autoCheck(ORG, "linus@example.com", null).statusCode(200).body("code", equalTo("NOT_ON_CALL"));
        autoCheck(ORG, "bob@example.com", null).statusCode(200).body("code", equalTo("NOT_ON_CALL"));
        autoCheck(ORG, "grace@example.com", null).statusCode(200)
                .body("approved", equalTo(true))
                .body("code", equalTo("ON_CALL"))
                .body("evidence.rotationId", contains(DAY))
                .body("evidence.layerId", contains(DAY_FIRST));

        // the same rota under the whole schedule: Ada and Bob's override count again
        putPolicy(ORG, AUTO_FOR_EVERYONE).statusCode(200);
        autoCheck(ORG, "ada@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"))
                .body("evidence.rotationId", contains(NIGHT));
        autoCheck(ORG, "bob@example.com", null).statusCode(200).body("code", equalTo("ON_CALL"))
                .body("evidence.rotationId", contains((String) null));
    }
}
