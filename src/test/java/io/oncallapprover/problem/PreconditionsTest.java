package io.oncallapprover.problem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** If-Match as RFC 9110 reads it: strong comparison, lists, {@code *}, no header. Pure. */
class PreconditionsTest {

    @Test
    void noHeaderIsNoCondition() {
        assertThat(Preconditions.matches(null, "\"3\"")).isTrue();
        assertThat(Preconditions.matches("  ", null)).isTrue();
    }

    @Test
    void aListedStrongTagMatchesAWeakOneNever() {
        assertThat(Preconditions.matches("\"3\"", "\"3\"")).isTrue();
        assertThat(Preconditions.matches("\"2\", \"3\"", "\"3\"")).isTrue();
        assertThat(Preconditions.matches("\"2\"", "\"3\"")).isFalse();
        assertThat(Preconditions.matches("W/\"3\"", "\"3\"")).isFalse();
        assertThat(Preconditions.matches("3", "\"3\"")).as("a tag is quoted").isFalse();
        assertThat(Preconditions.matches("\"3\"", null)).as("nothing stored").isFalse();
    }

    @Test
    void aStarMatchesAnyCurrentDocumentButNone() {
        assertThat(Preconditions.matches("*", "\"9\"")).isTrue();
        assertThat(Preconditions.matches("*", null)).isFalse();
    }

    @Test
    void tagsFollowTheContentAndTheVersion() {
        assertThat(Preconditions.tagOf("a", "b")).isEqualTo(Preconditions.tagOf("a", "b")).isNotEqualTo(Preconditions.tagOf("ab", ""))
                .isNotEqualTo(Preconditions.tagOf("a", null)).startsWith("\"").endsWith("\"");
        assertThat(Preconditions.tagOf(7)).isEqualTo("\"7\"");
        assertThatThrownBy(() -> Preconditions.require("\"1\"", "\"2\"", "access policy")).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.getMessage()).contains("access policy").contains("\"2\""));
    }
}
