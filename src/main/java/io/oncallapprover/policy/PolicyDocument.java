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
 * Reading and writing policy documents (PRODUCT §2), as JSON or YAML. Reading only produces a
 * {@link JsonNode} tree; what the tree must look like is {@link PolicyParser}'s business.
 *
 * <p>
 * YAML is read with Jackson's streaming YAML parser, which only turns SnakeYAML parser events into
 * tokens: no SnakeYAML {@code Constructor} ever runs, so no Java type is ever instantiated from a
 * document. On top of that, anything a policy never needs is refused outright: explicit tags
 * ({@code !!java.lang.ProcessBuilder}, {@code !!str}, {@code !local}), aliases ({@code *name}, which
 * Jackson would otherwise silently read as the string {@code "name"}), and more than one document.
 */
public final class PolicyDocument {

    public static final int MAX_NESTING_DEPTH = 50;
    public static final int MAX_STRING_LENGTH = 10_000;
    public static final int MAX_NUMBER_LENGTH = 50;
    public static final int MAX_YAML_CODE_POINTS = 64 * 1024;

    private static final StreamReadConstraints CONSTRAINTS = StreamReadConstraints.builder()
            .maxNestingDepth(MAX_NESTING_DEPTH)
            .maxStringLength(MAX_STRING_LENGTH)
            .maxNumberLength(MAX_NUMBER_LENGTH)
            .build();

    private static final JsonFactory JSON_FACTORY = JsonFactory.builder()
            .streamReadConstraints(CONSTRAINTS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private static final YAMLFactory YAML_FACTORY = YAMLFactory.builder()
            .loaderOptions(loaderOptions())
            .streamReadConstraints(CONSTRAINTS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private static final ObjectMapper JSON_READER = JsonMapper.builder(JSON_FACTORY).build();
    private static final ObjectMapper YAML_READER = YAMLMapper.builder(YAML_FACTORY).build();

    private static final ObjectMapper JSON_WRITER = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();
    private static final ObjectMapper YAML_WRITER = yamlWriter(new ResolverAwareQuotingChecker());
    private static final ObjectMapper YAML_VERIFIER = YAMLMapper.builder(YAMLFactory.builder()
            .loaderOptions(unlimitedLoaderOptions())
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH + 5).build())
            .build()).build();
    /** Fallback when minimal quoting would not read back identically (never seen; a guarantee). */
    private static final ObjectMapper YAML_WRITER_QUOTED = yamlWriter(new QuoteEverything());

    private PolicyDocument() {
    }

