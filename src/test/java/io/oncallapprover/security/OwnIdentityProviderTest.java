package io.oncallapprover.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.oncallapprover.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;

/**
 * A deployment whose identity provider signs ES256 with its own key pair, configured with nothing
 * but the standard MicroProfile JWT properties, is served; tokens of anyone else are not.
 */
@QuarkusTest
@TestProfile(OwnIdentityProviderTest.EcIdentityProvider.class)
class OwnIdentityProviderTest {

    public static class EcIdentityProvider implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "mp.jwt.verify.publickey.location", "jwt/ecPublicKey.pem",
                    "mp.jwt.verify.publickey.algorithm", "ES256",
                    "mp.jwt.verify.issuer", "https://idp.customer.example",
                    "mp.jwt.verify.audiences", "access-approvals");
        }
    }

    private static String ecToken(String issuer, String audience) {
        return Jwt.issuer(issuer).audience(audience).subject("approval-backend")
                .claim("orgs", List.of("acme")).groups(Set.of("admin", "service"))
                .expiresIn(Duration.ofMinutes(5))
                .jws().algorithm(SignatureAlgorithm.ES256).sign(Tokens.key("jwt/ecPrivateKey.pem", SignatureAlgorithm.ES256));
    }

    @Test
    void tokensOfTheConfiguredProviderAreAccepted() {
        given().header("Authorization", "Bearer " + ecToken("https://idp.customer.example", "access-approvals"))
                .get("/api/v1/orgs/acme/audit-events").then().statusCode(200);
    }

    @Test
    void othersAreRefused() {
        given().header("Authorization", "Bearer " + ecToken("https://idp.customer.example", "oncall-approver"))
                .get("/api/v1/orgs/acme/audit-events").then().statusCode(401).body("code", equalTo("UNAUTHENTICATED"));
        given().header("Authorization", "Bearer " + ecToken("https://issuer.test", "access-approvals"))
                .get("/api/v1/orgs/acme/audit-events").then().statusCode(401);
        // Right claims, but an RS256 token from the default test key pair.
        given().header("Authorization", "Bearer " + Tokens.sign(Tokens.claims(List.of("acme"), Set.of("admin"))
                .issuer("https://idp.customer.example").audience("access-approvals")))
                .get("/api/v1/orgs/acme/audit-events").then().statusCode(401);
    }
}
