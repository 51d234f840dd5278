package io.oncallapprover.policy;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
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
import com.fasterxml.jackson.databind.type.CollectionType;

import io.oncallapprover.common.Emails;
import io.oncallapprover.common.Ids;
import io.oncallapprover.policy.AccessPolicy.ApprovalStep;
import io.oncallapprover.policy.AccessPolicy.AutoApproval;
import io.oncallapprover.policy.AccessPolicy.EscalationApproval;
import io.oncallapprover.policy.AccessPolicy.RequesterMatcher;
import io.oncallapprover.policy.AccessPolicy.RequesterType;
import io.oncallapprover.policy.AccessPolicy.ResourceMatcher;
import io.oncallapprover.policy.AccessPolicy.ResourceType;
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

    static final String REQUIRED = "is required";
    static final String NOT_EMPTY = "must not be empty";
    static final String OBJECT = "must be an object";
    static final String ONLY_ON_ESCALATION = "is only allowed on escalation";
    static final String INCIDENTIO = "incidentio";
    static final String NOT_INCIDENTIO = "must be one of: incidentio";
    static final String NAME = "[A-Za-z0-9][A-Za-z0-9 _.:/-]*";
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
    record RuleDoc(@NotNull(message = REQUIRED) @Size(min = 1, message = NOT_EMPTY) @Size(max = 100, message = "must be at most 100 characters")
            @Pattern(regexp = NAME, message = NAME_SHAPE) String name, Boolean disabled, @Valid Requester requester, @Valid Requester requestor,
            @Valid Resource resource, @NotNull(message = REQUIRED) @Size(min = 1, message = NOT_EMPTY)
            @Size(max = MAX_STEPS, message = "must have at most " + MAX_STEPS + " steps") List<@NotNull(message = OBJECT) @Valid Step> approval) {

        Rule model() {
            return new Rule(name, Boolean.TRUE.equals(disabled), (requester != null ? requester : requestor) instanceof UserRequester u
                    ? new RequesterMatcher(RequesterType.USER, u.email()) : RequesterMatcher.ANY,
                    resource instanceof ServiceResource s ? new ResourceMatcher(ResourceType.SERVICE, s.service(), s.name()) : ResourceMatcher.ANY,
                    approval.stream().map(Step::model).toList());
        }
    }

    /** Bound by {@code type} (see {@link #byType}): the key is known to all its records. */
    interface Typed {
    }

    interface Requester extends Typed {
    }

    record AnyRequester(@Null(message = "is only allowed with type user") Object email) implements Requester {
    }

    /** Emails are compared normalized, so they are checked and kept normalized. */
    record UserRequester(@NotNull(message = REQUIRED) @Size(min = 1, message = NOT_EMPTY) @Size(max = 254, message = "must be at most 254 characters")
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

    record AnyResource(@Null(message = "is only allowed with type service") Object service,
            @Null(message = "is only allowed with type service") Object name) implements Resource {
    }

    record ServiceResource(@NotNull(message = REQUIRED) @Size(min = 1, message = NOT_EMPTY) @Size(max = 100, message = "must be at most 100 characters")
            @Pattern(regexp = NAME, message = NAME_SHAPE) String service, @Size(min = 1, message = NOT_EMPTY)
            @Size(max = 200, message = "must be at most 200 characters") @Pattern(regexp = NAME, message = NAME_SHAPE) String name) implements Resource {
    }

    record UnknownResource(@NotNull(message = REQUIRED) @Pattern(regexp = "any|service", message = "must be one of: any, service") String type,
            Object service, Object name) implements Resource {
    }

    interface Step extends Typed {

        default ApprovalStep model() {
            throw new IllegalStateException("a step of unknown type has no model");
        }
    }

    record AutoStep(@NotNull(message = REQUIRED) @Pattern(regexp = INCIDENTIO, message = NOT_INCIDENTIO) String integration,
            @Null(message = ONLY_ON_ESCALATION) Object services, @Valid AutoOptions options) implements Step {

        public ApprovalStep model() {
            return new AutoApproval(options != null && Boolean.TRUE.equals(options.requireReason()));
        }
    }

    /** Schedule ids are kept once each, in order. */
    record EscalationStep(@NotNull(message = REQUIRED) @Pattern(regexp = INCIDENTIO, message = NOT_INCIDENTIO) String integration,
            @NotNull(message = REQUIRED) @Size(min = 1, message = NOT_EMPTY) @Size(max = MAX_SERVICES, message = "must have at most "
                    + MAX_SERVICES + " schedule ids") List<@NotNull(message = "must be a string")
                    @Pattern(regexp = Ids.SCHEDULE_ID, message = Ids.SCHEDULE_ID_MESSAGE) String> services, Options options) implements Step {

        public ApprovalStep model() {
            boolean oneParty = options != null && Boolean.TRUE.equals(options.allowOneParty());
            return new EscalationApproval(List.copyOf(new LinkedHashSet<>(services)), oneParty, options != null && Boolean.TRUE.equals(options.requireReason()));
        }
    }

    /** What a step of unknown type may hold is unknown: only its integration and option names are checked. */
    record UnknownStep(@NotNull(message = REQUIRED) @Pattern(regexp = "auto|escalation", message = "must be one of: auto, escalation") String type,
            @NotNull(message = REQUIRED) @Pattern(regexp = INCIDENTIO, message = NOT_INCIDENTIO) String integration, Object services,
            Options options) implements Step {
    }

    record AutoOptions(@Null(message = ONLY_ON_ESCALATION) Object allowOneParty, Boolean requireReason) {
    }

    record Options(Boolean allowOneParty, Boolean requireReason) {
    }

    // ---- parsing -----------------------------------------------------------------------------------

    /** Every value binds through {@link Expect}: only from its own JSON type; unknown keys are reported there. */
    private static final ObjectMapper BINDER = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).addModule(new SimpleModule() {
        {
            setDeserializers(new SimpleDeserializers(Map.of(
                    String.class, new Expect(StringDeserializer.instance, JsonToken.VALUE_STRING::equals),
                    Boolean.class, new Expect(NumberDeserializers.find(Boolean.class, Boolean.class.getName()), JsonToken::isBoolean),
                    Requester.class, byType(Requester.class, Map.of("any", AnyRequester.class, "user", UserRequester.class), UnknownRequester.class),
                    Resource.class, byType(Resource.class, Map.of("any", AnyResource.class, "service", ServiceResource.class), UnknownResource.class),
                    Step.class, byType(Step.class, Map.of("auto", AutoStep.class, "escalation", EscalationStep.class), UnknownStep.class))));
            setDeserializerModifier(new BeanDeserializerModifier() {
                @Override
                public JsonDeserializer<?> modifyDeserializer(DeserializationConfig config, BeanDescription bean, JsonDeserializer<?> d) {
                    return d instanceof BeanDeserializerBase ? new Expect(d, JsonToken.START_OBJECT::equals) : d;
                }

                @Override
                public JsonDeserializer<?> modifyCollectionDeserializer(DeserializationConfig config, CollectionType type, BeanDescription bean,
                        JsonDeserializer<?> d) {
                    return new Expect(d, JsonToken.START_ARRAY::equals);
                }
            });
        }
    }).build();

    private static final Validator VALIDATOR = Validation.buildDefaultValidatorFactory().getValidator();

    /** When several constraints of a field fail, the first in this order is reported. */
    private static final List<Class<?>> CONSTRAINT_ORDER = List.of(NotNull.class, Size.class, Pattern.class);

    /** Errors are listed by index; in an object, unknown keys first, then the fields in this order, duplicate names last. */
    private static final List<String> FIELD_ORDER = List.of("type", "email", "service", "integration", "services", "options",
            "allowOneParty", "requireReason", "name", "disabled", "requestor", "requester", "resource", "approval", "rules");

    public static Result parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            return new Result(null, List.of(new FieldError("body", OBJECT)));
        }
        List<FieldError> found = new ArrayList<>();
        for (int i = 0; i < root.path("rules").size(); i++) {
            if (root.path("rules").path(i).hasNonNull("requester") && root.path("rules").path(i).hasNonNull("requestor")) {
                found.add(new FieldError("rules[" + i + "].requestor", "give either requester or its old name requestor, not both"));
            }
        }
        Document doc;
        try {
            doc = BINDER.readerFor(Document.class).withAttribute(JsonNode.class, root).withAttribute(FieldError.class, found).readValue(root);
        } catch (IOException e) { // every value is read by Expect, which reports instead of failing: this would be a bug
            throw new IllegalStateException("cannot bind a policy document", e);
        }
        VALIDATOR.validate(doc).stream()
                .sorted(Comparator.comparingInt(v -> CONSTRAINT_ORDER.indexOf(v.getConstraintDescriptor().getAnnotation().annotationType())))
                .forEach(v -> found.add(new FieldError(path(v.getPropertyPath()), v.getMessage())));

        // The first error of a field, none under a field in error (what was not bound holds nothing more to report).
        Set<String> fields = new HashSet<>();
        List<FieldError> errors = new ArrayList<>();
        for (FieldError error : found) {
            String f = error.field();
            boolean under = false;
            for (int i = f.length(); i > 0 && !under; i = Math.max(f.lastIndexOf('.', i - 1), f.lastIndexOf('[', i - 1))) {
                under = fields.contains(f.substring(0, i));
            }
            if (!under && fields.add(f)) {
                errors.add(error);
            }
        }
        List<RuleDoc> rules = doc.rules() == null ? List.of() : doc.rules();
        Map<String, String> names = new HashMap<>();
        for (int i = 0; i < rules.size(); i++) {
            String name = rules.get(i) == null || fields.contains("rules[" + i + "].name") ? null : rules.get(i).name();
            String earlier = name == null ? null : names.putIfAbsent(name.trim().toLowerCase(Locale.ROOT), name);
            if (earlier != null) {
                errors.add(new FieldError("rules[" + i + "].name", "duplicates rule '" + earlier + "'"));
            }
        }
        errors.sort(Comparator.comparing(PolicyParser::sortKey));
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

        Expect(JsonDeserializer<?> delegate, Predicate<JsonToken> expected) {
            super(delegate);
            this.expected = expected;
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
            String path = path(p.getParsingContext());
            if (!expected.test(p.currentToken())) {
                errors.add(new FieldError(path.substring(1), type == String.class ? "must be a string" : type == Boolean.class
                        ? "must be a boolean" : Collection.class.isAssignableFrom(type) ? "must be an array" : OBJECT));
                p.skipChildren();
                return null;
            }
            if (type.isRecord()) {
                Set<String> known = Stream.of(type.getRecordComponents()).map(RecordComponent::getName).collect(Collectors.toSet());
                for (String key : (Iterable<String>) node(p, ctxt)::fieldNames) {
                    if (!known.contains(key) && !(key.equals("type") && Typed.class.isAssignableFrom(type))) {
                        errors.add(new FieldError((path + "." + (key.length() <= 64 ? key : key.substring(0, 64) + "...")).substring(1),
                                type == Options.class || type == AutoOptions.class ? "is not a known option" : "is not a known field"));
                    }
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

    /** The path of the value at a parser context (at the start of an object or array, its parent's), as {@code .rules[2].name}. */
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
            path += (node.getIndex() == null ? "" : "[" + node.getIndex() + "]") + (node.getKind() == ElementKind.PROPERTY ? "." + node.getName() : "");
        }
        return path.substring(1);
    }

    private static String sortKey(FieldError error) {
        StringBuilder key = new StringBuilder();
        String[] segments = error.field().split("\\.|(?=\\[)");
        for (int i = 0; i < segments.length; i++) {
            String s = segments[i];
            String last = i == segments.length - 1 ? error.message() : "";
            key.append(s.matches("\\[\\d{1,9}]") ? String.format("%09d/", Integer.parseInt(s.substring(1, s.length() - 1)))
                    : String.format("%02d/", last.startsWith("is not a known") ? 0 : last.startsWith("duplicates") ? 99 : FIELD_ORDER.indexOf(s) + 1));
        }
        return key.toString();
    }
}