    /** The request body cannot be read as one JSON/YAML document. The message never holds the body. */
    public static final class UnreadablePolicyException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        public UnreadablePolicyException(String message) {
            super(message);
        }
    }

    // ---- reading -------------------------------------------------------------------------------------

    /**
     * Parses a request body into a tree. Never returns null: a document holding only {@code null}
     * reads as {@link NullNode} (which {@link PolicyParser} refuses as "must be an object").
     *
     * @throws UnreadablePolicyException blank body, syntax error, duplicate key, a limit exceeded,
     *         several YAML documents, a YAML tag or alias
     */
    public static JsonNode read(String body, boolean yaml) {
        if (body == null || body.isBlank()) {
            throw new UnreadablePolicyException("policy body is empty");
        }
        String format = yaml ? "YAML" : "JSON";
        JsonFactory factory = yaml ? YAML_FACTORY : JSON_FACTORY;
        try {
            // Pass 1: every token, checked (tags, aliases, documents, string lengths) before any tree exists.
            int documents = scan(factory, body, yaml);
            if (documents == 0) {
                throw new UnreadablePolicyException("policy body is empty");
            }
            if (documents > 1) {
                throw new UnreadablePolicyException(yaml ? "policy body must hold exactly one YAML document"
                        : "policy body must hold exactly one JSON value");
            }
            // Pass 2: the tree.
            try (JsonParser parser = factory.createParser(body)) {
                JsonNode tree = (yaml ? YAML_READER : JSON_READER).readTree(parser);
                if (parser.nextToken() != null) { // belt and braces: pass 1 already counted documents
                    throw new UnreadablePolicyException("policy body must hold exactly one " + format + " document");
                }
                return tree == null || tree.isMissingNode() ? NullNode.getInstance() : tree;
            }
        } catch (UnreadablePolicyException e) {
            throw e;
        } catch (StreamConstraintsException e) {
            throw new UnreadablePolicyException("policy body exceeds a limit (nesting depth " + MAX_NESTING_DEPTH
                    + ", string length " + MAX_STRING_LENGTH + ", number length " + MAX_NUMBER_LENGTH + ")");
        } catch (JsonProcessingException e) {
            if (yaml && e.getCause() instanceof YAMLException cause && cause.getMessage() != null
                    && cause.getMessage().startsWith("The incoming YAML document exceeds the limit")) {
                throw new UnreadablePolicyException(
                        "policy body exceeds the YAML size limit (" + MAX_YAML_CODE_POINTS + " characters)");
            }
            // Jackson's and SnakeYAML's messages quote the offending input: keep only where it is.
            String what = e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field")
                    ? "has a duplicate key"
                    : "is not valid " + format;
            throw new UnreadablePolicyException("policy body " + what + at(e.getLocation()));
        } catch (IOException | RuntimeException e) {
            // e.g. SnakeYAML's code point limit, or anything unexpected from the YAML scanner.
            throw new UnreadablePolicyException("policy body is not valid " + format);
        }
    }

    private static int scan(JsonFactory factory, String body, boolean yaml) throws IOException {
        int documents = 0;
        int depth = 0;
        try (JsonParser p = factory.createParser(body)) {
            JsonToken token;
            while ((token = p.nextToken()) != null) {
                if (yaml) {
                    YAMLParser y = (YAMLParser) p;
                    if (y.isCurrentAlias()) {
                        throw new UnreadablePolicyException(
                                "policy body must not use YAML aliases" + at(p.currentTokenLocation()));
                    }
                    if (y.getTypeId() != null) {
                        throw new UnreadablePolicyException(
                                "policy body must not use YAML tags" + at(p.currentTokenLocation()));
                    }
                }
                switch (token) {
                    case START_OBJECT, START_ARRAY -> depth++;
                    case END_OBJECT, END_ARRAY -> depth--;
                    case FIELD_NAME, VALUE_STRING -> {
                        // The JSON parser enforces maxStringLength itself; the YAML parser does not.
                        if (p.getTextLength() > MAX_STRING_LENGTH) {
                            throw new StreamConstraintsException("string too long");
                        }
                    }
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                        if (p.getTextLength() > MAX_NUMBER_LENGTH) {
                            throw new StreamConstraintsException("number too long");
                        }
                    }
                    case VALUE_EMBEDDED_OBJECT -> throw new UnreadablePolicyException(
                            "policy body must hold only objects, arrays, strings, numbers and booleans");
                    default -> {
                        // scalars
                    }
                }
                if (depth == 0 && token != JsonToken.FIELD_NAME) {
                    documents++;
                    if (documents > 1) {
                        return documents;
                    }
                }
            }
        }
        return documents;
    }

    private static String at(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return "";
        }
        return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    private static LoaderOptions loaderOptions() {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(10);
        options.setNestingDepthLimit(MAX_NESTING_DEPTH);
        options.setCodePointLimit(MAX_YAML_CODE_POINTS);
        options.setAllowDuplicateKeys(false);
        options.setAllowRecursiveKeys(false);
        return options;
    }

    private static LoaderOptions unlimitedLoaderOptions() {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(Integer.MAX_VALUE);
        return options;
    }

    // ---- writing -------------------------------------------------------------------------------------

    /**
     * The canonical tree of a policy: every field written, defaults included (resource name omitted
     * when null). It is the stored shape ({@link StoredRules}), so what is stored and what GET shows agree.
     */
    public static JsonNode toTree(AccessPolicy policy) {
        return JSON_WRITER.valueToTree(StoredRules.of(policy));
    }

    public static String toJson(AccessPolicy policy) {
        try {
            return JSON_WRITER.writeValueAsString(toTree(policy));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write policy as JSON", e);
        }
    }

    /** YAML without the {@code ---} marker and with quotes only where a plain scalar would read differently. */
    public static String toYaml(AccessPolicy policy) {
        JsonNode tree = toTree(policy);
        try {
            String yaml = YAML_WRITER.writeValueAsString(tree);
            if (readsBackAs(yaml, tree)) {
                return yaml;
            }
            return YAML_WRITER_QUOTED.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write policy as YAML", e);
        }
    }

    /**
     * Our own output, read back without the size limits of {@link #read} (a large stored policy may
     * exceed them): any scalar that reads differently (a number, a boolean, an alias's anchor name, a
     * tag dropped) makes the trees differ.
     */
    private static boolean readsBackAs(String yaml, JsonNode tree) {
        try {
            return tree.equals(YAML_VERIFIER.readTree(yaml));
        } catch (JsonProcessingException | RuntimeException e) {
            return false;
        }
    }

    private static ObjectMapper yamlWriter(StringQuotingChecker quoting) {
        YAMLFactory factory = YAMLFactory.builder()
                .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                .stringQuotingChecker(quoting)
                .build();
        return YAMLMapper.builder(factory).build();
    }

    /**
     * Jackson's default minimal quoting misses YAML 1.1 forms its own reader resolves to non-strings
     * ({@code 0x1F}, {@code 1_000}, {@code .inf}, {@code 0o17}...): also quote whatever SnakeYAML's
     * resolver would not read back as a plain string.
     */
    private static final class ResolverAwareQuotingChecker extends StringQuotingChecker.Default {

        private static final long serialVersionUID = 1L;
        private static final Resolver RESOLVER = new Resolver();

        @Override
        public boolean needToQuoteValue(String value) {
            return super.needToQuoteValue(value) || !Tag.STR.equals(RESOLVER.resolve(NodeId.scalar, value, true));
        }
    }

    private static final class QuoteEverything extends StringQuotingChecker.Default {

        private static final long serialVersionUID = 1L;

        @Override
        public boolean needToQuoteValue(String value) {
            return true;
        }
    }
}
