package io.oncallapprover.security;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Builds the cipher once from configuration; a bad master key fails start-up, not a request. */
@Singleton
public class SecretCipherProducer {

    @Produces
    @Singleton
    SecretCipher secretCipher(SecretsConfig config) {
        return SecretCipher.fromConfig(config);
    }
}
