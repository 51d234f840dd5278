package io.oncallapprover.webhook;

import static io.oncallapprover.testsupport.OpenApiContract.invalidRequest;
import static io.oncallapprover.testsupport.SignedDeliveries.OTHER_SECRET;
import static io.oncallapprover.testsupport.SignedDeliveries.SECRET;
import static io.oncallapprover.testsupport.SignedDeliveries.deliver;
import static io.oncallapprover.testsupport.SignedDeliveries.scheduleUpdated;
import static io.oncallapprover.testsupport.SignedDeliveries.shiftChange;
import static io.oncallapprover.testsupport.SignedDeliveries.sign;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.SignedDeliveries;
import io.oncallapprover.testsupport.Tokens;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The webhook endpoint takes only deliveries signed with the organization's secret, within five
 * minutes of now, once per id; everything else is refused with nothing stored or changed.
 */
@QuarkusTest
@ConnectWireMock
class WebhookReceiverApiTest extends ApiTestBase {

    static final String BODY = shiftChange(PRIMARY, List.of("grace@example.com"), List.of("ada@example.com"));

    @BeforeEach
    void installedWithSecret() {
        installWithAutoApproval(ORG, PRIMARY);
        setSecret(ORG, SECRET, false).statusCode(200);
    }

    private ValidatableResponse setSecret(String org, String secret, boolean close) {
        return given().contentType("application/json").body(Map.of("signingSecret", secret, "closeRequestOnIncidentResolved", close))
                .put(base(org) + "/integrations/incidentio/webhook").then();
    }

    private long deliveries() {
        return pool.query("select count(*) from webhook_delivery").execute().await().indefinitely().iterator().next().getLong(0);
    }

    @Test
    void theSecretIsSetByAnAdminSealedAndNeverShown() {
        given().get(base(ORG) + "/integrations/incidentio/webhook").then().statusCode(200)
                .body("configured", equalTo(true))
                .body("endpoint", equalTo("/api/v1/orgs/acme/webhooks/incidentio"))
                .body("secretHint", equalTo(SECRET.substring(SECRET.length() - 4)))
                .body("closeRequestOnIncidentResolved", equalTo(false))
                .body(org.hamcrest.Matchers.not(containsString(SECRET.substring(6, 20))));
        String sealed = integrationRow(ORG).getString("webhook_secret_ciphertext");
        assertThat(sealed).startsWith("v1.").doesNotContain(SECRET.substring(6));
        // The service role may read checks, not set secrets.
        given().header("Authorization", "Bearer " + Tokens.token(List.of(ORG), java.util.Set.of("service")))
                .contentType("application/json").body(Map.of("signingSecret", OTHER_SECRET))
                .put(base(ORG) + "/integrations/incidentio/webhook").then().statusCode(403);
        given().get(base(ORG) + "/audit-events").then().body("events.action", org.hamcrest.Matchers.hasItem("WEBHOOK_SETTINGS_CHANGED"));
    }

    @Test
    void aSecretNotInIncidentIosFormIsRefusedNamingTheField() {
        for (String bad : List.of("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_short", "whsec_not base64 at all!!")) {
            setSecret(ORG, bad, false).statusCode(400).body("errors[0].field", equalTo("signingSecret"));
        }
        invalidRequest("no signingSecret", () -> given().contentType("application/json").body("{}")
                .put(base(ORG) + "/integrations/incidentio/webhook").then())
                .statusCode(400).body("errors[0].field", containsString("signingSecret"));
    }

    @Test
    void aSignedFreshDeliveryIsStoredAndAcknowledgedWith202() {
        deliver(ORG, SECRET, "msg_1", NOW, BODY).statusCode(202)
                .body("webhookId", equalTo("msg_1")).body("eventType", equalTo("schedule.shift_change_v1"))
                .body("duplicate", equalTo(false));
        var row = pool.preparedQuery("select * from webhook_delivery where org_id = $1 and webhook_id = $2")
                .execute(Tuple.of(ORG, "msg_1")).await().indefinitely().iterator().next();
        assertThat(row.getString("status")).isEqualTo("PENDING");
        assertThat(row.getString("event_type")).isEqualTo("schedule.shift_change_v1");
        // Stored as the JSON object it is (not as a JSON string holding it).
        assertThat(pool.query("select jsonb_typeof(payload), payload->'schedule.shift_change_v1'->'schedule'->>'id' from webhook_delivery")
                .execute().await().indefinitely().iterator().next().toJson().getMap().values()).containsExactly("object", PRIMARY);
    }

    @Test
    void aForgedDeliveryIsRefusedAndNothingIsStored() {
        deliver(ORG, OTHER_SECRET, "msg_forged", NOW, BODY).statusCode(401).body("code", equalTo("WEBHOOK_UNVERIFIED"));
        // The body changed after signing.
        String signature = sign(SECRET, "msg_2", NOW.getEpochSecond(), BODY);
        SignedDeliveries.post(ORG, "msg_2", Long.toString(NOW.getEpochSecond()), signature, BODY.replace("grace", "mallory"))
                .statusCode(401).body("code", equalTo("WEBHOOK_UNVERIFIED"));
        // The id changed after signing (a replay under a fresh id).
        SignedDeliveries.post(ORG, "msg_3", Long.toString(NOW.getEpochSecond()), signature, BODY).statusCode(401);
        // No signature at all, no id, no timestamp.
        SignedDeliveries.post(ORG, "msg_4", Long.toString(NOW.getEpochSecond()), null, BODY).statusCode(401);
        SignedDeliveries.post(ORG, null, Long.toString(NOW.getEpochSecond()), signature, BODY).statusCode(401);
        SignedDeliveries.post(ORG, "msg_2", null, signature, BODY).statusCode(401);
        assertThat(deliveries()).isZero();
    }

