package io.oncallapprover.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import com.atlassian.oai.validator.interaction.request.CustomRequestValidator;
import com.atlassian.oai.validator.interaction.response.CustomResponseValidator;
import com.atlassian.oai.validator.model.ApiOperation;
import com.atlassian.oai.validator.model.Body;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.Response;
import com.atlassian.oai.validator.report.ValidationReport;
import com.atlassian.oai.validator.schema.SchemaValidator;
import com.atlassian.oai.validator.util.ContentTypeUtils;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.parameters.RequestBody;
import io.swagger.v3.oas.models.responses.ApiResponse;

/**
 * YAML bodies (the access policy), which the validator itself passes over, validated against the
 * schema their media type declares, as JSON bodies are.
 */
final class YamlBodies implements CustomRequestValidator, CustomResponseValidator {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final SchemaValidator schemas;

    YamlBodies(SchemaValidator schemas) {
        this.schemas = schemas;
    }

    @Override
    public ValidationReport validate(Request request, ApiOperation operation) {
        RequestBody declared = operation.getOperation().getRequestBody();
        return validate(request.getContentType(), request.getRequestBody(), declared == null ? null : declared.getContent(),
                "request.body");
    }

    @Override
    public ValidationReport validate(Response response, ApiOperation operation) {
        ApiResponse declared = operation.getOperation().getResponses().get(Integer.toString(response.getStatus()));
        return validate(response.getContentType(), response.getResponseBody(), declared == null ? null : declared.getContent(),
                "response.body");
    }

    private ValidationReport validate(Optional<String> contentType, Optional<Body> body, Content declared, String key) {
        if (contentType.isEmpty() || !contentType.get().contains("yaml") || declared == null || body.isEmpty()) {
            return ValidationReport.empty();
        }
        Optional<String> mediaType = ContentTypeUtils.findMostSpecificMatch(contentType.get(), declared.keySet());
        if (mediaType.isEmpty()) {
            return ValidationReport.empty(); // an undeclared content type: the validator reports it
        }
        String text = text(body.get());
        return schemas.validate(() -> YAML.readTree(text), declared.get(mediaType.get()).getSchema(), key);
    }

    private static String text(Body body) {
        try {
            return body.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
