package io.oncallapprover.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;

import io.oncallapprover.common.Ids;
import io.oncallapprover.policy.AccessPolicy.AutoApproval;
import io.oncallapprover.policy.AccessPolicy.EscalationApproval;
import io.oncallapprover.policy.AccessPolicy.RequesterMatcher;
import io.oncallapprover.policy.AccessPolicy.RequesterType;
import io.oncallapprover.policy.AccessPolicy.ResourceMatcher;
import io.oncallapprover.policy.AccessPolicy.ResourceType;
import io.oncallapprover.policy.AccessPolicy.RotationFilter;
import io.oncallapprover.policy.AccessPolicy.Rule;
import io.oncallapprover.problem.FieldError;

class PolicyParserTest {

    /** The approval block of PRODUCT §2, verbatim, inside a complete document. */
    static final String PRODUCT_EXAMPLE_YAML = """
            rules:
              - name: Prod databases
                requestor:
                  type: user
                  email: Alice@Example.com
                resource:
                  type: service
                  service: postgres
                  name: prod-db
                approval:
                  - type: auto
                    integration: incidentio
                    options: { requireReason: true }          # optional, default false
                  - type: escalation
                    integration: incidentio
                    services: [01SCHEDULEID, 01OTHERID]       # incident.io schedule ids, required, non-empty
                    options: { allowOneParty: false, requireReason: false }
              - name: everyone else
                disabled: true
                approval:
                  - type: escalation
                    integration: incidentio
                    services: [01OTHERID]
            """;

    static final String PRODUCT_EXAMPLE_JSON = """
            {"rules": [
              {"name": "Prod databases",
               "requestor": {"type": "user", "email": "Alice@Example.com"},
               "resource": {"type": "service", "service": "postgres", "name": "prod-db"},
               "approval": [
                 {"type": "auto", "integration": "incidentio", "options": {"requireReason": true}},
                 {"type": "escalation", "integration": "incidentio", "services": ["01SCHEDULEID", "01OTHERID"],
                  "options": {"allowOneParty": false, "requireReason": false}}]},
              {"name": "everyone else", "disabled": true,
               "approval": [{"type": "escalation", "integration": "incidentio", "services": ["01OTHERID"]}]}
            ]}
            """;

    static final AccessPolicy PRODUCT_EXAMPLE = new AccessPolicy(List.of(
            new Rule("Prod databases", false,
                    new RequesterMatcher(RequesterType.USER, "alice@example.com"),
                    new ResourceMatcher(ResourceType.SERVICE, "postgres", "prod-db"),
                    List.of(new AutoApproval(true),
                            new EscalationApproval(List.of("01SCHEDULEID", "01OTHERID"), false, false))),
            new Rule("everyone else", true, RequesterMatcher.ANY, ResourceMatcher.ANY,
                    List.of(new EscalationApproval(List.of("01OTHERID"), false, false)))));

    static final String AUTO = "{type: auto, integration: incidentio}";
    static final String ESCALATION = "{type: escalation, integration: incidentio, services: [01S]}";

    static PolicyParser.Result parseYaml(String yaml) {
        return PolicyParser.parse(PolicyDocument.read(yaml, true));
    }

    static PolicyParser.Result parseJson(String json) {
        return PolicyParser.parse(PolicyDocument.read(json, false));
    }

    /** A document with one rule, written as a YAML flow mapping (JSON-like, unquoted strings allowed). */
    static PolicyParser.Result parseRule(String flowRule) {
        return parseYaml("rules: [" + flowRule + "]");
    }

    static AccessPolicy valid(PolicyParser.Result result) {
        assertThat(result.errors()).isEmpty();
        assertThat(result.valid()).isTrue();
        return result.policy();
    }

    static FieldError error(String field, String message) {
        return new FieldError(field, message);
    }

    // ---- accepted documents --------------------------------------------------------------------------

    @Nested
    class Accepted {

        @Test
        void productExampleInYamlParsesToTheExpectedRecords() {
            assertThat(valid(parseYaml(PRODUCT_EXAMPLE_YAML))).isEqualTo(PRODUCT_EXAMPLE);
        }

        @Test
        void jsonAndYamlOfTheSamePolicyGiveEqualPolicies() {
            AccessPolicy fromJson = valid(parseJson(PRODUCT_EXAMPLE_JSON));
            AccessPolicy fromYaml = valid(parseYaml(PRODUCT_EXAMPLE_YAML));
            assertThat(fromJson).isEqualTo(fromYaml).isEqualTo(PRODUCT_EXAMPLE);
        }

        @Test
        void grantUntilShiftEndIsReadAndWrittenBackOnlyWhereSet() {
            AccessPolicy p = valid(parseYaml("""
                    rules:
                      - name: capped
                        approval: [{type: auto, integration: incidentio, options: {grantUntilShiftEnd: true}}]
                      - name: plain
                        approval: [{type: auto, integration: incidentio, options: {grantUntilShiftEnd: false}}]
                    """));
            assertThat(p.rules().get(0).approval().get(0)).isEqualTo(new AccessPolicy.AutoApproval(false, true));
            assertThat(p.rules().get(1).approval().get(0)).isEqualTo(new AccessPolicy.AutoApproval(false, false));
            assertThat(PolicyDocument.toJson(p)).containsOnlyOnce("grantUntilShiftEnd");
            assertThat(valid(parseJson(PolicyDocument.toJson(p)))).isEqualTo(p);
            assertThat(valid(parseYaml(PolicyDocument.toYaml(p)))).isEqualTo(p);
        }

