package io.oncallapprover.policy;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.validation.Valid;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Null;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBase;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import com.fasterxml.jackson.databind.deser.std.NumberDeserializers;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleDeserializers;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.CollectionType;

import io.oncallapprover.common.Emails;
import io.oncallapprover.common.Ids;
import io.oncallapprover.policy.AccessPolicy.ApprovalStep;
import io.oncallapprover.policy.AccessPolicy.AutoApproval;
import io.oncallapprover.policy.AccessPolicy.EscalationApproval;
import io.oncallapprover.policy.AccessPolicy.PageMode;
import io.oncallapprover.policy.AccessPolicy.RequesterMatcher;
import io.oncallapprover.policy.AccessPolicy.RequesterType;
import io.oncallapprover.policy.AccessPolicy.ResourceMatcher;
import io.oncallapprover.policy.AccessPolicy.ResourceType;
import io.oncallapprover.policy.AccessPolicy.RotationFilter;
import io.oncallapprover.policy.AccessPolicy.Rule;
import io.oncallapprover.problem.FieldError;

/**
 * Turns a policy document tree (from {@link PolicyDocument#read}) into an {@link AccessPolicy}: Jackson binds it to the
 * records below (what it cannot bind, another JSON type or an unknown key, is reported by {@link Expect} and bound as
 * null), Bean Validation checks them, then two checks across rules. Every problem is reported, at most one per field,
 * with the path of its field ({@code rules[2].approval[0].services[1]}); a document with any problem yields no policy.
 * JSON null is an absent field.
 */
public final class PolicyParser {

    public static final int MAX_RULES = 200;
    public static final int MAX_STEPS = 10;
    public static final int MAX_SERVICES = Ids.MAX_SCHEDULES;
    public static final int MAX_ROTATIONS = 20;
    public static final int MAX_LAYERS = 20;

    static final String REQUIRED = "is required";
    static final String NOT_EMPTY = "must not be empty";
    static final String OBJECT = "must be an object";
    static final String AT_MOST = "must be at most ";
    static final String ONLY_ON_ESCALATION = "is only allowed on escalation";
    static final String ONLY_ON_AUTO = "is only allowed on auto";
    static final String ONLY_SERVICE = "is only allowed with type service";
    static final String INCIDENTIO = "incidentio";
    static final String NOT_INCIDENTIO = "must be one of: incidentio";
    static final String NAME = "[A-Za-z0-9][A-Za-z0-9 _.:/-]*";
    static final String STRING = "must be a string";
    static final String ROTATION_ID = "must be an incident.io rotation id (1-64 letters or digits)";
    static final String LAYER_ID = "must be an incident.io layer id (1-64 letters or digits)";
    static final String LAYERS_NEED_ROTATIONS = "is only allowed with rotations";
    static final String PAGE_MODES = "must be one of: incident, escalation";
    static final String ESCALATION_PATH_ID = "must be an incident.io escalation path id (1-64 letters or digits)";
    static final String PATH_NEEDS_ESCALATION_PAGE = "is only allowed with page: escalation";
    static final String NAME_SHAPE = "must contain only letters, digits, spaces and _ . : / -, starting with a letter or digit";

    private PolicyParser() {
    }

    /** The parsed policy, or every error found (then {@code policy} is null). */
    public record Result(AccessPolicy policy, List<FieldError> errors) {

        public Result {
            errors = List.copyOf(errors);
        }

        public boolean valid() {
            return errors.isEmpty();
        }
    }

    // ---- the document as bound --------------------------------------------------------------------

    record Document(@NotNull(message = REQUIRED) @Size(max = MAX_RULES, message = "must have at most " + MAX_RULES + " rules")
            List<@NotNull(message = OBJECT) @Valid RuleDoc> rules) {
    }

    /** {@code requestor}, the first spelling of {@code requester}, is still read. */
    record RuleDoc(
            @NotNull(message = REQUIRED) @Size(min = 1, message = NOT_EMPTY) @Size(max = 100, message = AT_MOST + "100 characters")
            @Pattern(regexp = NAME, message = NAME_SHAPE) String name,
            Boolean disabled,
            @Valid Requester requester,
            @Valid Requester requestor,
            @Valid Resource resource,
            @NotNull(message = REQUIRED) @Size(min = 1, message = NOT_EMPTY) @Size(max = MAX_STEPS, message = "must have at most "
                    + MAX_STEPS + " steps") List<@NotNull(message = OBJECT) @Valid Step> approval) {

        Rule model() {
            Requester who = requester != null ? requester : requestor;
            return new Rule(name, Boolean.TRUE.equals(disabled),
                    who instanceof UserRequester u ? new RequesterMatcher(RequesterType.USER, u.email()) : RequesterMatcher.ANY,
                    resource instanceof ServiceResource s ? new ResourceMatcher(ResourceType.SERVICE, s.service(), s.name())
                            : ResourceMatcher.ANY,
                    approval.stream().map(Step::model).toList());
        }
    }

