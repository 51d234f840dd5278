package io.oncallapprover.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.oncallapprover.installation.KeyReencryptionJob;
import io.oncallapprover.testsupport.ApiTestBase;
import io.oncallapprover.testsupport.Tokens;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.vertx.mutiny.sqlclient.Tuple;

@QuarkusTest
@ConnectWireMock
class AuditAndKeyRotationTest extends ApiTestBase {

    @Inject
    SecretCipher cipher;

    @Inject
    KeyReencryptionJob reencryption;

    @Test
    void changesAreAuditedWithTheCallingSubjectAndTime() {
        String admin = Tokens.sign(Tokens.claims(List.of(ORG), java.util.Set.of("admin")).subject("alice@example.com"));
        stubs.installable();
        stubs.scheduleExists(PRIMARY);
        var asAlice = given().header("Authorization", "Bearer " + admin).contentType("application/json");

        given().spec(asAlice).body(Map.of("apiKey", KEY)).put(base(ORG) + "/integrations/incidentio").then().statusCode(200);
        clock.advance(Duration.ofMinutes(1));
        given().spec(asAlice).body(Map.of("scheduleIds", List.of(PRIMARY))).put(base(ORG) + "/integrations/incidentio/auto-approval")
                .then().statusCode(200);
        clock.advance(Duration.ofMinutes(1));
        given().spec(asAlice).body(Map.of("apiKey", "inc_test_second_key_000_KEY2")).put(base(ORG) + "/integrations/incidentio")
                .then().statusCode(200);
        clock.advance(Duration.ofMinutes(1));
        given().spec(asAlice).delete(base(ORG) + "/integrations/incidentio").then().statusCode(204);

        given().get(base(ORG) + "/audit-events").then().statusCode(200)
                .body("events.action", contains("INTEGRATION_UNINSTALLED", "INTEGRATION_KEY_ROTATED",
                        "AUTO_APPROVAL_SCHEDULES_CHANGED", "INTEGRATION_INSTALLED"))
                .body("events.subject", everyItem(equalTo("alice@example.com")))
                .body("events[0].occurredAt", equalTo(NOW.plus(Duration.ofMinutes(3)).toString()))
                .body("events[2].detail", equalTo("[] -> [" + PRIMARY + "]"));
    }

    @Test
    void aRefusedChangeLeavesNoAuditRecord() {
        stubs.installable();
        install(ORG, KEY).statusCode(200);
        stubs.scheduleMissing(PRIMARY);
        setAutoApproval(ORG, List.of(PRIMARY)).statusCode(422);

        given().get(base(ORG) + "/audit-events").then().body("events.action", contains("INTEGRATION_INSTALLED"));
    }

    @Test
    void rowsUnderAnOldMasterKeyStillWorkAndAreReencrypted() throws Throwable {
        stubs.installable();
        install(ORG, KEY).statusCode(200);
        // Seal the key as an older deployment would have, under master key "old".
        SecretCipher oldCipher = SecretCipher.fromConfig(new SecretsConfig() {
            @Override
            public String activeKeyId() {
                return "old";
            }

            @Override
            public List<String> masterKeys() {
                return List.of("old:b2xkLXRlc3QtbWFzdGVyLWtleS0zMi1ieXRlcyEhISE=");
            }
        });
        pool.preparedQuery("update incidentio_integration set api_key_ciphertext = $1 where org_id = $2")
                .execute(Tuple.of(oldCipher.encrypt(KEY, ORG), ORG)).await().indefinitely();
        assertThat(integrationRow(ORG).getString("api_key_ciphertext")).startsWith("v1.old.");

        // Still readable: a check decrypts it with the old key.
        stubs.scheduleExists(PRIMARY);
        setAutoApproval(ORG, List.of(PRIMARY)).statusCode(200);

        assertThat(VertxContextSupport.subscribeAndAwait(() -> reencryption.reencryptAll())).isEqualTo(1);
        String stored = integrationRow(ORG).getString("api_key_ciphertext");
        assertThat(stored).startsWith("v1.test.");
        assertThat(cipher.decrypt(stored, ORG)).isEqualTo(KEY);
        assertThat(VertxContextSupport.subscribeAndAwait(() -> reencryption.reencryptAll())).isZero();
        given().get(base(ORG) + "/audit-events").then().body("events[0].action", equalTo("SECRET_REENCRYPTED"))
                .body("events[0].subject", equalTo("system"));
    }

    @Test
    void aCiphertextCopiedToAnotherOrganizationDoesNotDecrypt() {
        stubs.installable();
        install(ORG, KEY).statusCode(200);
        install("other-org", "inc_other_org_key_0000_KEY9").statusCode(200);
        stubs.scheduleExists(PRIMARY);
        setAutoApproval("other-org", List.of(PRIMARY)).statusCode(200);
        putPolicy("other-org", AUTO_FOR_EVERYONE).statusCode(200);
        pool.preparedQuery("update incidentio_integration set api_key_ciphertext = (select api_key_ciphertext from "
                + "incidentio_integration where org_id = $1) where org_id = $2")
                .execute(Tuple.of(ORG, "other-org")).await().indefinitely();

        autoCheck("other-org", "ada@example.com", null).statusCode(500).body("code", equalTo("INTERNAL_ERROR"));
        wiremock.verifyThat(0, com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
                com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo("/v2/schedule_entries")));
    }
}
