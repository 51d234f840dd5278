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
    void pageOptionsSurviveTheStoredShapeAndRowsWrittenBeforeThemReadAsIncidentPages() throws Exception {
        AccessPolicy policy = new AccessPolicy(List.of(new AccessPolicy.Rule("r", false, AccessPolicy.RequesterMatcher.ANY,
                AccessPolicy.ResourceMatcher.ANY, List.of(
                        new AccessPolicy.EscalationApproval(List.of("01S"), false, false, AccessPolicy.RotationFilter.NONE,
                                AccessPolicy.PageMode.ESCALATION, "01P"),
                        new AccessPolicy.EscalationApproval(List.of("01T"), false, false, AccessPolicy.RotationFilter.NONE,
                                AccessPolicy.PageMode.ESCALATION, null),
                        new AccessPolicy.EscalationApproval(List.of("01U"), true, false)))));
        String stored = JSON.writeValueAsString(StoredRules.of(policy));
        assertThat(JSON.readValue(stored, StoredRules.class).toPolicy()).isEqualTo(policy);
        assertThat(JSON.readTree(stored).at("/rules/0/approval/2/options").toString())
                .as("a page by incident is written as before the option existed")
                .isEqualTo("{\"allowOneParty\":true,\"requireReason\":false}");
        String before = """
                {"rules": [{"name": "r", "approval": [{"type": "escalation", "integration": "incidentio", "services": ["01S"],
                  "options": {"allowOneParty": false, "requireReason": false}}]}]}""";
        assertThat(((AccessPolicy.EscalationApproval) JSON.readValue(before, StoredRules.class).toPolicy().rules().get(0).approval()
                .get(0)).page()).isEqualTo(AccessPolicy.PageMode.INCIDENT);
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