    /** Bound by its {@code type} (see {@link #byType}), a key known to all its records. */
    interface Typed {
    }

    interface Requester extends Typed {
    }

    record AnyRequester(@Null(message = "is only allowed with type user") Object email) implements Requester {
    }

    /** Emails are compared normalized, so they are checked and kept normalized. */
    record UserRequester(
            @NotNull(message = REQUIRED) @Size(min = 1, message = NOT_EMPTY) @Size(max = 254, message = AT_MOST + "254 characters")
            @Pattern(regexp = Ids.EMAIL, message = Ids.EMAIL_MESSAGE) String email) implements Requester {

        UserRequester {
            email = email == null ? null : Objects.requireNonNullElse(Emails.normalize(email), "");
        }
    }

    record UnknownRequester(@NotNull(message = REQUIRED) @Pattern(regexp = "any|user", message = "must be one of: any, user") String type,
            Object email) implements Requester {
    }

    interface Resource extends Typed {
    }

    record AnyResource(@Null(message = ONLY_SERVICE) Object service, @Null(message = ONLY_SERVICE) Object name) implements Resource {
    }

    record ServiceResource(
            @NotNull(message = REQUIRED) @Size(min = 1, message = NOT_EMPTY) @Size(max = 100, message = AT_MOST + "100 characters")
            @Pattern(regexp = NAME, message = NAME_SHAPE) String service,
            @Size(min = 1, message = NOT_EMPTY) @Size(max = 200, message = AT_MOST + "200 characters")
            @Pattern(regexp = NAME, message = NAME_SHAPE) String name) implements Resource {
    }

    record UnknownResource(
            @NotNull(message = REQUIRED) @Pattern(regexp = "any|service", message = "must be one of: any, service") String type,
            Object service, Object name) implements Resource {
    }

    interface Step extends Typed {

        default ApprovalStep model() {
            throw new IllegalStateException("a step of unknown type has no model");
        }
    }

    /**
     * A step that may narrow the schedules it considers to some of their rotations and layers. Rotation and
     * layer ids are kept as written (a repeated id is harmless), so an error found against incident.io
     * names the index the document has.
     */
    interface FilteredStep extends Step {

        List<String> rotations();

        List<String> layers();

        default RotationFilter filter() {
            return RotationFilter.of(rotations(), layers());
        }
    }

    record AutoStep(@NotNull(message = REQUIRED) @Pattern(regexp = INCIDENTIO, message = NOT_INCIDENTIO) String integration,
            @Null(message = ONLY_ON_ESCALATION) Object services,
            @Size(min = 1, message = NOT_EMPTY) @Size(max = MAX_ROTATIONS, message = "must have at most " + MAX_ROTATIONS
                    + " rotation ids") List<@NotNull(message = STRING) @Pattern(regexp = Ids.INCIDENTIO_ID, message = ROTATION_ID) String> rotations,
            @Size(min = 1, message = NOT_EMPTY) @Size(max = MAX_LAYERS, message = "must have at most " + MAX_LAYERS
                    + " layer ids") List<@NotNull(message = STRING) @Pattern(regexp = Ids.INCIDENTIO_ID, message = LAYER_ID) String> layers,
            @Valid AutoOptions options) implements FilteredStep {

        public ApprovalStep model() {
            return new AutoApproval(options != null && Boolean.TRUE.equals(options.requireReason()),
                    options != null && Boolean.TRUE.equals(options.grantUntilShiftEnd()), filter());
        }
    }

