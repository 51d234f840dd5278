package io.oncallapprover.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which text a caller may send, and how a subject that no column may hold is escaped. */
class SafeTextTest {

    @ParameterizedTest
    @ValueSource(strings = { "\u0000", "\u0001", "\u0007", "\u001b", "\r", "\u000b", "\u000c", "\u007f", "\u0085", "\u009f",
            "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\ud800", "\udc00" })
    void refusesControlsBidiOverridesAndLoneSurrogates(String bad) {
        assertThat(SafeText.problem("before" + bad + "after")).isNotNull();
        assertThat(SafeText.problem(bad)).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "plain", "line one\nline two", "tab\tseparated", "émoji 😀 ok", "\u212Aate", "中文",
            "\u200f right-to-left mark is not an override", "\u00a0nbsp" })
    void acceptsOrdinaryText(String good) {
        assertThat(SafeText.problem(good)).isNull();
    }

    @Test
    void namesWhatIsWrong() {
        assertThat(SafeText.problem("a\u0000b")).contains("control characters").contains("U+0000");
        assertThat(SafeText.problem("a\u202eb")).contains("bidirectional").contains("U+202E");
        assertThat(SafeText.problem("a\ud800")).contains("surrogate");
    }

    @Test
    void escapesOnlyWhatItWouldRefuse() {
        assertThat(SafeText.escape("svc\u0000bot\u202e😀\n")).isEqualTo("svc\\u0000bot\\u202E😀\n");
        assertThat(SafeText.escape("ordinary")).isSameAs("ordinary");
        assertThat(SafeText.escape(null)).isNull();
        String long400 = "s".repeat(400);
        assertThat(SafeText.escape(long400)).isEqualTo(long400);
    }
}
