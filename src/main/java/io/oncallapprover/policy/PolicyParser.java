package io.oncallapprover.policy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import io.oncallapprover.common.Ids;
import io.oncallapprover.common.Emails;
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
 * Validates a policy document tree (from {@link PolicyDocument#read}) into an {@link AccessPolicy}.
 * Every problem is reported, each with the path of the offending field ({@code rules[2].approval[0].services[1]});
 * a document with any problem yields no policy. An explicit {@code null} counts as an absent field.
 */
public final class PolicyParser {

    public static final int MAX_RULES = 200;
    public static final int MAX_STEPS = 10;
    public static final int MAX_SERVICES = Ids.MAX_SCHEDULES;
    public static final int MAX_EMAIL_LENGTH = 254;

    /** The key of a rule's requester matcher; {@link #LEGACY_REQUESTER} is its old spelling, still accepted. */
    static final String REQUESTER = "requester";
    static final String LEGACY_REQUESTER = "requestor";
    public static final String INTEGRATION_INCIDENTIO = "incidentio";

    static final Pattern RULE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 _.:/-]{0,99}");
    static final Pattern SERVICE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 _.:/-]{0,99}");
    static final Pattern RESOURCE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 _.:/-]{0,199}");
    private static final Pattern EMAIL = Pattern.compile(Ids.EMAIL);
    private static final Pattern SCHEDULE_ID = Pattern.compile(Ids.SCHEDULE_ID);

    private static final String NAME_SHAPE = "letters, digits, spaces and _ . : / -, starting with a letter or digit";

    static final String REQUIRED = "is required";
    static final String UNKNOWN_FIELD = "is not a known field";
    static final String UNKNOWN_OPTION = "is not a known option";
    static final String MUST_BE_STRING = "must be a string";
    static final String MUST_BE_BOOLEAN = "must be a boolean";
    static final String MUST_BE_ARRAY = "must be an array";
    static final String MUST_BE_OBJECT = "must be an object";
    static final String NOT_EMPTY = "must not be empty";
    static final String ONLY_ON_ESCALATION = "is only allowed on escalation";

    /** Unknown keys are echoed in error paths; a hostile key is shortened. */
    private static final int MAX_KEY_IN_PATH = 64;

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

    public static Result parse(JsonNode root) {
        Errors errors = new Errors();
        List<Rule> rules = parseRoot(root, errors);
        if (!errors.list.isEmpty()) {
            return new Result(null, errors.list);
        }
        return new Result(new AccessPolicy(rules), List.of());
    }

    /** Every schedule id that the policy's escalation steps page, in order of first appearance. */
    public static Set<String> scheduleIds(AccessPolicy policy) {
        Set<String> ids = new LinkedHashSet<>();
        for (Rule rule : policy.rules()) {
            for (ApprovalStep step : rule.approval()) {
                if (step instanceof EscalationApproval escalation) {
                    ids.addAll(escalation.services());
                }
            }
        }
        return Collections.unmodifiableSet(ids);
    }

    // ---- document ------------------------------------------------------------------------------------

    private static List<Rule> parseRoot(JsonNode root, Errors errors) {
        if (root == null || !root.isObject()) {
            errors.add("body", MUST_BE_OBJECT);
            return List.of();
        }
        rejectUnknown(root, "", Set.of("rules"), errors);
        JsonNode rulesNode = present(root.get("rules"));
        if (rulesNode == null) {
            errors.add("rules", REQUIRED);
            return List.of();
        }
        if (!rulesNode.isArray()) {
            errors.add("rules", MUST_BE_ARRAY);
            return List.of();
        }
        if (rulesNode.size() > MAX_RULES) {
            // Not worth validating thousands of rules one by one: the document is refused anyway.
            errors.add("rules", "must have at most " + MAX_RULES + " rules");
            return List.of();
        }
        List<Rule> rules = new ArrayList<>();
        Map<String, String> seenNames = new HashMap<>();
        for (int i = 0; i < rulesNode.size(); i++) {
            String path = "rules[" + i + "]";
            Rule rule = parseRule(rulesNode.get(i), path, errors);
            if (rule != null && rule.name() != null) {
                String key = rule.name().trim().toLowerCase(Locale.ROOT);
                String earlier = seenNames.putIfAbsent(key, rule.name());
                if (earlier != null) {
                    errors.add(path + ".name", "duplicates rule '" + earlier + "'");
                }
            }
            rules.add(rule);
        }
        return rules;
    }

    /** Returns the rule, or null when it is invalid; its name may be null when the name itself was invalid. */
    private static Rule parseRule(JsonNode node, String path, Errors errors) {
        if (node == null || !node.isObject()) {
            errors.add(path, MUST_BE_OBJECT);
            return null;
        }
        int before = errors.size();
        rejectUnknown(node, path, Set.of("name", "disabled", REQUESTER, LEGACY_REQUESTER, "resource", "approval"), errors);

        String name = requiredString(node, path, "name", errors);
        if (name != null && !checkShape(name, RULE_NAME, 100, path + ".name", errors)) {
            name = null;
        }
        Boolean disabled = optionalBoolean(node, path, "disabled", errors);
        // "requester" is the word everywhere; "requestor", its first spelling, is still read.
        String requesterKey = node.has(REQUESTER) ? REQUESTER : LEGACY_REQUESTER;
        if (node.has(REQUESTER) && node.has(LEGACY_REQUESTER)) {
            errors.add(path + "." + LEGACY_REQUESTER, "give either requester or its old name requestor, not both");
        }
        RequesterMatcher requester = parseRequester(present(node.get(requesterKey)), path + "." + requesterKey, errors);
        ResourceMatcher resource = parseResource(present(node.get("resource")), path + ".resource", errors);
        List<ApprovalStep> approval = parseApproval(present(node.get("approval")), path + ".approval", errors);

        if (errors.size() > before) {
            // Still report the name for duplicate detection, so a later rule with the same name is flagged.
            return name == null ? null : new Rule(name, false, RequesterMatcher.ANY, ResourceMatcher.ANY, List.of());
        }
        return new Rule(name, Boolean.TRUE.equals(disabled), requester, resource, approval);
    }

    // ---- matchers ------------------------------------------------------------------------------------

    private static RequesterMatcher parseRequester(JsonNode node, String path, Errors errors) {
        if (node == null) {
            return RequesterMatcher.ANY;
        }
        if (!node.isObject()) {
            errors.add(path, MUST_BE_OBJECT);
            return null;
        }
        rejectUnknown(node, path, Set.of("type", "email"), errors);
        String type = requiredString(node, path, "type", errors);
        if (type == null) {
            return null;
        }
        switch (type) {
            case "any" -> {
                if (present(node.get("email")) != null) {
                    errors.add(path + ".email", "is only allowed with type user");
                }
                return RequesterMatcher.ANY;
            }
            case "user" -> {
                String raw = requiredString(node, path, "email", errors);
                if (raw == null) {
                    return null;
                }
                String email = Emails.normalize(raw);
                if (email == null) {
                    errors.add(path + ".email", NOT_EMPTY);
                    return null;
                }
                if (email.length() > MAX_EMAIL_LENGTH) {
                    errors.add(path + ".email", "must be at most " + MAX_EMAIL_LENGTH + " characters");
                    return null;
                }
                if (!EMAIL.matcher(email).matches()) {
                    errors.add(path + ".email", Ids.EMAIL_MESSAGE);
                    return null;
                }
                return new RequesterMatcher(RequesterType.USER, email);
            }
            default -> {
                errors.add(path + ".type", "must be one of: any, user");
                return null;
            }
        }
    }

    private static ResourceMatcher parseResource(JsonNode node, String path, Errors errors) {
        if (node == null) {
            return ResourceMatcher.ANY;
        }
        if (!node.isObject()) {
            errors.add(path, MUST_BE_OBJECT);
            return null;
        }
        rejectUnknown(node, path, Set.of("type", "service", "name"), errors);
        String type = requiredString(node, path, "type", errors);
        if (type == null) {
            return null;
        }
        switch (type) {
            case "any" -> {
                for (String field : List.of("service", "name")) {
                    if (present(node.get(field)) != null) {
                        errors.add(path + "." + field, "is only allowed with type service");
                    }
                }
                return ResourceMatcher.ANY;
            }
            case "service" -> {
                String service = requiredString(node, path, "service", errors);
                if (service != null && !checkShape(service, SERVICE_NAME, 100, path + ".service", errors)) {
                    service = null;
                }
                String name = optionalString(node, path, "name", errors);
                boolean nameOk = name == null || checkShape(name, RESOURCE_NAME, 200, path + ".name", errors);
                return service == null || !nameOk ? null : new ResourceMatcher(ResourceType.SERVICE, service, name);
            }
            default -> {
                errors.add(path + ".type", "must be one of: any, service");
                return null;
            }
        }
    }

    // ---- approval ------------------------------------------------------------------------------------

    private static List<ApprovalStep> parseApproval(JsonNode node, String path, Errors errors) {
        if (node == null) {
            errors.add(path, REQUIRED);
            return List.of();
        }
        if (!node.isArray()) {
            errors.add(path, MUST_BE_ARRAY);
            return List.of();
        }
        if (node.isEmpty()) {
            errors.add(path, NOT_EMPTY);
            return List.of();
        }
        if (node.size() > MAX_STEPS) {
            errors.add(path, "must have at most " + MAX_STEPS + " steps");
            return List.of();
        }
        List<ApprovalStep> steps = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            steps.add(parseStep(node.get(i), path + "[" + i + "]", errors));
        }
        return steps;
    }

    private static ApprovalStep parseStep(JsonNode node, String path, Errors errors) {
        if (!node.isObject()) {
            errors.add(path, MUST_BE_OBJECT);
            return null;
        }
        rejectUnknown(node, path, Set.of("type", "integration", "services", "options"), errors);

        String type = requiredString(node, path, "type", errors);
        if (type != null && !type.equals("auto") && !type.equals("escalation")) {
            errors.add(path + ".type", "must be one of: auto, escalation");
            type = null;
        }
        String integration = requiredString(node, path, "integration", errors);
        if (integration != null && !integration.equals(INTEGRATION_INCIDENTIO)) {
            errors.add(path + ".integration", "must be one of: " + INTEGRATION_INCIDENTIO);
        }

        JsonNode options = present(node.get("options"));
        if (options != null && !options.isObject()) {
            errors.add(path + ".options", MUST_BE_OBJECT);
            options = null;
        }
        String optionsPath = path + ".options";

        if ("auto".equals(type)) {
            if (present(node.get("services")) != null) {
                errors.add(path + ".services", ONLY_ON_ESCALATION);
            }
            if (options != null) {
                for (Iterator<String> it = options.fieldNames(); it.hasNext();) {
                    String key = it.next();
                    if (key.equals("allowOneParty")) {
                        errors.add(optionsPath + ".allowOneParty", ONLY_ON_ESCALATION);
                    } else if (!key.equals("requireReason")) {
                        errors.add(optionsPath + "." + pathKey(key), UNKNOWN_OPTION);
                    }
                }
            }
            Boolean requireReason = options == null ? null : optionalBoolean(options, optionsPath, "requireReason", errors);
            return new AutoApproval(Boolean.TRUE.equals(requireReason));
        }
        if ("escalation".equals(type)) {
            List<String> services = parseServices(present(node.get("services")), path + ".services", errors);
            if (options != null) {
                for (Iterator<String> it = options.fieldNames(); it.hasNext();) {
                    String key = it.next();
                    if (!key.equals("allowOneParty") && !key.equals("requireReason")) {
                        errors.add(optionsPath + "." + pathKey(key), UNKNOWN_OPTION);
                    }
                }
            }
            Boolean allowOneParty = options == null ? null : optionalBoolean(options, optionsPath, "allowOneParty", errors);
            Boolean requireReason = options == null ? null : optionalBoolean(options, optionsPath, "requireReason", errors);
            return services == null ? null
                    : new EscalationApproval(services, Boolean.TRUE.equals(allowOneParty), Boolean.TRUE.equals(requireReason));
        }
        // Unknown or missing type: what the step may hold is unknown, only its option names can be checked.
        if (options != null) {
            for (Iterator<String> it = options.fieldNames(); it.hasNext();) {
                String key = it.next();
                if (!key.equals("allowOneParty") && !key.equals("requireReason")) {
                    errors.add(optionsPath + "." + pathKey(key), UNKNOWN_OPTION);
                } else if (!options.get(key).isBoolean() && !options.get(key).isNull()) {
                    errors.add(optionsPath + "." + key, MUST_BE_BOOLEAN);
                }
            }
        }
        return null;
    }

    private static List<String> parseServices(JsonNode node, String path, Errors errors) {
        if (node == null) {
            errors.add(path, REQUIRED);
            return null;
        }
        if (!node.isArray()) {
            errors.add(path, MUST_BE_ARRAY);
            return null;
        }
        if (node.isEmpty()) {
            errors.add(path, NOT_EMPTY);
            return null;
        }
        if (node.size() > MAX_SERVICES) {
            errors.add(path, "must have at most " + MAX_SERVICES + " schedule ids");
            return null;
        }
        Set<String> ids = new LinkedHashSet<>();
        boolean ok = true;
        for (int i = 0; i < node.size(); i++) {
            JsonNode id = node.get(i);
            if (!id.isTextual()) {
                errors.add(path + "[" + i + "]", MUST_BE_STRING);
                ok = false;
            } else if (!SCHEDULE_ID.matcher(id.textValue()).matches()) {
                errors.add(path + "[" + i + "]", Ids.SCHEDULE_ID_MESSAGE);
                ok = false;
            } else {
                ids.add(id.textValue());
            }
        }
        return ok ? List.copyOf(ids) : null;
    }

    // ---- helpers -------------------------------------------------------------------------------------

    /** Null for an absent field and for an explicit {@code null}. */
    private static JsonNode present(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode() ? null : node;
    }

    private static String requiredString(JsonNode parent, String path, String field, Errors errors) {
        JsonNode node = present(parent.get(field));
        if (node == null) {
            errors.add(path + "." + field, REQUIRED);
            return null;
        }
        if (!node.isTextual()) {
            errors.add(path + "." + field, MUST_BE_STRING);
            return null;
        }
        return node.textValue();
    }

    private static String optionalString(JsonNode parent, String path, String field, Errors errors) {
        JsonNode node = present(parent.get(field));
        if (node == null) {
            return null;
        }
        if (!node.isTextual()) {
            errors.add(path + "." + field, MUST_BE_STRING);
            return null;
        }
        return node.textValue();
    }

    private static Boolean optionalBoolean(JsonNode parent, String path, String field, Errors errors) {
        JsonNode node = present(parent.get(field));
        if (node == null) {
            return null;
        }
        if (!node.isBoolean()) {
            errors.add(path + "." + field, MUST_BE_BOOLEAN);
            return null;
        }
        return node.booleanValue();
    }

    private static boolean checkShape(String value, Pattern shape, int maxLength, String path, Errors errors) {
        if (value.isEmpty()) {
            errors.add(path, NOT_EMPTY);
            return false;
        }
        if (value.length() > maxLength) {
            errors.add(path, "must be at most " + maxLength + " characters");
            return false;
        }
        if (!shape.matcher(value).matches()) {
            errors.add(path, "must contain only " + NAME_SHAPE);
            return false;
        }
        return true;
    }

    private static void rejectUnknown(JsonNode node, String path, Set<String> known, Errors errors) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
            String key = it.next();
            if (!known.contains(key)) {
                errors.add(path.isEmpty() ? pathKey(key) : path + "." + pathKey(key), UNKNOWN_FIELD);
            }
        }
    }

    private static String pathKey(String key) {
        return key.length() <= MAX_KEY_IN_PATH ? key : key.substring(0, MAX_KEY_IN_PATH) + "...";
    }

    private static final class Errors {

        final List<FieldError> list = new ArrayList<>();

        void add(String field, String message) {
            list.add(new FieldError(field, message));
        }

        int size() {
            return list.size();
        }
    }
}