        @Test
        void pageOptionsAreReadAndWrittenBackOnlyWhereNotTheDefault() {
            AccessPolicy p = valid(parseYaml("""
                    rules:
                      - name: by path
                        approval: [{type: escalation, integration: incidentio, services: [S1],
                                    options: {page: escalation, escalationPath: P1}}]
                      - name: by people
                        approval: [{type: escalation, integration: incidentio, services: [S2], options: {page: escalation}}]
                      - name: by incident
                        approval: [{type: escalation, integration: incidentio, services: [S3], options: {page: incident}}]
                    """));
            assertThat(p.rules().get(0).approval().get(0)).isEqualTo(new AccessPolicy.EscalationApproval(List.of("S1"), false, false,
                    AccessPolicy.RotationFilter.NONE, AccessPolicy.PageMode.ESCALATION, "P1"));
            assertThat(p.rules().get(1).approval().get(0)).isEqualTo(new AccessPolicy.EscalationApproval(List.of("S2"), false, false,
                    AccessPolicy.RotationFilter.NONE, AccessPolicy.PageMode.ESCALATION, null));
            assertThat(p.rules().get(2).approval().get(0)).isEqualTo(new AccessPolicy.EscalationApproval(List.of("S3"), false, false));
            String json = PolicyDocument.toJson(p);
            assertThat(json).containsOnlyOnce("escalationPath").doesNotContain("\"incident\"");
            assertThat(json.split("\"page\"", -1)).as("page written on the two escalation pages only").hasSize(3);
            assertThat(valid(parseJson(PolicyDocument.toJson(p)))).isEqualTo(p);
            assertThat(valid(parseYaml(PolicyDocument.toYaml(p)))).isEqualTo(p);
        }

        @Test
        void rotationsAndLayersAreReadAsWrittenAndWrittenBackOnlyWhereSet() {
            AccessPolicy p = valid(parseYaml("""
                    rules:
                      - name: primary rotation
                        approval:
                          - type: auto
                            integration: incidentio
                            rotations: [01ROTA, 01ROTB, 01ROTA]
                          - type: escalation
                            integration: incidentio
                            services: [01S]
                            rotations: [01ROTA]
                            layers: [01LAYER1]
                            options: {allowOneParty: true}
                      - name: whole schedules
                        approval: [{type: auto, integration: incidentio}]
                    """));
            assertThat(p.rules().get(0).approval()).containsExactly(
                    new AutoApproval(false, false, new RotationFilter(List.of("01ROTA", "01ROTB", "01ROTA"), List.of())),
                    new EscalationApproval(List.of("01S"), true, false,
                            new RotationFilter(List.of("01ROTA"), List.of("01LAYER1"))));
            assertThat(p.rules().get(1).approval()).containsExactly(new AutoApproval(false));
            assertThat(p.rules().get(1).approval().get(0).filter()).isEqualTo(RotationFilter.NONE);
            String json = PolicyDocument.toJson(p);
            assertThat(json).containsOnlyOnce("\"layers\"").contains("\"rotations\" : [ \"01ROTA\", \"01ROTB\", \"01ROTA\" ]");
            assertThat(PolicyDocument.toTree(p).at("/rules/1/approval/0").has("rotations")).isFalse();
            assertThat(valid(parseJson(json))).isEqualTo(p);
            assertThat(valid(parseYaml(PolicyDocument.toYaml(p)))).isEqualTo(p);
            assertThat(valid(PolicyParser.parse(PolicyDocument.toTree(p)))).isEqualTo(p);
        }

        @Test
        void rotationAndLayerListsAreBoundedInclusively() {
            String twenty = IntStream.range(0, 20).mapToObj(i -> "R" + i).collect(Collectors.joining(", "));
            AccessPolicy p = valid(parseRule("{name: r, approval: [{type: escalation, integration: incidentio, services: [S1],"
                    + " rotations: [" + twenty + "], layers: [" + twenty.replace('R', 'L') + "]}]}"));
            assertThat(p.rules().get(0).approval().get(0).filter().rotations()).hasSize(20);
            assertThat(p.rules().get(0).approval().get(0).filter().layers()).hasSize(20);
        }

        @Test
        void roundTripThroughTheCanonicalTreeAndBothTextForms() {
            AccessPolicy p = RICH;
            assertThat(valid(PolicyParser.parse(PolicyDocument.toTree(p)))).isEqualTo(p);
            assertThat(valid(parseJson(PolicyDocument.toJson(p)))).isEqualTo(p);
            assertThat(valid(parseYaml(PolicyDocument.toYaml(p)))).isEqualTo(p);
            assertThat(valid(parseYaml(PolicyDocument.toYaml(PRODUCT_EXAMPLE)))).isEqualTo(PRODUCT_EXAMPLE);
        }

        @Test
        void minimalRuleGetsDefaults() {
            AccessPolicy p = valid(parseRule("{name: r1, approval: [" + AUTO + ", " + ESCALATION + "]}"));
            assertThat(p.rules()).containsExactly(new Rule("r1", false, RequesterMatcher.ANY, ResourceMatcher.ANY,
                    List.of(new AutoApproval(false), new EscalationApproval(List.of("01S"), false, false))));
        }

