package io.oncallapprover.problem;

import static io.oncallapprover.problem.ProblemCode.ALREADY_DECIDED;
import static io.oncallapprover.problem.ProblemCode.CONFLICT;
import static io.oncallapprover.problem.ProblemCode.CUSTOM_FIELD_UNUSABLE;
import static io.oncallapprover.problem.ProblemCode.DATABASE_UNAVAILABLE;
import static io.oncallapprover.problem.ProblemCode.FORBIDDEN;
import static io.oncallapprover.problem.ProblemCode.IDEMPOTENCY_KEY_REUSED;
import static io.oncallapprover.problem.ProblemCode.INTERNAL_ERROR;
import static io.oncallapprover.problem.ProblemCode.INVALID_API_KEY;
import static io.oncallapprover.problem.ProblemCode.MALFORMED_BODY;
import static io.oncallapprover.problem.ProblemCode.MISSING_ROLES;
import static io.oncallapprover.problem.ProblemCode.NOT_FOUND;
import static io.oncallapprover.problem.ProblemCode.NOT_INSTALLED;
import static io.oncallapprover.problem.ProblemCode.NOT_ON_CALL;
import static io.oncallapprover.problem.ProblemCode.NOT_PENDING;
import static io.oncallapprover.problem.ProblemCode.NO_MATCHING_RULE;
import static io.oncallapprover.problem.ProblemCode.NO_SCHEDULES;
import static io.oncallapprover.problem.ProblemCode.PAYLOAD_TOO_LARGE;
import static io.oncallapprover.problem.ProblemCode.REASON_REQUIRED;
import static io.oncallapprover.problem.ProblemCode.SELF_APPROVAL_NOT_ALLOWED;
import static io.oncallapprover.problem.ProblemCode.UNAUTHENTICATED;
import static io.oncallapprover.problem.ProblemCode.UNKNOWN_INCIDENT_SETTINGS;
import static io.oncallapprover.problem.ProblemCode.UNKNOWN_ESCALATION_PATHS;
import static io.oncallapprover.problem.ProblemCode.UNKNOWN_ROTATIONS;
import static io.oncallapprover.problem.ProblemCode.UNKNOWN_SCHEDULES;
import static io.oncallapprover.problem.ProblemCode.TOO_MANY_SCHEDULES;
import static io.oncallapprover.problem.ProblemCode.CURSOR_EXPIRED;
import static io.oncallapprover.problem.ProblemCode.DESTINATION_NOT_ALLOWED;
import static io.oncallapprover.problem.ProblemCode.TOO_MANY_DESTINATIONS;
import static io.oncallapprover.problem.ProblemCode.NOT_APPROVED;
import static io.oncallapprover.problem.ProblemCode.PRECONDITION_FAILED;
import static io.oncallapprover.problem.ProblemCode.UNSUPPORTED_MEDIA_TYPE;
import static io.oncallapprover.problem.ProblemCode.UPSTREAM_REJECTED;
import static io.oncallapprover.problem.ProblemCode.UPSTREAM_UNAVAILABLE;
import static io.oncallapprover.problem.ProblemCode.VALIDATION_FAILED;
import static io.oncallapprover.problem.ProblemCode.TOO_MANY_REQUESTS;
import static io.oncallapprover.problem.ProblemCode.WEBHOOK_UNVERIFIED;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.examples.Example;
import org.eclipse.microprofile.openapi.models.headers.Header;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;

import io.quarkus.smallrye.openapi.OpenApiFilter;

/**
 * Writes into the OpenAPI document, at build time, every problem each operation can answer with,
 * from the one table below: per status, the codes it carries, the {@code Problem} schema
 * ({@code META-INF/openapi.yaml}) and an example per code, its title taken from the catalogue. The
 * build fails when an operation of the API is missing from the table, or the table names one the
 * API does not have, so neither can drift from the other.
 */
@OpenApiFilter(OpenApiFilter.RunStage.BUILD)
public class ProblemResponses implements OASFilter {

    /** Where every operation of the API lives; the table names operations below it. */
    static final String API = "/api/v1/orgs/{orgId}";

