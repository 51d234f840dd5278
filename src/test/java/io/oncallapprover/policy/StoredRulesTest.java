package io.oncallapprover.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

/** Stored rules bind the policy document's shape both ways, without the hostile-input parser. */
class StoredRulesTest {

    /** As Hibernate's JSON format mapper reads a jsonb column: a plain Jackson mapper. */
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theModelSurvivesTheStoredShape() {
        for (AccessPolicy policy : List.of(PolicyParserTest.PRODUCT_EXAMPLE, PolicyParserTest.RICH, AccessPolicy.EMPTY,
                AccessPolicy.DEFAULT_ROUTING)) {
            assertThat(StoredRules.of(policy).toPolicy()).isEqualTo(policy);
        }
    }

    @Test
    void theCanonicalDocumentBindsAsStoredRules() throws Exception {
        for (AccessPolicy policy : List.of(PolicyParserTest.PRODUCT_EXAMPLE, PolicyParserTest.RICH)) {
            String document = PolicyDocument.toJson(policy);
            assertThat(JSON.readValue(document, StoredRules.class).toPolicy()).isEqualTo(policy);
            String stored = JSON.writeValueAsString(StoredRules.of(policy));
            assertThat(JSON.readTree(stored)).isEqualTo(JSON.readTree(document));
        }
    }

    @Test
    void rowsWrittenWithTheOldSpellingRequestorStillBind() throws Exception {
        String old = """
                {"rules": [{"name": "own sandbox", "disabled": false,
                  "requestor": {"type": "user", "email": "ada@example.com"},
                  "resource": {"type": "service", "service": "sandbox"},
                  "approval": [{"type": "escalation", "integration": "incidentio", "services": ["01S"],
                                "options": {"allowOneParty": true, "requireReason": false}}]}]}""";
        AccessPolicy policy = JSON.readValue(old, StoredRules.class).toPolicy();
        assertThat(policy.rules().get(0).requester())
                .isEqualTo(new AccessPolicy.RequesterMatcher(AccessPolicy.RequesterType.USER, "ada@example.com"));
        assertThat(policy.rules().get(0).approval()).containsExactly(
                new AccessPolicy.EscalationApproval(List.of("01S"), true, false));
    }
}
