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
 * What the OpenAPI document says of success bodies, at build time. Jackson writes every member of a
 * view, null or not, so each property of a success body (and of what it holds) is required; those
 * that may be null are marked with {@code @Schema(nullable = true)}, or, for the records of the pure
 * decision cores, which import no framework, in {@link #NULLABLE} (checked against the document).
 */
@OpenApiFilter(OpenApiFilter.RunStage.BUILD)
public class ViewSchemas implements OASFilter {

    private static final String SCHEMAS = "#/components/schemas/";

    /** Members of the approval records that may be null, by schema. */
    static final Map<String, List<String>> NULLABLE = Map.of(
            "AutoApprovalDecision", List.of("expiresAt", "rule"),
            "ApproverDecision", List.of("rule"),
            "Evidence", List.of("rule", "step"),
            "RuleRef", List.of("rule", "step"));

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        Map<String, Schema> schemas = openAPI.getComponents().getSchemas();
        NULLABLE.forEach((name, members) -> members.forEach(member -> {
            Schema schema = schemas.get(name);
            Schema property = schema == null || schema.getProperties() == null ? null : schema.getProperties().get(member);
            if (property == null) {
                throw new IllegalStateException("ViewSchemas.NULLABLE names " + name + "." + member
                        + ", which the document does not have");
            }
            schema.addProperty(member, nullable(property));
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
