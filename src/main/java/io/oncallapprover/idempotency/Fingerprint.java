package io.oncallapprover.idempotency;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What makes two requests under one key "the same request": SHA-256 of the method, the path and the
 * canonical JSON of the parsed body (members sorted by name, no white space). So the same values
 * sent with other white space or member order are the same request; any other value, member,
 * endpoint or request id is another. Plain Java.
 */
public final class Fingerprint {

    private Fingerprint() {
    }

    /** The fingerprint, as 64 hex digits; {@code body} is null for an operation without one. */
    public static String of(String method, String path, JsonNode body) {
        StringBuilder canonical = new StringBuilder(method).append(' ').append(path).append('\n');
        if (body != null && !body.isNull() && !body.isMissingNode()) {
            write(body, canonical);
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    /** {@code node} as canonical JSON: object members by name; scalars as Jackson writes them. */
    static void write(JsonNode node, StringBuilder out) {
        if (node instanceof ObjectNode object) {
            List<Map.Entry<String, JsonNode>> members = new ArrayList<>();
            object.properties().forEach(members::add);
            members.sort(Map.Entry.comparingByKey());
            out.append('{');
            for (int i = 0; i < members.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                out.append(quoted(members.get(i).getKey())).append(':');
                write(members.get(i).getValue(), out);
            }
            out.append('}');
        } else if (node instanceof ArrayNode array) {
            out.append('[');
            Iterator<JsonNode> elements = array.elements();
            for (boolean first = true; elements.hasNext(); first = false) {
                if (!first) {
                    out.append(',');
                }
                write(elements.next(), out);
            }
            out.append(']');
        } else {
            out.append(node.toString()); // a scalar: Jackson's own JSON of it (strings quoted and escaped)
        }
    }

    private static String quoted(String name) {
        return com.fasterxml.jackson.databind.node.TextNode.valueOf(name).toString();
    }
}
