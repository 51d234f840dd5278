package io.oncallapprover.problem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** RFC 9457 bodies: every member once, extension members beside them, titles from the catalogue. */
class ProblemTest {

    private static final ObjectMapper STRICT = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    @ParameterizedTest
    @ValueSource(strings = { "type", "title", "status", "detail", "instance", "code", "errors" })
    void anExtensionMemberMayNotRepeatAMemberOfTheProblem(String reserved) {
        Map<String, Object> extensions = Map.of(reserved, "APPROVED");
        assertThatThrownBy(() -> Problem.of(409, ProblemCode.ALREADY_DECIDED, "Already approved.", "/x", List.of(),
                extensions)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(reserved);
        // Refused where it is thrown too, so a regression fails at its cause, not when the answer is written.
        assertThatThrownBy(() -> new ApiException(409, ProblemCode.ALREADY_DECIDED, "Already approved.", List.of(), null,
                extensions)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(reserved);
    }

    @Test
    void everyMemberIsWrittenOnceWithExtensionsAtTheTopLevel() throws Exception {
        Problem problem = Problem.of(409, ProblemCode.ALREADY_DECIDED, "The request is already APPROVED.",
                "/api/v1/orgs/acme/access-requests/1/decisions", List.of(new FieldError("approver", "too late")),
                Map.of("requestStatus", "APPROVED"));

        JsonNode json = STRICT.readTree(STRICT.writeValueAsString(problem)); // a repeated key fails here

        assertThat(json.get("status").asInt()).isEqualTo(409);
        assertThat(json.get("requestStatus").asText()).isEqualTo("APPROVED");
        assertThat(json.get("code").asText()).isEqualTo("ALREADY_DECIDED");
        assertThat(json.get("title").asText()).isEqualTo(ProblemCode.ALREADY_DECIDED.title());
        assertThat(json.get("type").asText()).isEqualTo("urn:oncall-approver:problem:already-decided");
        assertThat(json.get("errors").get(0).get("field").asText()).isEqualTo("approver");
        assertThat(json.has("extensions")).isFalse();
    }

    @Test
    void emptyMembersAreLeftOut() throws Exception {
        JsonNode json = STRICT.readTree(STRICT.writeValueAsString(
                Problem.of(404, ProblemCode.NOT_FOUND, "Not found.", null, List.of(), null)));

        assertThat(json.has("errors")).isFalse();
        assertThat(json.has("instance")).isFalse();
        assertThat(json.get("title").asText()).isEqualTo("Not found");
    }

    @Test
    void theCatalogueGivesEveryCodeATitleAndAType() {
        for (ProblemCode code : ProblemCode.values()) {
            assertThat(code.title()).as(code.name()).isNotBlank();
            assertThat(code.type()).as(code.name()).startsWith("urn:oncall-approver:problem:").doesNotContain("_");
        }
    }
}