    @Test
    void aStaleOrFutureTimestampIsRefused() {
        deliver(ORG, SECRET, "msg_old", NOW.minus(Duration.ofMinutes(5)).minusSeconds(1), BODY).statusCode(401)
                .body("detail", containsString("webhook-timestamp"));
        deliver(ORG, SECRET, "msg_future", NOW.plus(Duration.ofMinutes(5)).plusSeconds(1), BODY).statusCode(401);
        assertThat(deliveries()).isZero();
        // Exactly at the edge still counts.
        deliver(ORG, SECRET, "msg_edge", NOW.minus(Duration.ofMinutes(5)), BODY).statusCode(202);
        assertThat(deliveries()).isOne();
    }

    @Test
    void aReplayedIdIsAcknowledgedAndIgnored() {
        deliver(ORG, SECRET, "msg_once", NOW, BODY).statusCode(202);
        // incident.io retries with a new timestamp and signature; an attacker replays the capture as it was.
        deliver(ORG, SECRET, "msg_once", NOW.plusSeconds(30), BODY).statusCode(200).body("duplicate", equalTo(true));
        deliver(ORG, SECRET, "msg_once", NOW, scheduleUpdated(PRIMARY)).statusCode(200).body("duplicate", equalTo(true));
        assertThat(deliveries()).isOne();
        assertThat(pool.query("select event_type from webhook_delivery").execute().await().indefinitely().iterator().next()
                .getString(0)).isEqualTo("schedule.shift_change_v1");
    }

    @Test
    void anOversizedBodyIsRefusedWith413() {
        String big = BODY.replace("\"team_ids\": []", "\"team_ids\": [\"" + "x".repeat(300_000) + "\"]");
        deliver(ORG, SECRET, "msg_big", NOW, big).statusCode(413).body("code", equalTo("PAYLOAD_TOO_LARGE"));
        assertThat(deliveries()).isZero();
    }

    @Test
    void unknownOrganizationsAndOrganizationsWithoutSecretAreRefusedAlike() {
        deliver("nobody", SECRET, "msg_x", NOW, BODY).statusCode(401).body("code", equalTo("WEBHOOK_UNVERIFIED"));
        installWithAutoApproval("other-org", PRIMARY);
        deliver("other-org", SECRET, "msg_x", NOW, BODY).statusCode(401).body("code", equalTo("WEBHOOK_UNVERIFIED"));
        // Another organization's secret does not sign for this one.
        setSecret("other-org", OTHER_SECRET, false).statusCode(200);
        deliver("other-org", SECRET, "msg_x", NOW, BODY).statusCode(401);
        assertThat(deliveries()).isZero();
        // Ids are per organization: the same id from two organizations is two deliveries.
        deliver(ORG, SECRET, "msg_x", NOW, BODY).statusCode(202);
        deliver("other-org", OTHER_SECRET, "msg_x", NOW, BODY).statusCode(202);
        assertThat(deliveries()).isEqualTo(2);
    }

    @Test
    void aRemovedSecretRefusesDeliveriesAtOnce() {
        given().delete(base(ORG) + "/integrations/incidentio/webhook").then().statusCode(200)
                .body("configured", equalTo(false)).body("secretHint", nullValue());
        deliver(ORG, SECRET, "msg_after", NOW, BODY).statusCode(401);
        assertThat(deliveries()).isZero();
    }

    @Test
    void aSignedBodyThatIsNotADeliveryIs400() {
        invalidRequest("a body that is no JSON object", () -> deliver(ORG, SECRET, "msg_bad", NOW, "[1, 2]"))
                .statusCode(400).body("code", equalTo("MALFORMED_BODY"));
        invalidRequest("no event_type", () -> deliver(ORG, SECRET, "msg_bad2", NOW, "{\"no_event_type\": true}"))
                .statusCode(400);
        deliver(ORG, SECRET, "msg_bad3", NOW, "{\"event_type\": \"a\", \"event_type\": \"b\"}").statusCode(400);
        assertThat(deliveries()).isZero();
    }

    @Test
    void noBearerTokenIsNeededButAWrongOrganizationsTokenIsStillRefused() {
        // A caller with a JWT for another organization gets no further than without one.
        String signature = sign(SECRET, "msg_t", NOW.getEpochSecond(), BODY);
        given().header("Authorization", "Bearer " + Tokens.token(List.of("other-org"), java.util.Set.of("admin")))
                .header("webhook-id", "msg_t").header("webhook-timestamp", Long.toString(NOW.getEpochSecond()))
                .header("webhook-signature", signature).contentType("application/json").body(BODY)
                .post(SignedDeliveries.path(ORG)).then().statusCode(403);
        assertThat(deliveries()).isZero();
    }
}