        @Test
        void explicitNullCountsAsAbsent() {
            AccessPolicy p = valid(parseJson("""
                    {"rules": [{"name": "r1", "disabled": null, "requestor": null, "resource": null,
                      "approval": [{"type": "auto", "integration": "incidentio", "options": null},
                                   {"type": "escalation", "integration": "incidentio", "services": ["A1"],
                                    "options": {"allowOneParty": null, "requireReason": null}}]}]}
                    """));
            assertThat(p.rules().get(0)).isEqualTo(new Rule("r1", false, RequesterMatcher.ANY, ResourceMatcher.ANY,
                    List.of(new AutoApproval(false), new EscalationApproval(List.of("A1"), false, false))));
        }

        @Test
        void emptyRulesIsAValidPolicyThatRoutesNothing() {
            assertThat(valid(parseJson("{\"rules\": []}"))).isEqualTo(AccessPolicy.EMPTY);
            assertThat(valid(parseYaml("rules: []"))).isEqualTo(AccessPolicy.EMPTY);
        }

        @Test
        void explicitAnyMatchersAndAllOptionsTrue() {
            AccessPolicy p = valid(parseRule("{name: r1, disabled: false, requestor: {type: any}, resource: {type: any},"
                    + " approval: [{type: auto, integration: incidentio, options: {requireReason: true}},"
                    + " {type: escalation, integration: incidentio, services: [S1],"
                    + "  options: {allowOneParty: true, requireReason: true}}]}"));
            assertThat(p.rules().get(0)).isEqualTo(new Rule("r1", false, RequesterMatcher.ANY, ResourceMatcher.ANY,
                    List.of(new AutoApproval(true), new EscalationApproval(List.of("S1"), true, true))));
        }

        @Test
        void resourceNameIsOptional() {
            AccessPolicy p = valid(parseRule("{name: r1, resource: {type: service, service: postgres},"
                    + " approval: [" + AUTO + "]}"));
            assertThat(p.rules().get(0).resource())
                    .isEqualTo(new ResourceMatcher(ResourceType.SERVICE, "postgres", null));
        }

        @Test
        void duplicateServicesAreRemovedKeepingOrder() {
            AccessPolicy p = valid(parseRule("{name: r1, approval: [{type: escalation, integration: incidentio,"
                    + " services: [B2, A1, B2, C3, A1]}]}"));
            assertThat(((EscalationApproval) p.rules().get(0).approval().get(0)).services())
                    .containsExactly("B2", "A1", "C3");
        }

        @Test
        void requesterIsTheKeyAndItsOldSpellingRequestorIsStillRead() {
            AccessPolicy current = valid(parseRule("{name: r1, requester: {type: user, email: bob@example.com},"
                    + " approval: [{type: auto, integration: incidentio}]}"));
            AccessPolicy legacy = valid(parseRule("{name: r1, requestor: {type: user, email: bob@example.com},"
                    + " approval: [{type: auto, integration: incidentio}]}"));
            assertThat(current).isEqualTo(legacy);
            assertThat(current.rules().get(0).requester())
                    .isEqualTo(new RequesterMatcher(RequesterType.USER, "bob@example.com"));
            assertThat(PolicyDocument.toJson(legacy)).contains("\"requester\"").doesNotContain("requestor");
        }

        @Test
        void requesterAndRequestorTogetherAreRefused() {
            PolicyParser.Result result = parseRule("{name: r1, requester: {type: any}, requestor: {type: any},"
                    + " approval: [{type: auto, integration: incidentio}]}");
            assertThat(result.errors()).containsExactly(
                    error("rules[0].requestor", "give either requester or its old name requestor, not both"));
        }

        @Test
        void requestorEmailIsStoredNormalized() {
            AccessPolicy p = valid(parseRule("{name: r1, requestor: {type: user, email: '  Bob.Smith@Example.COM '},"
                    + " approval: [" + AUTO + "]}"));
            assertThat(p.rules().get(0).requester())
                    .isEqualTo(new RequesterMatcher(RequesterType.USER, "bob.smith@example.com"));
        }

        @Test
        void limitsAreInclusive() {
            String name = "a".repeat(100);
            String resourceName = "n".repeat(200);
            String services = IntStream.range(0, 50).mapToObj(i -> "S" + i).collect(Collectors.joining(", "));
            String steps = Stream.generate(() -> AUTO).limit(9).collect(Collectors.joining(", "));
            String email = "u".repeat(254 - "@example.com".length()) + "@example.com";
            AccessPolicy p = valid(parseRule("{name: " + name + ", requestor: {type: user, email: " + email + "},"
                    + " resource: {type: service, service: " + "s".repeat(100) + ", name: " + resourceName + "},"
                    + " approval: [" + steps + ", {type: escalation, integration: incidentio, services: [" + services
                    + "]}]}"));
            assertThat(p.rules().get(0).approval()).hasSize(10);
            assertThat(p.rules().get(0).name()).hasSize(100);

            String rules = IntStream.range(0, 200).mapToObj(i -> "{name: r" + i + ", approval: [" + AUTO + "]}")
                    .collect(Collectors.joining(", "));
            assertThat(valid(parseYaml("rules: [" + rules + "]")).rules()).hasSize(200);
        }

