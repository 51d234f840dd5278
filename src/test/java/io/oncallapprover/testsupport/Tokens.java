package io.oncallapprover.testsupport;

import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import io.smallrye.jwt.util.KeyUtils;

/**
 * Tokens as a caller's identity provider would mint them: its own key pair (src/test/resources/jwt),
 * the issuer and audience the service is configured with, the {@code orgs} and {@code groups} claims.
 */
public final class Tokens {

    public static final String ISSUER = "https://issuer.test";
    public static final String AUDIENCE = "oncall-approver";
    public static final String SUBJECT = "bot@example.com";

    private Tokens() {
    }

    public static JwtClaimsBuilder claims(List<String> orgs, Set<String> groups) {
        return Jwt.issuer(ISSUER).audience(AUDIENCE).subject(SUBJECT)
                .claim("orgs", orgs).groups(groups)
                .issuedAt(Instant.now()).expiresIn(Duration.ofMinutes(10));
    }

    public static String sign(JwtClaimsBuilder claims) {
        return claims.jws().algorithm(SignatureAlgorithm.RS256).sign(key("jwt/privateKey.pem"));
    }

    public static String token(List<String> orgs, Set<String> groups) {
        return sign(claims(orgs, groups));
    }

    public static String admin(String... orgs) {
        return token(List.of(orgs), Set.of("admin"));
    }

    public static String service(String... orgs) {
        return token(List.of(orgs), Set.of("service"));
    }

    public static String signedByAnotherKey(List<String> orgs, Set<String> groups) {
        return claims(orgs, groups).jws().algorithm(SignatureAlgorithm.RS256).sign(key("jwt/roguePrivateKey.pem"));
    }

    public static String expired(List<String> orgs, Set<String> groups) {
        Instant longAgo = Instant.now().minus(Duration.ofHours(2));
        return sign(claims(orgs, groups).issuedAt(longAgo).expiresAt(longAgo.plus(Duration.ofMinutes(10))));
    }

    public static String wrongIssuer(List<String> orgs, Set<String> groups) {
        return sign(claims(orgs, groups).issuer("https://someone-else.test"));
    }

    public static String wrongAudience(List<String> orgs, Set<String> groups) {
        return sign(claims(orgs, groups).audience("another-service"));
    }

    public static PrivateKey key(String location) {
        return key(location, SignatureAlgorithm.RS256);
    }

    public static PrivateKey key(String location, SignatureAlgorithm algorithm) {
        try {
            return KeyUtils.readPrivateKey(location, algorithm);
        } catch (Exception e) {
            throw new IllegalStateException("cannot read test key " + location, e);
        }
    }
}