    private static final String PROBLEM = "#/components/schemas/Problem";

    /** One status an operation answers with, and the codes its problems carry. */
    record Answer(int status, List<ProblemCode> codes) {
    }

    static Answer answer(int status, ProblemCode... codes) {
        return new Answer(status, List.of(codes));
    }

    /** What every operation can answer: a malformed path or query parameter, a failure, the database away. */
    static final List<Answer> EVERY_OPERATION = List.of(
            answer(400, VALIDATION_FAILED),
            answer(500, INTERNAL_ERROR),
            answer(503, DATABASE_UNAVAILABLE));

    /** What every operation that takes a bearer token can answer besides: none or a bad one, a role or organization refused. */
    static final List<Answer> WITH_A_TOKEN = List.of(
            answer(401, UNAUTHENTICATED),
            answer(403, FORBIDDEN));

    /**
     * Operations authenticated by incident.io's signature instead of a token, which read their body
     * as it comes: they list the problems of their body and signature themselves.
     */
    static final Set<String> SIGNED = Set.of("POST /webhooks/incidentio");

    /** What every operation with a token that takes a body can answer besides. */
    static final List<Answer> WITH_A_BODY = List.of(
            answer(400, MALFORMED_BODY),
            answer(413, PAYLOAD_TOO_LARGE),
            answer(415, UNSUPPORTED_MEDIA_TYPE));