        @Test
        void namesAllowTheDocumentedPunctuation() {
            AccessPolicy p = valid(parseJson("""
                    {"rules": [{"name": "9 ops_team.db:prod/eu-1", "resource": {"type": "service",
                      "service": "aws:rds/eu-west-1", "name": "db 1.prod_x"},
                      "approval": [{"type": "auto", "integration": "incidentio"}]}]}
                    """));
            assertThat(p.rules().get(0).name()).isEqualTo("9 ops_team.db:prod/eu-1");
        }
    }

    /** A policy using every construct, for round trips. */
    static final AccessPolicy RICH = new AccessPolicy(List.of(
            new Rule("db: prod/eu", false, new RequesterMatcher(RequesterType.USER, "alice@example.com"),
                    new ResourceMatcher(ResourceType.SERVICE, "postgres", "prod-db"),
                    List.of(new AutoApproval(true), new EscalationApproval(List.of("01A", "01B"), true, false))),
            new Rule("k8s", true, RequesterMatcher.ANY, new ResourceMatcher(ResourceType.SERVICE, "kubernetes", null),
                    List.of(new EscalationApproval(List.of("01C"), false, true,
                            new RotationFilter(List.of("01ROT1", "01ROT2"), List.of("01LAYER1"))))),
            new Rule("fallback", false, RequesterMatcher.ANY, ResourceMatcher.ANY,
                    List.of(new AutoApproval(false, true, new RotationFilter(List.of("01ROT3"), List.of())))),
            new Rule("last", false, RequesterMatcher.ANY, ResourceMatcher.ANY, List.of(new AutoApproval(false)))));

    // ---- refused documents: one error each ------------------------------------------------------------

    @Nested
    class SingleErrors {