    /** Schedule ids are kept once each, in order. */
    record EscalationStep(@NotNull(message = REQUIRED) @Pattern(regexp = INCIDENTIO, message = NOT_INCIDENTIO) String integration,
            @NotNull(message = REQUIRED) @Size(min = 1, message = NOT_EMPTY) @Size(max = MAX_SERVICES, message = "must have at most "
                    + MAX_SERVICES + " schedule ids") List<@NotNull(message = STRING)
                    @Pattern(regexp = Ids.SCHEDULE_ID, message = Ids.SCHEDULE_ID_MESSAGE) String> services,
            @Size(min = 1, message = NOT_EMPTY) @Size(max = MAX_ROTATIONS, message = "must have at most " + MAX_ROTATIONS
                    + " rotation ids") List<@NotNull(message = STRING) @Pattern(regexp = Ids.INCIDENTIO_ID, message = ROTATION_ID) String> rotations,
            @Size(min = 1, message = NOT_EMPTY) @Size(max = MAX_LAYERS, message = "must have at most " + MAX_LAYERS
                    + " layer ids") List<@NotNull(message = STRING) @Pattern(regexp = Ids.INCIDENTIO_ID, message = LAYER_ID) String> layers,
            @Valid Options options) implements FilteredStep {

        public ApprovalStep model() {
            Options o = options != null ? options : new Options(null, null, null, null, null);
            return new EscalationApproval(List.copyOf(new LinkedHashSet<>(services)), Boolean.TRUE.equals(o.allowOneParty()),
                    Boolean.TRUE.equals(o.requireReason()), filter(),
                    "escalation".equals(o.page()) ? PageMode.ESCALATION : PageMode.INCIDENT, o.escalationPath());
        }
    }

    /** What a step of unknown type may hold is unknown: only its integration and option names are checked. */
    record UnknownStep(
            @NotNull(message = REQUIRED) @Pattern(regexp = "auto|escalation", message = "must be one of: auto, escalation") String type,
            @NotNull(message = REQUIRED) @Pattern(regexp = INCIDENTIO, message = NOT_INCIDENTIO) String integration,
            Object services, Object rotations, Object layers, Options options) implements Step {
    }

    record AutoOptions(@Null(message = ONLY_ON_ESCALATION) Object allowOneParty, Boolean requireReason,
            Boolean grantUntilShiftEnd, @Null(message = ONLY_ON_ESCALATION) Object page,
            @Null(message = ONLY_ON_ESCALATION) Object escalationPath) {
    }

    /** {@code page}: how the step pages (incident, the default, or escalation); {@code escalationPath}: whom an escalation pages. */
    record Options(Boolean allowOneParty, Boolean requireReason, @Null(message = ONLY_ON_AUTO) Object grantUntilShiftEnd,
            @Pattern(regexp = "incident|escalation", message = PAGE_MODES) String page,
            @Pattern(regexp = Ids.INCIDENTIO_ID, message = ESCALATION_PATH_ID) String escalationPath) {
    }

    // ---- parsing -----------------------------------------------------------------------------------

    /** Every value binds through {@link Expect}: only from its own JSON type; unknown keys are reported there. */
    private static final ObjectMapper BINDER = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .addModule(new SimpleModule() {
                {
                    setDeserializers(new SimpleDeserializers(Map.of(
                            String.class, new Expect(StringDeserializer.instance, JsonToken.VALUE_STRING::equals),
                            Boolean.class, new Expect(NumberDeserializers.find(Boolean.class, "java.lang.Boolean"), JsonToken::isBoolean),
                            Requester.class, byType(Requester.class, Map.of("any", AnyRequester.class, "user", UserRequester.class),
                                    UnknownRequester.class),
                            Resource.class, byType(Resource.class, Map.of("any", AnyResource.class, "service", ServiceResource.class),
                                    UnknownResource.class),
                            Step.class, byType(Step.class, Map.of("auto", AutoStep.class, "escalation", EscalationStep.class),
                                    UnknownStep.class))));
                    setDeserializerModifier(new BeanDeserializerModifier() {
                        @Override
                        public JsonDeserializer<?> modifyDeserializer(DeserializationConfig config, BeanDescription bean,
                                JsonDeserializer<?> d) {
                            return d instanceof BeanDeserializerBase ? new Expect(d, JsonToken.START_OBJECT::equals) : d;
                        }

                        @Override
                        public JsonDeserializer<?> modifyCollectionDeserializer(DeserializationConfig config, CollectionType type,
                                BeanDescription bean, JsonDeserializer<?> d) {
                            return new Expect(d, JsonToken.START_ARRAY::equals);
                        }
                    });
                }
            }).build();

    private static final Validator VALIDATOR = Validation.buildDefaultValidatorFactory().getValidator();

    private static final List<Class<?>> CONSTRAINT_ORDER = List.of(NotNull.class, Size.class, Pattern.class);