    /**
     * The table: what each operation can answer besides the above. Reads of another organization
     * and actions on one of its resources by id answer 404 {@code NOT_FOUND} (nothing of it is
     * revealed); writes race to 409 {@code CONFLICT}.
     */
    static final Map<String, List<Answer>> OPERATIONS = new TreeMap<>(Map.ofEntries(
            operation("PUT /integrations/incidentio",
                    answer(409, CONFLICT),
                    answer(422, INVALID_API_KEY, MISSING_ROLES, CUSTOM_FIELD_UNUSABLE),
                    answer(502, UPSTREAM_REJECTED),
                    answer(503, UPSTREAM_UNAVAILABLE)),
            operation("GET /integrations/incidentio", answer(404, NOT_FOUND, NOT_INSTALLED)),
            operation("DELETE /integrations/incidentio", answer(404, NOT_INSTALLED), answer(409, CONFLICT)),
            operation("GET /integrations/incidentio/schedules",
                    answer(404, NOT_FOUND, NOT_INSTALLED),
                    answer(503, UPSTREAM_UNAVAILABLE)),
            operation("PUT /integrations/incidentio/auto-approval",
                    answer(404, NOT_INSTALLED),
                    answer(409, CONFLICT),
                    answer(412, PRECONDITION_FAILED),
                    answer(422, UNKNOWN_SCHEDULES, TOO_MANY_SCHEDULES),
                    answer(503, UPSTREAM_UNAVAILABLE)),
            operation("GET /integrations/incidentio/auto-approval", answer(404, NOT_FOUND, NOT_INSTALLED)),
            operation("PUT /integrations/incidentio/incident-settings",
                    answer(404, NOT_INSTALLED),
                    answer(409, CONFLICT),
                    answer(412, PRECONDITION_FAILED),
                    answer(422, UNKNOWN_INCIDENT_SETTINGS),
                    answer(503, UPSTREAM_UNAVAILABLE)),
            operation("GET /integrations/incidentio/incident-settings", answer(404, NOT_FOUND, NOT_INSTALLED)),
            operation("PUT /integrations/incidentio/webhook", answer(404, NOT_INSTALLED), answer(409, CONFLICT)),
            operation("GET /integrations/incidentio/webhook", answer(404, NOT_FOUND, NOT_INSTALLED)),
            operation("DELETE /integrations/incidentio/webhook", answer(404, NOT_INSTALLED), answer(409, CONFLICT)),
            operation("POST /webhooks/incidentio",
                    answer(400, MALFORMED_BODY),
                    answer(401, WEBHOOK_UNVERIFIED),
                    answer(403, FORBIDDEN), // a bearer token of another organization meets the tenant filter
                    answer(413, PAYLOAD_TOO_LARGE),
                    answer(429, TOO_MANY_REQUESTS)), // the organization's delivery limit (oncall.webhooks.limit.*)
            operation("GET /integrations/incidentio/on-call",
                    answer(404, NOT_FOUND, NOT_INSTALLED),
                    answer(503, UPSTREAM_UNAVAILABLE)),
            operation("PUT /access-policy",
                    answer(409, CONFLICT),
                    answer(412, PRECONDITION_FAILED),
                    answer(422, UNKNOWN_SCHEDULES, UNKNOWN_ROTATIONS, UNKNOWN_ESCALATION_PATHS),
                    answer(503, UPSTREAM_UNAVAILABLE)),
            operation("GET /access-policy", answer(404, NOT_FOUND)),
            operation("DELETE /access-policy", answer(409, CONFLICT), answer(412, PRECONDITION_FAILED)),
            operation("POST /access-requests", answer(409, CONFLICT), answer(422, NO_MATCHING_RULE, IDEMPOTENCY_KEY_REUSED)),
            operation("GET /access-requests", answer(404, NOT_FOUND)),
            operation("GET /access-requests/{id}", answer(404, NOT_FOUND)),
            operation("POST /access-requests/{id}/escalate",
                    answer(404, NOT_FOUND, NOT_INSTALLED),
                    answer(409, NOT_PENDING, CONFLICT),
                    answer(422, REASON_REQUIRED, NO_MATCHING_RULE, IDEMPOTENCY_KEY_REUSED)),
            operation("POST /access-requests/{id}/decisions",
                    answer(403, NOT_ON_CALL, SELF_APPROVAL_NOT_ALLOWED, REASON_REQUIRED, NO_MATCHING_RULE, NO_SCHEDULES),
                    answer(404, NOT_FOUND, NOT_INSTALLED),
                    answer(409, ALREADY_DECIDED, NOT_PENDING, CONFLICT),
                    answer(422, IDEMPOTENCY_KEY_REUSED),
                    answer(503, UPSTREAM_UNAVAILABLE)),
            operation("POST /access-requests/{id}/revoke",
                    answer(404, NOT_FOUND),
                    answer(409, NOT_APPROVED, CONFLICT),
                    answer(422, IDEMPOTENCY_KEY_REUSED)),
            operation("POST /access-requests/{id}/withdraw",
                    answer(404, NOT_FOUND),
                    answer(409, NOT_PENDING, CONFLICT),
                    answer(422, IDEMPOTENCY_KEY_REUSED)),
            operation("POST /approval-checks/auto", answer(503, UPSTREAM_UNAVAILABLE)),
            operation("POST /approval-checks/approver", answer(404, NOT_FOUND), answer(503, UPSTREAM_UNAVAILABLE)),
            operation("GET /audit-events", answer(404, NOT_FOUND)),
            operation("GET /audit-events/verification", answer(404, NOT_FOUND)),
            operation("GET /events", answer(404, NOT_FOUND), answer(410, CURSOR_EXPIRED)),
            operation("POST /event-destinations", answer(422, DESTINATION_NOT_ALLOWED, TOO_MANY_DESTINATIONS)),
            operation("GET /event-destinations", answer(404, NOT_FOUND)),
            operation("GET /event-destinations/{id}", answer(404, NOT_FOUND)),
            operation("DELETE /event-destinations/{id}", answer(404, NOT_FOUND))));