        static Stream<Arguments> ruleErrors() {
            String a = "approval: [" + AUTO + "]";
            return Stream.of(
                    // rule
                    arguments("{" + a + "}", "rules[0].name", "is required"),
                    arguments("{name: 12, " + a + "}", "rules[0].name", "must be a string"),
                    arguments("{name: [x], " + a + "}", "rules[0].name", "must be a string"),
                    arguments("{name: '', " + a + "}", "rules[0].name", "must not be empty"),
                    arguments("{name: " + "a".repeat(101) + ", " + a + "}", "rules[0].name",
                            "must be at most 100 characters"),
                    arguments("{name: ' lead', " + a + "}", "rules[0].name",
                            "must contain only letters, digits, spaces and _ . : / -, starting with a letter or digit"),
                    arguments("{name: 'a#b', " + a + "}", "rules[0].name",
                            "must contain only letters, digits, spaces and _ . : / -, starting with a letter or digit"),
                    arguments("{name: 'é', " + a + "}", "rules[0].name",
                            "must contain only letters, digits, spaces and _ . : / -, starting with a letter or digit"),
                    arguments("{name: r, disabled: 'true', " + a + "}", "rules[0].disabled", "must be a boolean"),
                    arguments("{name: r, disabled: 1, " + a + "}", "rules[0].disabled", "must be a boolean"),
                    arguments("{name: r, unexpectedKey: 1, " + a + "}", "rules[0].unexpectedKey", "is not a known field"),
                    arguments("{name: r, Name: x, " + a + "}", "rules[0].Name", "is not a known field"),
                    // requestor
                    arguments("{name: r, requestor: user, " + a + "}", "rules[0].requestor", "must be an object"),
                    arguments("{name: r, requestor: [], " + a + "}", "rules[0].requestor", "must be an object"),
                    arguments("{name: r, requestor: {}, " + a + "}", "rules[0].requestor.type", "is required"),
                    arguments("{name: r, requestor: {type: true}, " + a + "}", "rules[0].requestor.type",
                            "must be a string"),
                    arguments("{name: r, requestor: {type: group}, " + a + "}", "rules[0].requestor.type",
                            "must be one of: any, user"),
                    arguments("{name: r, requestor: {type: USER, email: a@b.co}, " + a + "}", "rules[0].requestor.type",
                            "must be one of: any, user"),
                    arguments("{name: r, requestor: {type: user}, " + a + "}", "rules[0].requestor.email", "is required"),
                    arguments("{name: r, requestor: {type: user, email: '  '}, " + a + "}", "rules[0].requestor.email",
                            "must not be empty"),
                    arguments("{name: r, requestor: {type: user, email: 42}, " + a + "}", "rules[0].requestor.email",
                            "must be a string"),
                    arguments("{name: r, requestor: {type: user, email: alice}, " + a + "}", "rules[0].requestor.email",
                            Ids.EMAIL_MESSAGE),
                    arguments("{name: r, requestor: {type: user, email: 'a b@c.de'}, " + a + "}",
                            "rules[0].requestor.email", Ids.EMAIL_MESSAGE),
                    arguments("{name: r, requestor: {type: user, email: " + "u".repeat(250) + "@ex.com}, " + a + "}",
                            "rules[0].requestor.email", "must be at most 254 characters"),
                    arguments("{name: r, requestor: {type: any, email: a@b.co}, " + a + "}", "rules[0].requestor.email",
                            "is only allowed with type user"),
                    arguments("{name: r, requestor: {type: any, team: x}, " + a + "}", "rules[0].requestor.team",
                            "is not a known field"),
                    // resource
                    arguments("{name: r, resource: postgres, " + a + "}", "rules[0].resource", "must be an object"),
                    arguments("{name: r, resource: {service: postgres}, " + a + "}", "rules[0].resource.type",
                            "is required"),
                    arguments("{name: r, resource: {type: role}, " + a + "}", "rules[0].resource.type",
                            "must be one of: any, service"),
                    arguments("{name: r, resource: {type: service}, " + a + "}", "rules[0].resource.service",
                            "is required"),
                    arguments("{name: r, resource: {type: service, service: [pg]}, " + a + "}",
                            "rules[0].resource.service", "must be a string"),
                    arguments("{name: r, resource: {type: service, service: '-pg'}, " + a + "}",
                            "rules[0].resource.service",
                            "must contain only letters, digits, spaces and _ . : / -, starting with a letter or digit"),
                    arguments("{name: r, resource: {type: service, service: " + "s".repeat(101) + "}, " + a + "}",
                            "rules[0].resource.service", "must be at most 100 characters"),
                    arguments("{name: r, resource: {type: service, service: pg, name: 7}, " + a + "}",
                            "rules[0].resource.name", "must be a string"),
                    arguments("{name: r, resource: {type: service, service: pg, name: 'db*'}, " + a + "}",
                            "rules[0].resource.name",
                            "must contain only letters, digits, spaces and _ . : / -, starting with a letter or digit"),
                    arguments("{name: r, resource: {type: service, service: pg, name: " + "n".repeat(201) + "}, " + a
                            + "}", "rules[0].resource.name", "must be at most 200 characters"),
                    arguments("{name: r, resource: {type: service, service: pg, name: ''}, " + a + "}",
                            "rules[0].resource.name", "must not be empty"),
                    arguments("{name: r, resource: {type: any, service: pg}, " + a + "}", "rules[0].resource.service",
                            "is only allowed with type service"),
                    arguments("{name: r, resource: {type: any, name: db}, " + a + "}", "rules[0].resource.name",
                            "is only allowed with type service"),
                    arguments("{name: r, resource: {type: service, service: pg, region: eu}, " + a + "}",
                            "rules[0].resource.region", "is not a known field"),
                    // approval list
                    arguments("{name: r}", "rules[0].approval", "is required"),
                    arguments("{name: r, approval: []}", "rules[0].approval", "must not be empty"),
                    arguments("{name: r, approval: " + AUTO + "}", "rules[0].approval", "must be an array"),
                    arguments("{name: r, approval: ["
                            + Stream.generate(() -> AUTO).limit(11).collect(Collectors.joining(", ")) + "]}",
                            "rules[0].approval", "must have at most 10 steps"),
                    arguments("{name: r, approval: [auto]}", "rules[0].approval[0]", "must be an object"),
                    // approval step
                    arguments("{name: r, approval: [{integration: incidentio}]}", "rules[0].approval[0].type",
                            "is required"),
                    arguments("{name: r, approval: [{type: manual, integration: incidentio}]}",
                            "rules[0].approval[0].type", "must be one of: auto, escalation"),
                    arguments("{name: r, approval: [{type: [auto], integration: incidentio}]}",
                            "rules[0].approval[0].type", "must be a string"),
                    arguments("{name: r, approval: [{type: auto}]}", "rules[0].approval[0].integration", "is required"),
                    arguments("{name: r, approval: [{type: auto, integration: pagerduty}]}",
                            "rules[0].approval[0].integration", "must be one of: incidentio"),
                    arguments("{name: r, approval: [{type: auto, integration: {name: incidentio}}]}",
                            "rules[0].approval[0].integration", "must be a string"),
                    arguments("{name: r, approval: [{type: auto, integration: incidentio, priority: 1}]}",
                            "rules[0].approval[0].priority", "is not a known field"),
                    arguments("{name: r, approval: [{type: auto, integration: incidentio, options: [requireReason]}]}",
                            "rules[0].approval[0].options", "must be an object"),
                    arguments("{name: r, approval: [{type: auto, integration: incidentio, services: [S1]}]}",
                            "rules[0].approval[0].services", "is only allowed on escalation"),
                    arguments("{name: r, approval: [{type: auto, integration: incidentio,"
                            + " options: {allowOneParty: true}}]}",
                            "rules[0].approval[0].options.allowOneParty", "is only allowed on escalation"),
                    arguments("{name: r, approval: [{type: auto, integration: incidentio, options: {ttl: 5}}]}",
                            "rules[0].approval[0].options.ttl", "is not a known option"),
                    arguments("{name: r, approval: [{type: auto, integration: incidentio,"
                            + " options: {requireReason: 'yes'}}]}",
                            "rules[0].approval[0].options.requireReason", "must be a boolean"),
                    arguments("{name: r, approval: [{type: auto, integration: incidentio,"
                            + " options: {grantUntilShiftEnd: 'yes'}}]}",
                            "rules[0].approval[0].options.grantUntilShiftEnd", "must be a boolean"),
                    arguments("{name: r, approval: [{type: escalation, integration: incidentio, services: [S1],"
                            + " options: {grantUntilShiftEnd: true}}]}",
                            "rules[0].approval[0].options.grantUntilShiftEnd", "is only allowed on auto"),
                    arguments("{name: r, approval: [{type: auto, integration: incidentio, options: {page: escalation}}]}",
                            "rules[0].approval[0].options.page", "is only allowed on escalation"),
                    arguments("{name: r, approval: [{type: auto, integration: incidentio, options: {escalationPath: P1}}]}",
                            "rules[0].approval[0].options.escalationPath", "is only allowed on escalation"),
                    arguments("{name: r, approval: [{type: escalation, integration: incidentio, services: [S1],"
                            + " options: {page: sms}}]}",
                            "rules[0].approval[0].options.page", "must be one of: incident, escalation"),
                    arguments("{name: r, approval: [{type: escalation, integration: incidentio, services: [S1],"
                            + " options: {page: true}}]}",
                            "rules[0].approval[0].options.page", "must be a string"),
                    arguments("{name: r, approval: [{type: escalation, integration: incidentio, services: [S1],"
                            + " options: {page: ESCALATION}}]}",
                            "rules[0].approval[0].options.page", "must be one of: incident, escalation"),
                    arguments("{name: r, approval: [{type: escalation, integration: incidentio, services: [S1],"
                            + " options: {page: escalation, escalationPath: 'P 1'}}]}",
                            "rules[0].approval[0].options.escalationPath",
                            "must be an incident.io escalation path id (1-64 letters or digits)"),
                    arguments("{name: r, approval: [{type: escalation, integration: incidentio, services: [S1],"
                            + " options: {escalationPath: P1}}]}",
                            "rules[0].approval[0].options.escalationPath", "is only allowed with page: escalation"),
                    arguments("{name: r, approval: [{type: escalation, integration: incidentio, services: [S1],"
                            + " options: {page: incident, escalationPath: P1}}]}",
                            "rules[0].approval[0].options.escalationPath", "is only allowed with page: escalation"),
                    arguments("{name: r, approval: [{type: escalation, integration: incidentio}]}",
                            "rules[0].approval[0].services", "is required"),
                    arguments("{name: r, approval: [{type: escalation, integration: incidentio, services: []}]}",
                            "rules[0].approval[0].services", "must not be empty"),
                    arguments("{name: r, approval: [{type: escalation, integration: incidentio, services: S1}]}",
                            "rules[0].approval[0].services", "must be an array"),
                    arguments("{name: r, approval: [{type: escalation, integration: incidentio, services: {S1: x}}]}",
                            "rules[0].approval[0].services", "must be an array"),
                    arguments("{name: r, approval: [{type: escalation, integration: incidentio, services: ["
                            + IntStream.range(0, io.oncallapprover.common.Ids.MAX_SCHEDULES + 1).mapToObj(i -> "S" + i)
                                    .collect(Collectors.joining(", ")) + "]}]}",
                            "rules[0].approval[0].services", "must have at most " + io.oncallapprover.common.Ids.MAX_SCHEDULES
                                    + " schedule ids"),
                    arguments("{name: r, approval: [{type: escalation, integration: incidentio, services: [S1, 7]}]}",
                            "rules[0].approval[0].services[1]", "must be a string"),
                    arguments("{name: r, approval: [{type: escalation, integration: incidentio,"
                            + " services: [S1, 'bad-id']}]}", "rules[0].approval[0].services[1]",
                            Ids.SCHEDULE_ID_MESSAGE),
                    arguments("{name: r, approval: [{type: escalation, integration: incidentio,"
                            + " services: [" + "A".repeat(65) + "]}]}", "rules[0].approval[0].services[0]",
                            Ids.SCHEDULE_ID_MESSAGE),
                    arguments("{name: r, approval: [{type: escalation, integration: incidentio, services: [S1],"
                            + " options: {allowOneParty: 'false'}}]}",
                            "rules[0].approval[0].options.allowOneParty", "must be a boolean"),
                    arguments("{name: r, approval: [{type: escalation, integration: incidentio, services: [S1],"
                            + " options: {requireReason: 0}}]}",
                            "rules[0].approval[0].options.requireReason", "must be a boolean"),
                    arguments("{name: r, approval: [{type: escalation, integration: incidentio, services: [S1],"
                            + " options: {allowTwoParty: true}}]}",
                            "rules[0].approval[0].options.allowTwoParty", "is not a known option"),
                    arguments("{name: r, approval: [" + AUTO + ", {type: auto, integration: incidentio.io}]}",
                            "rules[0].approval[1].integration", "must be one of: incidentio"),
                    // rotations and layers, on auto and escalation steps alike
                    arguments("{name: r, approval: [{type: auto, integration: incidentio, rotations: 01R}]}",
                            "rules[0].approval[0].rotations", "must be an array"),
                    arguments("{name: r, approval: [{type: auto, integration: incidentio, rotations: []}]}",
                            "rules[0].approval[0].rotations", "must not be empty"),
                    arguments("{name: r, approval: [{type: auto, integration: incidentio, rotations: [01R, 7]}]}",
                            "rules[0].approval[0].rotations[1]", "must be a string"),
                    arguments("{name: r, approval: [{type: auto, integration: incidentio, rotations: [01R, null]}]}",
                            "rules[0].approval[0].rotations[1]", "must be a string"),
                    arguments("{name: r, approval: [{type: auto, integration: incidentio, rotations: [01R, 'rot-1']}]}",
                            "rules[0].approval[0].rotations[1]", "must be an incident.io rotation id (1-64 letters or digits)"),
                    arguments("{name: r, approval: [{type: escalation, integration: incidentio, services: [S1],"
                            + " rotations: [" + "A".repeat(65) + "]}]}", "rules[0].approval[0].rotations[0]",
                            "must be an incident.io rotation id (1-64 letters or digits)"),
                    arguments("{name: r, approval: [{type: escalation, integration: incidentio, services: [S1], rotations: ["
                            + IntStream.range(0, 21).mapToObj(i -> "R" + i).collect(Collectors.joining(", ")) + ", '-']}]}",
                            "rules[0].approval[0].rotations", "must have at most 20 rotation ids"),
                    arguments("{name: r, approval: [{type: auto, integration: incidentio, layers: [01L]}]}",
                            "rules[0].approval[0].layers", "is only allowed with rotations"),
                    arguments("{name: r, approval: [{type: escalation, integration: incidentio, services: [S1],"
                            + " layers: [01L]}]}", "rules[0].approval[0].layers", "is only allowed with rotations"),
                    arguments("{name: r, approval: [{type: auto, integration: incidentio, rotations: {id: 01R}, layers: [01L]}]}",
                            "rules[0].approval[0].rotations", "must be an array"),
                    arguments("{name: r, approval: [{type: auto, integration: incidentio, rotations: [01R], layers: []}]}",
                            "rules[0].approval[0].layers", "must not be empty"),
                    arguments("{name: r, approval: [{type: auto, integration: incidentio, rotations: [01R], layers: 01L}]}",
                            "rules[0].approval[0].layers", "must be an array"),
                    arguments("{name: r, approval: [{type: escalation, integration: incidentio, services: [S1],"
                            + " rotations: [01R], layers: [01L, 'layer 2']}]}", "rules[0].approval[0].layers[1]",
                            "must be an incident.io layer id (1-64 letters or digits)"),
                    arguments("{name: r, approval: [{type: auto, integration: incidentio, rotations: [01R], layers: ["
                            + IntStream.range(0, 21).mapToObj(i -> "L" + i).collect(Collectors.joining(", ")) + "]}]}",
                            "rules[0].approval[0].layers", "must have at most 20 layer ids"),
                    arguments("{name: r, approval: [{type: manual, integration: incidentio, rotations: [01R], layers: [x-y]}]}",
                            "rules[0].approval[0].type", "must be one of: auto, escalation"),
                    arguments("{name: r, approval: [{type: auto, integration: incidentio, rotation: [01R]}]}",
                            "rules[0].approval[0].rotation", "is not a known field"),
                    arguments("{name: r, approval: [{type: auto, integration: incidentio, options: {rotations: [01R]}}]}",
                            "rules[0].approval[0].options.rotations", "is not a known option"));
        }

