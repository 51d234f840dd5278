package io.oncallapprover.policy;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.oncallapprover.testsupport.ApiTestBase;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Two admins editing at once: the policy, the auto-approval schedules and the incident settings send an
 * ETag; a write with a stale If-Match answers 412 and writes nothing; without If-Match writes go on as
 * before.
 */
@QuarkusTest
@ConnectWireMock
class ConditionalWritesApiTest extends ApiTestBase {

    private static final String OTHER = """
            {"rules": [{"name": "someone elses edit", "approval": [{"type": "auto", "integration": "incidentio"}]}]}""";

    @BeforeEach
    void installed() {
        installWithAutoApproval(ORG, PRIMARY);
        stubs.scheduleExists(SECONDARY);
    }

    private String etag(String path) {
        return given().get(base(ORG) + path).then().statusCode(200).header("ETag", notNullValue()).extract().header("ETag");
    }

    @Test
    void aStalePolicyTagIs412AndNothingIsWrittenAFreshOneWrites() {
        String read = etag("/access-policy");
        given().contentType("application/json").header("If-Match", read).body(OTHER).put(base(ORG) + "/access-policy").then()
                .statusCode(200);
        String now = etag("/access-policy");
        assertThat(now).isNotEqualTo(read);

        given().contentType("application/json").header("If-Match", read).body(AUTO_FOR_EVERYONE).put(base(ORG) + "/access-policy")
                .then().statusCode(412).body("code", equalTo("PRECONDITION_FAILED")).body("errors.field", contains("If-Match"));
        given().get(base(ORG) + "/access-policy").then().body("rules.name", contains("someone elses edit"))
                .header("ETag", equalTo(now));
        given().header("If-Match", read).delete(base(ORG) + "/access-policy").then().statusCode(412);
        given().header("If-Match", "W/" + now).delete(base(ORG) + "/access-policy").then().statusCode(412); // weak: never
        given().get(base(ORG) + "/access-policy").then().header("Policy-Source", "stored");

        given().header("If-Match", now).delete(base(ORG) + "/access-policy").then().statusCode(204);
        given().get(base(ORG) + "/access-policy").then().header("Policy-Source", "default");
        // "*" needs a stored policy; without If-Match, as before.
        given().contentType("application/json").header("If-Match", "*").body(OTHER).put(base(ORG) + "/access-policy").then()
                .statusCode(412);
        given().contentType("application/json").body(OTHER).put(base(ORG) + "/access-policy").then().statusCode(200);
    }

    @Test
    void theAutoApprovalSchedulesHonourIfMatch() {
        String read = etag("/integrations/incidentio/auto-approval");
        String written = given().contentType("application/json").header("If-Match", read)
                .body(Map.of("scheduleIds", List.of(PRIMARY, SECONDARY))).put(base(ORG) + "/integrations/incidentio/auto-approval")
                .then().statusCode(200).extract().header("ETag");
        assertThat(written).isNotEqualTo(read).isEqualTo(etag("/integrations/incidentio/auto-approval"));
        given().contentType("application/json").header("If-Match", read).body(Map.of("scheduleIds", List.of()))
                .put(base(ORG) + "/integrations/incidentio/auto-approval").then().statusCode(412)
                .body("code", equalTo("PRECONDITION_FAILED"));
        given().get(base(ORG) + "/integrations/incidentio/auto-approval").then().body("scheduleIds", contains(PRIMARY, SECONDARY));
    }

    @Test
    void theIncidentSettingsHonourIfMatchAndAnUnrelatedWriteDoesNotChangeTheirTag() {
        String read = etag("/integrations/incidentio/incident-settings");
        given().contentType("application/json").body(Map.of("scheduleIds", List.of(SECONDARY)))
                .put(base(ORG) + "/integrations/incidentio/auto-approval").then().statusCode(200);
        assertThat(etag("/integrations/incidentio/incident-settings")).as("the schedules are another document").isEqualTo(read);
        given().contentType("application/json").header("If-Match", read).body(Map.of("mode", "test"))
                .put(base(ORG) + "/integrations/incidentio/incident-settings").then().statusCode(200);
        given().contentType("application/json").header("If-Match", read).body(Map.of("mode", "standard"))
                .put(base(ORG) + "/integrations/incidentio/incident-settings").then().statusCode(412);
        given().get(base(ORG) + "/integrations/incidentio/incident-settings").then().body("mode", equalTo("test"));
    }
}
