package io.oncallapprover.testsupport;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The service's OpenAPI 3.1 document, rewritten into the OpenAPI 3.0 the request validator reads.
 * Only the forms the service writes are rewritten, each meaning the same in 3.0:
 * <ul>
 * <li>{@code type: [X, "null"]} becomes {@code type: X, nullable: true};</li>
 * <li>{@code anyOf: [{$ref: R}, {type: "null"}]} becomes a copy of {@code R} with {@code nullable: true} (3.0 has no
 * null type, and ignores {@code nullable} beside a {@code $ref});</li>
 * <li>a schema's {@code examples: [..]} becomes {@code example};</li>
 * <li>members beside a {@code $ref} (descriptions) are dropped, as 3.0 ignores them.</li>
 * </ul>
 * Anything else of 3.1 is left as it is, so that the validator's parser refuses what it cannot read.
 */
final class OpenApi30 {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NULL = "null";
    private static final String SCHEMAS = "#/components/schemas/";

    private OpenApi30() {
    }

    static String of(String document31) {
        try {
            ObjectNode document = (ObjectNode) JSON.readTree(document31);
            document.put("openapi", "3.0.3");
            document.remove("webhooks"); // 3.1 only: what the service sends, not what it answers (checked in EventSchemasTest)
            JsonNode schemas = document.path("components").path("schemas");
            rewrite(document, schemas);
            return JSON.writeValueAsString(document);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("the OpenAPI document is not JSON", e);
        }
    }

    private static void rewrite(JsonNode node, JsonNode schemas) {
        if (node.isArray()) {
            node.forEach(element -> rewrite(element, schemas));
            return;
        }
        if (!node.isObject()) {
            return;
        }
        ObjectNode object = (ObjectNode) node;
        orNullToNullable(object, schemas);
        typeListToNullable(object);
        JsonNode examples = object.get("examples");
        if (examples != null && examples.isArray()) {
            object.remove("examples");
            if (!examples.isEmpty()) {
                object.set("example", examples.get(0));
            }
        }
        if (object.has("$ref")) {
            object.retain("$ref");
        }
        List<JsonNode> children = new ArrayList<>();
        object.elements().forEachRemaining(children::add);
        children.forEach(child -> rewrite(child, schemas));
    }

    /** {@code anyOf: [S, {type: "null"}]}: S itself, nullable (a referenced S copied in). */
    private static void orNullToNullable(ObjectNode object, JsonNode schemas) {
        JsonNode anyOf = object.get("anyOf");
        if (anyOf == null || !anyOf.isArray()) {
            return;
        }
        List<JsonNode> alternatives = new ArrayList<>();
        boolean orNull = false;
        for (JsonNode alternative : anyOf) {
            if (alternative.size() == 1 && NULL.equals(alternative.path("type").asText())) {
                orNull = true;
            } else {
                alternatives.add(alternative);
            }
        }
        if (!orNull) {
            return;
        }
        if (alternatives.size() != 1) {
            throw new IllegalStateException("cannot say in OpenAPI 3.0: " + object);
        }
        JsonNode only = alternatives.get(0);
        if (only.has("$ref")) {
            String name = only.get("$ref").asText().substring(SCHEMAS.length());
            only = schemas.get(name);
            if (only == null) {
                throw new IllegalStateException("no schema " + name);
            }
        }
        object.remove("anyOf");
        object.remove("type");
        for (Map.Entry<String, JsonNode> member : (Iterable<Map.Entry<String, JsonNode>>) only::fields) {
            object.set(member.getKey(), member.getValue().deepCopy());
        }
        object.put("nullable", true);
    }

    /** {@code type: [X, "null"]}: {@code type: X, nullable: true}. */
    private static void typeListToNullable(ObjectNode object) {
        JsonNode type = object.get("type");
        if (type == null || !type.isArray()) {
            return;
        }
        List<String> types = new ArrayList<>();
        type.forEach(t -> types.add(t.asText()));
        boolean nullable = types.remove(NULL);
        if (types.size() != 1) {
            throw new IllegalStateException("cannot say in OpenAPI 3.0: " + object);
        }
        object.put("type", types.get(0));
        if (nullable) {
            object.put("nullable", true);
        }
    }

}