        @ParameterizedTest(name = "{1}: {2} <- {0}")
        @MethodSource("ruleErrors")
        void ruleErrorIsReportedAtItsPath(String flowRule, String field, String message) {
            PolicyParser.Result result = parseRule(flowRule);
            assertThat(result.errors()).containsExactly(error(field, message));
            assertThat(result.policy()).isNull();
            assertThat(result.valid()).isFalse();
        }

        @Test
        void rootMustBeAnObject() {
            FieldError body = error("body", "must be an object");
            assertThat(PolicyParser.parse(PolicyDocument.read("[]", false)).errors()).containsExactly(body);
            assertThat(PolicyParser.parse(PolicyDocument.read("just text", true)).errors()).containsExactly(body);
            assertThat(PolicyParser.parse(PolicyDocument.read("null", false)).errors()).containsExactly(body);
            assertThat(PolicyParser.parse(NullNode.getInstance()).errors()).containsExactly(body);
            assertThat(PolicyParser.parse(null).errors()).containsExactly(body);
        }

        @Test
        void rulesIsRequiredAndMustBeAnArray() {
            assertThat(parseJson("{}").errors()).containsExactly(error("rules", "is required"));
            assertThat(parseJson("{\"rules\": null}").errors()).containsExactly(error("rules", "is required"));
            assertThat(parseJson("{\"rules\": {}}").errors()).containsExactly(error("rules", "must be an array"));
            assertThat(parseYaml("rules: all").errors()).containsExactly(error("rules", "must be an array"));
        }

