package io.oncallapprover.security;

import java.util.Optional;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.ConfigProvider;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;

/**
 * Refuses to start in production without the token settings that make authentication meaningful:
 * a verification key, an issuer and an audience (standard MicroProfile JWT properties).
 */
@Singleton
public class ProductionSecurityCheck {

    void check(@Observes StartupEvent started) {
        if (LaunchMode.current() != LaunchMode.NORMAL) {
            return;
        }
        var config = ConfigProvider.getConfig();
        boolean key = present(config.getOptionalValue("mp.jwt.verify.publickey", String.class))
                || present(config.getOptionalValue("mp.jwt.verify.publickey.location", String.class));
        if (!key) {
            throw new IllegalStateException("Set mp.jwt.verify.publickey.location (or mp.jwt.verify.publickey): "
                    + "the public key or JWKS of the identity provider that signs callers' tokens");
        }
        if (!present(config.getOptionalValue("mp.jwt.verify.issuer", String.class))) {
            throw new IllegalStateException("Set mp.jwt.verify.issuer: the issuer of callers' tokens");
        }
        if (!present(config.getOptionalValue("mp.jwt.verify.audiences", String.class))) {
            throw new IllegalStateException("Set mp.jwt.verify.audiences: the audience callers' tokens are minted for");
        }
    }

    private static boolean present(Optional<String> value) {
        return value.filter(v -> !v.isBlank()).isPresent();
    }
}
