package io.oncallapprover.security;

import java.util.List;

import io.smallrye.config.ConfigMapping;

/**
 * Master keys that encrypt secrets at rest. {@code master-keys} lists {@code keyId:base64} pairs
 * (each key 32 random bytes); {@code active-key-id} names the one new writes use. Older ids stay
 * listed until every row has been re-encrypted, which is what makes rotation possible.
 */
@ConfigMapping(prefix = "oncall.secrets")
public interface SecretsConfig {

    String activeKeyId();

    List<String> masterKeys();
}
