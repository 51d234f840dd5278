package io.oncallapprover.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.oncallapprover.problem.ApiException;

/** The header's values, and what makes two requests the same, on seeded random keys and bodies. */
class IdempotencyKeyAndFingerprintTest {

    static final long SEED = Long.getLong("props.seed", 20260304L);
    static final ObjectMapper JSON = new ObjectMapper();
    static final String POST = "POST";
    static final String PATH = "/api/v1/orgs/acme/access-requests";

    @Test
    void aKeyIsOneTo255PrintableAsciiCharacters() {
        assertThat(IdempotencyKey.of(null)).isEmpty();
        assertThat(IdempotencyKey.of("8e03978e-40d5-43e8-bc93-6894a57f9324")).isPresent();
        assertThat(IdempotencyKey.of("\"quoted as the draft's sf-string\"").get().value()).startsWith("\"");
        assertThat(IdempotencyKey.of("x".repeat(255))).isPresent();
        for (String bad : List.of("", "x".repeat(256), "tab\there", "caf\u00e9", "new\nline", "nul\u0000", "del\u007f")) {
            assertThatThrownBy(() -> IdempotencyKey.of(bad)).isInstanceOfSatisfying(ApiException.class, e -> {
                assertThat(e.status()).isEqualTo(400);
                assertThat(e.errors()).singleElement().satisfies(error -> assertThat(error.field()).isEqualTo("Idempotency-Key"));
            });
        }
        Random random = new Random(SEED);
        String alphabet = " ~!azAZ09\"\\\t\u0080\u00ff\u2028\u0000\u001f\u007f";
        for (int i = 0; i < 3000; i++) {
            StringBuilder key = new StringBuilder();
            int length = random.nextInt(4) == 0 ? 250 + random.nextInt(10) : random.nextInt(8);
            for (int c = 0; c < length; c++) {
                key.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            boolean expected = key.toString().matches("[ -~]{1,255}");
            assertThat(IdempotencyKey.valid(key.toString())).as("%s (seed %d)", key, SEED).isEqualTo(expected);
        }
    }

    @Test
    void theSameValuesInAnyOrderAndSpacingAreTheSameRequest() throws Exception {
        Random random = new Random(SEED);
        for (int i = 0; i < 500; i++) {
            JsonNode body = randomTree(random, 3);
            String shuffled = write(body, random);
            String fingerprint = Fingerprint.of(POST, PATH, body);
            assertThat(Fingerprint.of(POST, PATH, JSON.readTree(shuffled))).as("%s (seed %d)", shuffled, SEED)
                    .isEqualTo(fingerprint).hasSize(64);
            assertThat(Fingerprint.of("PUT", PATH, body)).isNotEqualTo(fingerprint);
            assertThat(Fingerprint.of(POST, PATH + "/x", body)).isNotEqualTo(fingerprint);
        }
    }

    @Test
    void anyOtherValueIsAnotherRequest() {
        Random random = new Random(SEED);
        for (int i = 0; i < 500; i++) {
            ObjectNode body = (ObjectNode) randomTree(random, 2);
            String before = Fingerprint.of(POST, PATH, body);
            List<String> names = new ArrayList<>();
            body.fieldNames().forEachRemaining(names::add);
            ObjectNode changed = body.deepCopy();
            if (names.isEmpty() || random.nextBoolean()) {
                changed.put("added" + i, "x");
            } else {
                String name = names.get(random.nextInt(names.size()));
                changed.put(name, changed.get(name).toString() + "!");
            }
            assertThat(Fingerprint.of(POST, PATH, changed)).as("%s vs %s", body, changed).isNotEqualTo(before);
        }
        // A string is not the number it spells, null is not absent... and a member name is not a value.
        assertThat(Fingerprint.of(POST, PATH, object("a", "1"))).isNotEqualTo(Fingerprint.of(POST, PATH, JSON.valueToTree(
                java.util.Map.of("a", 1))));
        assertThat(Fingerprint.of(POST, PATH, JSON.createObjectNode().putNull("a")))
                .isNotEqualTo(Fingerprint.of(POST, PATH, JSON.createObjectNode()));
        assertThat(Fingerprint.of(POST, PATH, null)).isEqualTo(Fingerprint.of(POST, PATH, JSON.nullNode()));
    }

    private static ObjectNode object(String name, String value) {
        return JSON.createObjectNode().put(name, value);
    }

    private static JsonNode randomTree(Random random, int depth) {
        ObjectNode object = JsonNodeFactory.instance.objectNode();
        int members = random.nextInt(5);
        for (int m = 0; m < members; m++) {
            String name = "m" + random.nextInt(10) + (random.nextBoolean() ? "\u00e9\"" : "");
            object.set(name, randomValue(random, depth - 1));
        }
        return object;
    }

    private static JsonNode randomValue(Random random, int depth) {
        return switch (depth <= 0 ? random.nextInt(4) : random.nextInt(6)) {
        case 0 -> JsonNodeFactory.instance.textNode("v" + random.nextInt(5) + (random.nextBoolean() ? " \\ \"\n" : ""));
        case 1 -> JsonNodeFactory.instance.numberNode(random.nextInt(100) - 50);
        case 2 -> JsonNodeFactory.instance.booleanNode(random.nextBoolean());
        case 3 -> JsonNodeFactory.instance.nullNode();
        case 4 -> {
            ArrayNode array = JsonNodeFactory.instance.arrayNode();
            for (int e = random.nextInt(4); e > 0; e--) {
                array.add(randomValue(random, depth - 1));
            }
            yield array;
        }
        default -> randomTree(random, depth - 1);
        };
    }

    /** {@code node} as JSON text, members in a random order, random white space between tokens. */
    private static String write(JsonNode node, Random random) {
        String space = List.of("", " ", "\n  ", "\t").get(random.nextInt(4));
        if (node instanceof ObjectNode object) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            Collections.shuffle(names, random);
            List<String> members = new ArrayList<>();
            for (String name : names) {
                members.add(JsonNodeFactory.instance.textNode(name) + space + ":" + space + write(object.get(name), random));
            }
            return "{" + space + String.join("," + space, members) + space + "}";
        }
        if (node instanceof ArrayNode array) {
            List<String> elements = new ArrayList<>();
            array.elements().forEachRemaining(e -> elements.add(write(e, random)));
            return "[" + space + String.join("," + space, elements) + "]";
        }
        return node.toString();
    }
}
