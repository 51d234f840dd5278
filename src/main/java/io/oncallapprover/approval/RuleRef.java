package io.oncallapprover.approval;


/**
 * The rule and step an answer rests on: {@code policy} says which policy it was read from
 * ({@code current}: the policy in force now; {@code frozen}: the rules a request matched when it was
 * made), {@code rule} its name (null when no matching rule of that policy has a step that applies),
 * {@code step} the index of the step in the rule's {@code approval}
 * list (null when the answer is about the rule as a whole).
 */
public record RuleRef(String policy, String rule, Integer step) {

    public static final String CURRENT = "current";
    public static final String FROZEN = "frozen";
}
