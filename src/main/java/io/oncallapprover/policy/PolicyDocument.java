package io.oncallapprover.policy;

import java.io.IOException;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.resolver.Resolver;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.fasterxml.jackson.dataformat.yaml.util.StringQuotingChecker;

/**
 * Reading and writing policy documents (PRODUCT §2), as JSON or YAML. Reading only produces a {@link JsonNode} tree;
 * what it must hold is {@link PolicyParser}'s business. YAML is read by Jackson's streaming parser over SnakeYAML's
 * scanner: no SnakeYAML {@code Constructor} runs, so no Java type is ever built from a document. Every token is checked
 * before a tree exists: no YAML alias or tag, one document, no duplicate key, and within size, depth and length limits.
 */
public final class PolicyDocument {

    public static final int MAX_NESTING_DEPTH = 50;
    public static final int MAX_STRING_LENGTH = 10_000;
    public static final int MAX_NUMBER_LENGTH = 50;
    public static final int MAX_YAML_CODE_POINTS = 64 * 1024;

    private static final StreamReadConstraints LIMITS = StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH)
            .maxStringLength(MAX_STRING_LENGTH).maxNumberLength(MAX_NUMBER_LENGTH).build();

    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder().streamReadConstraints(LIMITS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build()).enable(SerializationFeature.INDENT_OUTPUT).build();

    /** Writes without the {@code ---} marker, with quotes only where a plain scalar would read differently. */
    private static final ObjectMapper YAML = YAMLMapper.builder(YAMLFactory.builder().loaderOptions(sizeLimit())
            .streamReadConstraints(LIMITS).enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS).stringQuotingChecker(new ResolverAwareQuoting()).build())
            .build();

    private PolicyDocument() {
    }

    /** The request body cannot be read as one JSON/YAML document. The message never holds the body. */
    public static final class UnreadablePolicyException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        public UnreadablePolicyException(String message) {
            super(message);
        }
    }

    /**
     * Parses a request body into a tree; a document holding only {@code null} reads as {@link NullNode}.
     *
     * @throws UnreadablePolicyException blank body, syntax error, duplicate key, a limit exceeded, several documents,
     *         a YAML tag or alias
     */
    public static JsonNode read(String body, boolean yaml) {
        if (body == null || body.isBlank()) {
            throw new UnreadablePolicyException("policy body is empty");
        }
        String format = yaml ? "YAML" : "JSON";
        try {
            try (JsonParser tokens = (yaml ? YAML : JSON).createParser(body)) {
                check(tokens, yaml);
            }
            return (yaml ? YAML : JSON).readTree(body);
        } catch (UnreadablePolicyException e) {
            throw e;
        } catch (StreamConstraintsException e) {
            throw new UnreadablePolicyException("policy body exceeds a limit (nesting depth " + MAX_NESTING_DEPTH
                    + ", string length " + MAX_STRING_LENGTH + ", number length " + MAX_NUMBER_LENGTH + ")");
        } catch (JsonProcessingException e) {
            if (e.getCause() instanceof YAMLException cause
                    && String.valueOf(cause.getMessage()).startsWith("The incoming YAML document exceeds")) {
                throw new UnreadablePolicyException("policy body exceeds the YAML size limit (" + MAX_YAML_CODE_POINTS + " characters)");
            }
            // Jackson's and SnakeYAML's messages quote the offending input: keep only where it is.
            throw new UnreadablePolicyException("policy body " + (String.valueOf(e.getOriginalMessage()).startsWith("Duplicate field")
                    ? "has a duplicate key" : "is not valid " + format) + at(e.getLocation()));
        } catch (IOException | RuntimeException e) { // anything unexpected from the YAML scanner
            throw new UnreadablePolicyException("policy body is not valid " + format);
        }
    }

    private static void check(JsonParser p, boolean yaml) throws IOException {
        int documents = 0;
        for (JsonToken token = p.nextToken(); token != null; token = p.nextToken()) {
            if (yaml && ((YAMLParser) p).isCurrentAlias()) { // else read as the plain string of the anchor's name
                throw new UnreadablePolicyException("policy body must not use YAML aliases" + at(p.currentTokenLocation()));
            }
            if (yaml && p.getTypeId() != null) {
                throw new UnreadablePolicyException("policy body must not use YAML tags" + at(p.currentTokenLocation()));
            }
            if (token == JsonToken.VALUE_EMBEDDED_OBJECT) {
                throw new UnreadablePolicyException("policy body must hold only objects, arrays, strings, numbers and booleans");
            }
            // The JSON parser enforces the string limit itself; the YAML parser does not.
            if ((token.isScalarValue() || token == JsonToken.FIELD_NAME)
                    && p.getTextLength() > (token.isNumeric() ? MAX_NUMBER_LENGTH : MAX_STRING_LENGTH)) {
                throw new StreamConstraintsException("too long");
            }
            if (p.getParsingContext().inRoot() && ++documents > 1) {
                throw new UnreadablePolicyException(yaml ? "policy body must hold exactly one YAML document"
                        : "policy body must hold exactly one JSON value");
            }
        }
        if (documents == 0) {
            throw new UnreadablePolicyException("policy body is empty");
        }
    }

    private static String at(JsonLocation location) {
        return location == null || location.getLineNr() < 1 ? ""
                : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    /** Of SnakeYAML's loader options only the scanner's size limit applies: the others are for its Composer, never run. */
    private static LoaderOptions sizeLimit() {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(MAX_YAML_CODE_POINTS);
        return options;
    }

    /**
     * The canonical tree of a policy: every field written, defaults included (resource name omitted when null). It is
     * the stored shape ({@link StoredRules}), so what is stored and what GET shows agree.
     */
    public static JsonNode toTree(AccessPolicy policy) {
        return JSON.valueToTree(StoredRules.of(policy));
    }

    public static String toJson(AccessPolicy policy) {
        return write(JSON, policy);
    }

    public static String toYaml(AccessPolicy policy) {
        return write(YAML, policy);
    }

    private static String write(ObjectMapper mapper, AccessPolicy policy) {
        try {
            return mapper.writeValueAsString(toTree(policy));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a policy", e);
        }
    }

    /**
     * Jackson's minimal quoting misses YAML 1.1 forms ({@code 0x1F}, {@code 1_000}, {@code .inf}, {@code yes}...): also
     * quote what SnakeYAML's resolver, which Jackson's YAML reader asks about every plain scalar, would not read back as
     * a string. (A scalar that cannot be plain at all is quoted by SnakeYAML's emitter.)
     */
    private static final class ResolverAwareQuoting extends StringQuotingChecker.Default {

        private static final long serialVersionUID = 1L;
        private static final Resolver RESOLVER = new Resolver();

        @Override
        public boolean needToQuoteValue(String value) {
            return super.needToQuoteValue(value) || !Tag.STR.equals(RESOLVER.resolve(NodeId.scalar, value, true));
        }
    }
}
