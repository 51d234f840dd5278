package io.oncallapprover.common;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.media.Schema;

import io.quarkus.smallrye.openapi.OpenApiFilter;

/**
 * Makes the schemas of the OpenAPI document say what goes over the wire, at build time:
 * <ul>
 * <li>Jackson writes every member of a view, null or not, so each property of a success body (and of
 * what it holds) is required; those that may be null are marked with {@code @Schema(nullable = true)},
 * or, for the records of the pure decision cores, which import no framework, in {@link #NULLABLE}
 * (checked against the document);</li>
 * <li>a Bean Validation {@code @Pattern} must match the whole value, a JSON Schema {@code pattern} only
 * a part of it: each is anchored (but {@code \S}, which {@code @NotBlank} stands for, is a search).</li>
 * </ul>
 */
@OpenApiFilter(OpenApiFilter.RunStage.BUILD)
public class WireSchemas implements OASFilter {

    private static final String SCHEMAS = "#/components/schemas/";
    /** The pattern SmallRye writes for {@code @NotBlank}: some character that is not white space, anywhere. */
    private static final String NOT_BLANK = "\\S";

    /** Members of the approval records that may be null, by schema. */
    static final Map<String, List<String>> NULLABLE = Map.of(
            "AutoApprovalDecision", List.of("expiresAt", "rule"),
            "ApproverDecision", List.of("rule"),
            "Evidence", List.of("rotationId", "layerId", "rule", "step"),
            "RuleRef", List.of("rule", "step"));

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        Map<String, Schema> schemas = openAPI.getComponents().getSchemas();
        NULLABLE.forEach((name, members) -> members.forEach(member -> {
            Schema schema = schemas.get(name);
            Schema property = schema == null || schema.getProperties() == null ? null : schema.getProperties().get(member);
            if (property == null) {
                throw new IllegalStateException("WireSchemas.NULLABLE names " + name + "." + member
                        + ", which the document does not have");
            }
            schema.addProperty(member, nullable(property));
        }));
        schemas.values().forEach(WireSchemas::anchorPatterns);
        openAPI.getPaths().getPathItems().values().forEach(item -> item.getOperations().values().forEach(operation -> {
            if (operation.getParameters() != null) {
                operation.getParameters().forEach(parameter -> anchorPatterns(parameter.getSchema()));
            }
        }));
        Set<String> seen = new HashSet<>();
        openAPI.getPaths().getPathItems().values().forEach(item -> item.getOperations().values()
                .forEach(operation -> operation.getResponses().getAPIResponses().forEach((status, response) -> {
                    if (status.startsWith("2") && response.getRef() == null && response.getContent() != null) {
                        response.getContent().getMediaTypes().values()
                                .forEach(media -> requireEveryProperty(schemas, media.getSchema(), seen));
                    }
                })));
    }

    /** The same property, or null: as SmallRye writes {@code @Schema(nullable = true)} in OpenAPI 3.1. */
    private static Schema nullable(Schema property) {
        Schema none = OASFactory.createSchema().addType(Schema.SchemaType.NULL);
        if (property.getRef() != null) {
            return OASFactory.createSchema().addAnyOf(OASFactory.createSchema().ref(property.getRef())).addAnyOf(none);
        }
        if (!property.getType().contains(Schema.SchemaType.NULL)) {
            property.addType(Schema.SchemaType.NULL);
        }
        return property;
    }

    private static void anchorPatterns(Schema schema) {
        if (schema == null) {
            return;
        }
        String pattern = schema.getPattern();
        if (pattern != null && !pattern.equals(NOT_BLANK) && !pattern.startsWith("^")) {
            schema.setPattern("^(?:" + pattern + ")$");
        }
        if (schema.getProperties() != null) {
            schema.getProperties().values().forEach(WireSchemas::anchorPatterns);
        }
        anchorPatterns(schema.getItems());
        for (List<Schema> alternatives : Arrays.asList(schema.getAnyOf(), schema.getOneOf(), schema.getAllOf())) {
            if (alternatives != null) {
                alternatives.forEach(WireSchemas::anchorPatterns);
            }
        }
    }

    private static void requireEveryProperty(Map<String, Schema> schemas, Schema schema, Set<String> seen) {
        if (schema == null) {
            return;
        }
        if (schema.getRef() != null) {
            String name = schema.getRef().substring(SCHEMAS.length());
            if (seen.add(name)) {
                requireEveryProperty(schemas, schemas.get(name), seen);
            }
            return;
        }
        if (schema.getProperties() != null && !schema.getProperties().isEmpty()) {
            schema.setRequired(new ArrayList<>(schema.getProperties().keySet()));
            schema.getProperties().values().forEach(property -> requireEveryProperty(schemas, property, seen));
        }
        requireEveryProperty(schemas, schema.getItems(), seen);
        for (List<Schema> alternatives : Arrays.asList(schema.getAnyOf(), schema.getOneOf(), schema.getAllOf())) {
            if (alternatives != null) {
                alternatives.forEach(alternative -> requireEveryProperty(schemas, alternative, seen));
            }
        }
    }
}
