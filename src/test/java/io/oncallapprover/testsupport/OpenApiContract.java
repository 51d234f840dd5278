package io.oncallapprover.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Supplier;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.OpenApiInteractionValidator.SpecSource;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.MessageResolver;
import com.atlassian.oai.validator.report.SimpleValidationReportFormat;
import com.atlassian.oai.validator.report.ValidationReport;
import com.atlassian.oai.validator.restassured.RestAssuredRequest;
import com.atlassian.oai.validator.restassured.RestAssuredResponse;
import com.atlassian.oai.validator.schema.SchemaValidator;
import com.atlassian.oai.validator.util.ContentTypeUtils;
import com.atlassian.oai.validator.util.OpenApiLoader;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.restassured.RestAssured;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.restassured.filter.Filter;
import io.restassured.filter.FilterContext;
import io.restassured.response.Response;
import io.restassured.specification.FilterableRequestSpecification;
import io.restassured.specification.FilterableResponseSpecification;

/**
 * The service's own OpenAPI document ({@code /q/openapi}) as the contract of the API tests: every
 * request they send under {@code /api/} and every response they get is validated against it, and
 * every JSON body must hold each key once (RFC 9457 problem bodies included). YAML bodies are held to
 * the schema of their media type too ({@link YamlBodies}). {@link ApiTestBase}
 * installs it as a RestAssured filter; a violation fails the test.
 * <p>
 * A test that sends an invalid request on purpose (malformed JSON, wrong types, no token...) names
 * why with {@link #invalidRequest}: its response is still validated, and the request must indeed
 * break the contract, so the opt-out cannot outlive its reason. A corpus of hostile inputs, some of
 * which the contract may accept, is sent with {@link #hostileRequest}.
 * <p>
 * The document is fetched once per test run from the running test application and rewritten for
 * the 3.0 validator ({@link OpenApi30}); the counts are printed at the end ({@link OpenApiContractReport}).
 */
public final class OpenApiContract implements Filter {

    /** Shared through the system properties: Quarkus loads test classes anew per application start. */
    private static final String DOCUMENT = "oncall-approver.openapi-contract.document";
    static final String COUNTS = "oncall-approver.openapi-contract.counts";
    static final String REQUESTS = "requests validated";
    static final String RESPONSES = "responses validated";
    static final String INVALID = "invalid on purpose (request validation skipped by name)";
    static final String HOSTILE = "hostile corpus (request validation skipped by name)";
    static final String OUTSIDE = "requests outside /api (not validated)";

    private static final String API = "/api/";
    private static final String PROBLEM = "application/problem+json";
    private static final ObjectMapper STRICT_JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static OpenApiContract contract;

    private final OpenApiInteractionValidator validator;
    private final SchemaValidator schemas;
    private final Schema<?> problem;

    private OpenApiContract(String document30) {
        ParseOptions options = new ParseOptions(); // the validator's own
        options.setResolve(true);
        options.setResolveFully(true);
        options.setResolveCombinators(false);
        OpenAPI api = new OpenApiLoader().loadApi(SpecSource.inline(document30), List.of(), options);
        LevelResolver everyFindingIsAnError = LevelResolver.create().build(); // undocumented query parameters too
        schemas = new SchemaValidator(api, new MessageResolver(everyFindingIsAnError));
        YamlBodies yaml = new YamlBodies(schemas);
        validator = OpenApiInteractionValidator.createFor(api).withLevelResolver(everyFindingIsAnError)
                .withCustomRequestValidation(yaml).withCustomResponseValidation(yaml).build();
        problem = api.getComponents().getSchemas().get("Problem");
    }

    /** The contract of the running test application. */
    public static synchronized OpenApiContract ofTheRunningApp() {
        if (contract == null) {
            String document = (String) System.getProperties().computeIfAbsent(DOCUMENT,
                    key -> OpenApi30.of(fetch(RestAssured.baseURI + ":" + RestAssured.port + "/q/openapi?format=json")));
            contract = new OpenApiContract(document);
        }
        return contract;
    }

    /**
     * Sends, through {@code send}, requests that are invalid on purpose, saying why: their request
     * validation is skipped, and each must indeed break the contract (else the mark is stale and
     * the test fails). Their responses are validated as always.
     */
    public static <T> T invalidRequest(String why, Supplier<T> send) {
        return optedOut(new OptOut(why, true), send);
    }

    /**
     * Sends a request of a corpus of hostile inputs, saying which: its request validation is
     * skipped whether or not it breaks the contract (some of a corpus may not). Its response is
     * validated as always.
     */
    public static <T> T hostileRequest(String corpus, Supplier<T> send) {
        return optedOut(new OptOut(corpus, false), send);
    }

    /** Why the requests of the current thread skip request validation; {@code mustBreak}: each must break the contract. */
    private record OptOut(String why, boolean mustBreak) {