        @Test
        void unknownRootKeyIsReportedAlongsideRules() {
            assertThat(parseJson("{\"rules\": [], \"version\": 2}").errors())
                    .containsExactly(error("version", "is not a known field"));
            assertThat(parseJson("{\"rule\": []}").errors())
                    .containsExactly(error("rule", "is not a known field"), error("rules", "is required"));
        }

        @Test
        void atMost200Rules() {
            String rules = IntStream.range(0, 201).mapToObj(i -> "{name: r" + i + ", approval: [" + AUTO + "]}")
                    .collect(Collectors.joining(", "));
            assertThat(parseYaml("rules: [" + rules + "]").errors())
                    .containsExactly(error("rules", "must have at most 200 rules"));
        }

        @Test
        void ruleMustBeAnObject() {
            assertThat(parseYaml("rules: [r1, null, [x]]").errors()).containsExactly(
                    error("rules[0]", "must be an object"),
                    error("rules[1]", "must be an object"),
                    error("rules[2]", "must be an object"));
        }

        @Test
        void duplicateNamesAreCaseInsensitiveAndReportedOnTheLaterRule() {
            PolicyParser.Result result = parseYaml("rules: [{name: Prod DB, approval: [" + AUTO + "]},"
                    + " {name: other, approval: [" + AUTO + "]},"
                    + " {name: prod db, approval: [" + AUTO + "]},"
                    + " {name: PROD DB, disabled: true, approval: [" + AUTO + "]}]");
            assertThat(result.errors()).containsExactly(
                    error("rules[2].name", "duplicates rule 'Prod DB'"),
                    error("rules[3].name", "duplicates rule 'Prod DB'"));
        }