    /** Errors are listed by index; in an object, unknown keys first, then the fields in this order, duplicate names last. */
    private static final List<String> FIELD_ORDER = List.of("type", "email", "service", "integration", "services", "rotations", "layers", "options",
            "allowOneParty", "requireReason", "grantUntilShiftEnd", "page", "escalationPath", "name", "disabled", "requestor", "requester", "resource", "approval", "rules");

    public static Result parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            return new Result(null, List.of(new FieldError("body", OBJECT)));
        }
        List<FieldError> found = new ArrayList<>();
        JsonNode tree = root.deepCopy();
        for (int i = 0; i < tree.path("rules").size(); i++) {
            if (tree.path("rules").path(i).hasNonNull("requester") && tree.path("rules").path(i).hasNonNull("requestor")) {
                found.add(new FieldError("rules[" + i + "].requestor", "give either requester or its old name requestor, not both"));
                ((ObjectNode) tree.path("rules").path(i)).remove("requestor"); // and only requester is read
            }
        }
        Document doc;
        try {
            doc = BINDER.readerFor(Document.class).withAttribute(JsonNode.class, tree).withAttribute(FieldError.class, found)
                    .readValue(tree);
        } catch (IOException e) { // every value is read by Expect, which reports instead of failing: this would be a bug
            throw new IllegalStateException("cannot bind a policy document", e);
        }
        VALIDATOR.validate(doc).stream() // of several failed constraints of a field, the first in CONSTRAINT_ORDER is reported
                .sorted(Comparator.comparingInt(v -> CONSTRAINT_ORDER.indexOf(v.getConstraintDescriptor().getAnnotation().annotationType())))
                .forEach(violation -> found.add(new FieldError(path(violation.getPropertyPath()), violation.getMessage())));

        Set<String> fields = new HashSet<>(); // one error per field: what Jackson reported, or the first constraint
        List<FieldError> errors = new ArrayList<>(found.stream().filter(error -> fields.add(error.field())).toList());
        List<RuleDoc> rules = doc.rules() == null ? List.of() : doc.rules();
        Map<String, String> names = new HashMap<>();
        for (int i = 0; i < rules.size(); i++) {
            String name = rules.get(i) == null || fields.contains("rules[" + i + "].name") ? null : rules.get(i).name();
            String earlier = name == null ? null : names.putIfAbsent(name.trim().toLowerCase(Locale.ROOT), name);
            if (earlier != null) {
                errors.add(new FieldError("rules[" + i + "].name", "duplicates rule '" + earlier + "'"));
            }
        }
        for (int i = 0; i < rules.size(); i++) {
            List<Step> steps = rules.get(i) == null || rules.get(i).approval() == null ? List.of() : rules.get(i).approval();
            for (int j = 0; j < steps.size(); j++) {
                String at = "rules[" + i + "].approval[" + j + "].";
                // rotations of the wrong type bind as null, and are reported as such: the layers are not blamed too
                if (steps.get(j) instanceof FilteredStep step && step.layers() != null && step.rotations() == null
                        && !fields.contains(at + "rotations") && !fields.contains(at + "layers")) {
                    errors.add(new FieldError(at + "layers", LAYERS_NEED_ROTATIONS));
                }
                // an escalation path pages only as an escalation: with an incident it would be silently ignored
                if (steps.get(j) instanceof EscalationStep step && step.options() != null && step.options().escalationPath() != null
                        && !"escalation".equals(step.options().page()) && !fields.contains(at + "options.escalationPath")
                        && !fields.contains(at + "options.page")) {
                    errors.add(new FieldError(at + "options.escalationPath", PATH_NEEDS_ESCALATION_PAGE));
                }
            }
        }
        // A list over its limit is refused as a whole, not element by element.
        List<String> tooLong = errors.stream().filter(error -> error.message().startsWith("must have at most"))
                .map(error -> error.field() + "[").toList();
        errors.removeIf(error -> tooLong.stream().anyMatch(error.field()::startsWith));
        errors.sort((a, b) -> Arrays.compare(sortKey(a), sortKey(b)));
        return new Result(errors.isEmpty() ? new AccessPolicy(rules.stream().map(RuleDoc::model).toList()) : null, errors);
    }

    /** Every schedule id that the policy's escalation steps page, in order of first appearance. */
    public static Set<String> scheduleIds(AccessPolicy policy) {
        Set<String> ids = policy.rules().stream().flatMap(rule -> rule.approval().stream())
                .flatMap(step -> step instanceof EscalationApproval e ? e.services().stream() : Stream.empty())
                .collect(Collectors.toCollection(LinkedHashSet::new));
        return Collections.unmodifiableSet(ids);
    }

    /**
     * Reads a value only from its own JSON type, never coerced: another type is reported at its path and binds as null.
     * Reports the unknown keys of a record, which Jackson then skips.
     */
    private static final class Expect extends DelegatingDeserializer {

        private static final long serialVersionUID = 1L;
        private final transient Predicate<JsonToken> expected;
        private final transient Set<String> keys; // of a record: its components, and its type if bound by type

        Expect(JsonDeserializer<?> delegate, Predicate<JsonToken> expected) {
            super(delegate);
            this.expected = expected;
            Class<?> type = delegate.handledType();
            this.keys = !type.isRecord() ? null : Stream.concat(Stream.of(type.getRecordComponents()).map(RecordComponent::getName),
                    Typed.class.isAssignableFrom(type) ? Stream.of("type") : Stream.empty()).collect(Collectors.toSet());
        }

        @Override
        protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> delegate) {
            return new Expect(delegate, expected);
        }

        @Override
        public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            @SuppressWarnings("unchecked")
            List<FieldError> errors = (List<FieldError>) ctxt.getAttribute(FieldError.class);
            Class<?> type = handledType();
            if (!expected.test(p.currentToken())) {
                errors.add(new FieldError(path(p.getParsingContext()).substring(1), type == String.class ? "must be a string" : type
                        == Boolean.class ? "must be a boolean" : Collection.class.isAssignableFrom(type) ? "must be an array" : OBJECT));
                p.skipChildren();
                return null;
            }
            for (String key : keys == null ? List.<String> of() : (Iterable<String>) node(p, ctxt)::fieldNames) {
                if (!keys.contains(key)) {
                    String shown = key.length() <= 64 ? key : key.substring(0, 64) + "..."; // a hostile key is shortened
                    errors.add(new FieldError((path(p.getParsingContext()) + "." + shown).substring(1),
                            type == Options.class || type == AutoOptions.class ? "is not a known option" : "is not a known field"));
                }
            }
            return _delegatee.deserialize(p, ctxt);
        }
    }

    /**
     * Binds a matcher or step as the record of its {@code type}, or as the unknown-type record when the type is missing,
     * unknown or not a string. The type is looked up in the tree: nothing is read ahead (which would lose the paths).
     */
    private static <T> JsonDeserializer<T> byType(Class<T> base, Map<String, Class<? extends T>> types, Class<? extends T> unknown) {
        return new StdDeserializer<>(base) {
            @Override
            public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                String type = Objects.requireNonNullElse(node(p, ctxt).path("type").textValue(), "");
                return ctxt.readValue(p, types.getOrDefault(type, unknown));
            }
        };
    }

    /** The node the parser is at, in the tree being bound. */
    private static JsonNode node(JsonParser p, DeserializationContext ctxt) {
        return ((JsonNode) ctxt.getAttribute(JsonNode.class)).at(p.getParsingContext().pathAsPointer());
    }

    /** The path of the value at a parser context (at the start of an object or array: its parent), as {@code .rules[2].name}. */
    private static String path(JsonStreamContext context) {
        String path = "";
        for (JsonStreamContext c = context; c != null; c = c.getParent()) {
            path = (!c.hasPathSegment() ? "" : c.inArray() ? "[" + c.getCurrentIndex() + "]" : "." + c.getCurrentName()) + path;
        }
        return path;
    }

    private static String path(Path violation) {
        String path = "";
        for (Path.Node node : violation) {
            path += (node.getIndex() == null ? "" : "[" + node.getIndex() + "]")
                    + (node.getKind() == ElementKind.PROPERTY ? "." + node.getName() : "");
        }
        return path.substring(1);
    }

    private static int[] sortKey(FieldError error) {
        String[] segments = error.field().split("\\.|(?=\\[)");
        int[] key = new int[segments.length];
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            String last = i == segments.length - 1 ? error.message() : "";
            key[i] = segment.matches("\\[\\d{1,9}]") ? Integer.parseInt(segment, 1, segment.length() - 1, 10)
                    : last.startsWith("is not a known") ? -1 : last.startsWith("duplicates") ? 99 : FIELD_ORDER.indexOf(segment);
        }
        return key;
    }
}