        OptOut {
            if (why == null || why.isBlank()) {
                throw new IllegalArgumentException("say why the request validation is skipped");
            }
        }
    }

    private static final ThreadLocal<OptOut> OPT_OUT = new ThreadLocal<>();

    private static <T> T optedOut(OptOut optOut, Supplier<T> send) {
        OPT_OUT.set(optOut);
        try {
            return send.get();
        } finally {
            OPT_OUT.remove();
        }
    }

    @Override
    public Response filter(FilterableRequestSpecification request, FilterableResponseSpecification responseSpec,
            FilterContext ctx) {
        Response response = ctx.next(request, responseSpec);
        if (!request.getDerivedPath().startsWith(API)) {
            count(OUTSIDE);
            return response;
        }
        check(RestAssuredRequest.of(request), RestAssuredResponse.of(response), Optional.ofNullable(OPT_OUT.get()));
        return response;
    }

    /**
     * Fails (AssertionError) unless {@code response} is one the contract allows for {@code request},
     * and {@code request} is one it accepts (unless opted out).
     */
    public void check(Request request, com.atlassian.oai.validator.model.Response response) {
        check(request, response, Optional.empty());
    }

    private void check(Request request, com.atlassian.oai.validator.model.Response response, Optional<OptOut> optOut) {
        List<String> failures = new ArrayList<>();
        ValidationReport requestReport = validator.validateRequest(request);
        if (optOut.isPresent()) {
            count(optOut.get().mustBreak() ? INVALID : HOSTILE);
            if (optOut.get().mustBreak() && !requestReport.hasErrors()) {
                failures.add("the request is marked invalid (" + optOut.get().why()
                        + "), but the contract accepts it: drop invalidRequest(..)");
            }
        } else {
            count(REQUESTS);
            if (requestReport.hasErrors()) {
                failures.add("request: " + SimpleValidationReportFormat.getInstance().apply(requestReport));
            }
        }
        count(RESPONSES);
        ValidationReport responseReport = validator.validateResponse(request.getPath(), request.getMethod(), response);
        if (optOut.isPresent() && hasKey(responseReport, "validation.request.path.missing")) {
            responseReport = problemOutsideTheApi(response); // e.g. an unknown route, on purpose
        }
        if (responseReport.hasErrors()) {
            failures.add("response: " + SimpleValidationReportFormat.getInstance().apply(responseReport));
        }
        duplicateKey(response).ifPresent(failures::add);
        if (!failures.isEmpty()) {
            throw new AssertionError("OpenAPI contract broken by " + request.getMethod() + " " + request.getPath() + " -> "
                    + response.getStatus() + ":\n" + String.join("\n", failures));
        }
    }

    /** The answer to a request for no operation of the API: a 4xx problem. */
    private ValidationReport problemOutsideTheApi(com.atlassian.oai.validator.model.Response response) {
        if (response.getStatus() < 400 || response.getStatus() >= 500
                || !response.getContentType().orElse("").startsWith(PROBLEM)) {
            return ValidationReport.singleton(ValidationReport.Message.create("contract.outside",
                    "a request for no operation of the API must be answered with a 4xx " + PROBLEM + ", not "
                            + response.getStatus() + " " + response.getContentType().orElse("without a body")).build());
        }
        return schemas.validate(bodyOf(response).orElse(""), problem, "response.body");
    }

    private static boolean hasKey(ValidationReport report, String key) {
        return report.getMessages().stream().anyMatch(message -> key.equals(message.getKey()));
    }

    /** A JSON body (problem details included) that holds a key twice: a client would keep one of the two. */
    private static Optional<String> duplicateKey(com.atlassian.oai.validator.model.Response response) {
        Optional<String> contentType = response.getContentType();
        Optional<String> body = bodyOf(response);
        if (contentType.isEmpty() || !ContentTypeUtils.isJsonContentType(contentType.get()) || body.isEmpty()
                || body.get().isEmpty()) {
            return Optional.empty();
        }
        try {
            STRICT_JSON.readTree(body.get());
            return Optional.empty();
        } catch (JsonProcessingException e) {
            return Optional.of("body is not JSON with each key once: " + e.getOriginalMessage());
        }
    }

    private static Optional<String> bodyOf(com.atlassian.oai.validator.model.Response response) {
        return response.getResponseBody().map(body -> {
            try {
                return body.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /**
     * Counts live in the system properties as text: shared by every class loader of the run, and
     * readable as properties (Narayana, for one, copies them all as strings at start).
     */
    private static void count(String what) {
        Properties properties = System.getProperties();
        synchronized (properties) {
            String key = COUNTS + "." + what;
            properties.setProperty(key, Long.toString(Long.parseLong(properties.getProperty(key, "0")) + 1));
        }
    }

    private static String fetch(String url) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(url + " answered " + response.statusCode());
            }
            return response.body();
        } catch (IOException e) {
            throw new IllegalStateException("cannot fetch " + url, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted fetching " + url, e);
        }
    }
}