        @Test
        void duplicateNameIsFoundEvenWhenTheEarlierRuleHasOtherErrors() {
            PolicyParser.Result result = parseYaml("rules: [{name: a, approval: []}, {name: A, approval: [" + AUTO
                    + "]}]");
            assertThat(result.errors()).containsExactly(
                    error("rules[0].approval", "must not be empty"),
                    error("rules[1].name", "duplicates rule 'a'"));
        }

        @Test
        void hostileUnknownKeyIsShortenedInThePath() {
            String key = "k".repeat(5000);
            PolicyParser.Result result = parseJson("{\"rules\": [], \"" + key + "\": 1}");
            assertThat(result.errors()).containsExactly(error("k".repeat(64) + "...", "is not a known field"));
        }

        @Test
        void unknownStepTypeStillChecksIntegrationAndOptionNames() {
            PolicyParser.Result result = parseRule("{name: r, approval: [{type: sms, integration: twilio,"
                    + " options: {retries: 3, requireReason: maybe}}]}");
            assertThat(result.errors()).containsExactly(
                    error("rules[0].approval[0].type", "must be one of: auto, escalation"),
                    error("rules[0].approval[0].integration", "must be one of: incidentio"),
                    error("rules[0].approval[0].options.retries", "is not a known option"),
                    error("rules[0].approval[0].options.requireReason", "must be a boolean"));
        }
    }

    // ---- refused documents: all errors at once --------------------------------------------------------

    @Test
    void everyErrorOfADocumentIsReportedWithItsPath() {
        PolicyParser.Result result = parseYaml("""
                rules:
                  - name: first
                    requestor: { type: user, email: not-an-email }
                    unexpectedKey: true
                    approval:
                      - type: auto
                        integration: incidentio
                      - type: escalation
                        integration: pagerduty
                        services: [01A]
                  - name: second
                    disabled: "no"
                    resource: { type: service }
                    approval:
                      - type: escalation
                        integration: incidentio
                        services: [01A]
                        options: { allowOneParty: "yes", pageEveryone: true }
                  - name: First
                    approval:
                      - type: escalation
                        integration: incidentio
                        services: [01A, "x-y", 3]
                      - type: auto
                        integration: incidentio
                        services: [01A]
                      - type: escalation
                        integration: incidentio
                        services: []
                  - approval: "auto"
                """);
        assertThat(result.policy()).isNull();
        assertThat(result.errors()).containsExactlyInAnyOrder(
                error("rules[0].unexpectedKey", "is not a known field"),
                error("rules[0].requestor.email", Ids.EMAIL_MESSAGE),
                error("rules[0].approval[1].integration", "must be one of: incidentio"),
                error("rules[1].disabled", "must be a boolean"),
                error("rules[1].resource.service", "is required"),
                error("rules[1].approval[0].options.pageEveryone", "is not a known option"),
                error("rules[1].approval[0].options.allowOneParty", "must be a boolean"),
                error("rules[2].approval[0].services[1]", Ids.SCHEDULE_ID_MESSAGE),
                error("rules[2].approval[0].services[2]", "must be a string"),
                error("rules[2].approval[1].services", "is only allowed on escalation"),
                error("rules[2].approval[2].services", "must not be empty"),
                error("rules[2].name", "duplicates rule 'first'"),
                error("rules[3].name", "is required"),
                error("rules[3].approval", "must be an array"));
    }

    @Test
    void treesBuiltInCodeAreValidatedTheSameWay() {
        var f = JsonNodeFactory.instance;
        var root = f.objectNode();
        var rule = root.putArray("rules").addObject();
        rule.put("name", "r");
        rule.put("disabled", "false");
        rule.putArray("approval").addObject().put("type", "auto").put("integration", "incidentio")
                .putObject("options").put("requireReason", 1);
        assertThat(PolicyParser.parse(root).errors()).containsExactly(
                error("rules[0].disabled", "must be a boolean"),
                error("rules[0].approval[0].options.requireReason", "must be a boolean"));
    }

    // ---- scheduleIds --------------------------------------------------------------------------------

    @Test
    void scheduleIdsAreEveryEscalationServiceOnceInOrder() {
        assertThat(PolicyParser.scheduleIds(PRODUCT_EXAMPLE)).containsExactly("01SCHEDULEID", "01OTHERID");
        assertThat(PolicyParser.scheduleIds(RICH)).containsExactly("01A", "01B", "01C");
        assertThat(PolicyParser.scheduleIds(AccessPolicy.EMPTY)).isEmpty();
        assertThat(PolicyParser.scheduleIds(new AccessPolicy(List.of(new Rule("auto only", false,
                RequesterMatcher.ANY, ResourceMatcher.ANY, List.of(new AutoApproval(true))))))).isEmpty();
    }
}