    private static Map.Entry<String, List<Answer>> operation(String methodAndPath, Answer... answers) {
        return Map.entry(methodAndPath, List.of(answers));
    }

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        Set<String> described = new HashSet<>();
        openAPI.getPaths().getPathItems().forEach((path, item) -> item.getOperations().forEach((method, operation) -> {
            if (!path.startsWith(API)) {
                return;
            }
            String key = method + " " + path.substring(API.length());
            List<Answer> answers = OPERATIONS.get(key);
            if (answers == null) {
                throw new IllegalStateException("ProblemResponses.OPERATIONS does not say what " + key
                        + " answers when it fails: add it to the table");
            }
            described.add(key);
            writeProblems(operation, answersOf(key, operation, answers), path);
        }));
        Set<String> unknown = new LinkedHashSet<>(OPERATIONS.keySet());
        unknown.removeAll(described);
        if (!unknown.isEmpty()) {
            throw new IllegalStateException("ProblemResponses.OPERATIONS names operations the API does not have: " + unknown);
        }
        openAPI.getComponents().getSchemas().get("Problem").getProperties().get("code")
                .setEnumeration(Arrays.stream(ProblemCode.values()).map(c -> (Object) c.name()).toList());
    }

    /** The codes per status this operation can answer with, statuses in order. */
    private static Map<Integer, Set<ProblemCode>> answersOf(String key, Operation operation, List<Answer> own) {
        List<Answer> all = new ArrayList<>(EVERY_OPERATION);
        if (!SIGNED.contains(key)) {
            all.addAll(WITH_A_TOKEN);
            if (operation.getRequestBody() != null) {
                all.addAll(WITH_A_BODY);
            }
        }
        all.addAll(own);
        Map<Integer, Set<ProblemCode>> byStatus = new TreeMap<>();
        for (Answer answer : all) {
            byStatus.computeIfAbsent(answer.status(), s -> new LinkedHashSet<>()).addAll(answer.codes());
        }
        return byStatus;
    }

    private static void writeProblems(Operation operation, Map<Integer, Set<ProblemCode>> byStatus, String path) {
        APIResponses responses = operation.getResponses();
        for (String status : new ArrayList<>(responses.getAPIResponses().keySet())) {
            if (status.startsWith("4") || status.startsWith("5")) {
                responses.removeAPIResponse(status); // the framework's placeholders, without a body
            }
        }
        String instance = path.replace("{orgId}", "acme").replace("{id}", "0b6f5e2a-8d1c-4f3e-9a7b-2c4d6e8f0a1b");
        byStatus.forEach((status, codes) -> {
            Map<String, Example> examples = new LinkedHashMap<>();
            for (ProblemCode code : codes) {
                examples.put(code.name(), OASFactory.createExample().summary(code.title())
                        .value(example(status, code, instance)));
            }
            APIResponse response = OASFactory.createAPIResponse()
                    .description(String.join("; ", codes.stream().map(c -> c.name() + " (" + c.title() + ")").toList()))
                    .content(OASFactory.createContent().addMediaType(Problem.MEDIA_TYPE, OASFactory.createMediaType()
                            .schema(OASFactory.createSchema().ref(PROBLEM)).examples(examples)));
            if (status == 503 || status == 429) {
                response.addHeader("Retry-After", header("Seconds to wait before retrying", Schema.SchemaType.INTEGER));
            } else if (status == 409 && takesIdempotencyKey(operation)) {
                response.addHeader("Retry-After", header("With CONFLICT for a request whose Idempotency-Key is in use by one"
                        + " still running: seconds to wait before retrying", Schema.SchemaType.INTEGER).required(false));
            } else if (status == 401) {
                response.addHeader("WWW-Authenticate", header("Bearer", Schema.SchemaType.STRING));
            }
            responses.addAPIResponse(Integer.toString(status), response);
        });
    }

    private static boolean takesIdempotencyKey(Operation operation) {
        return operation.getParameters() != null && operation.getParameters().stream()
                .anyMatch(p -> "Idempotency-Key".equals(p.getName()) && p.getIn() == Parameter.In.HEADER);
    }

    private static Header header(String description, Schema.SchemaType type) {
        return OASFactory.createHeader().description(description).required(true)
                .schema(OASFactory.createSchema().addType(type));
    }

    private static Map<String, Object> example(int status, ProblemCode code, String instance) {
        Map<String, Object> example = new LinkedHashMap<>();
        example.put("type", code.type());
        example.put("title", code.title());
        example.put("status", status);
        example.put("code", code.name());
        example.put("instance", instance);
        return example;
    }
}
