package io.oncallapprover.testsupport;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** The production source of "who is on call now": the account's schedule list (the test profile reads entries). */
public class ListSource implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("oncall.on-call.source", "list");
    }
}
