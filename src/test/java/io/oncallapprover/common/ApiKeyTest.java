package io.oncallapprover.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ApiKeyTest {

    private static final String SECRET = "inc_live_abcdefghijklmnopWXYZ";

    @Test
    void toStringDoesNotRevealTheKey() {
        ApiKey key = new ApiKey(SECRET);

        assertThat(key.toString())
                .doesNotContain(SECRET)
                .doesNotContain("inc_live")
                .doesNotContain("abcdefghijklmnop")
                .contains("WXYZ");
    }

    @Test
    void toStringShowsOnlyTheLastFourCharacters() {
        ApiKey key = new ApiKey(SECRET);

        assertThat(key.toString()).doesNotContain("pWXYZ");
        assertThat(key.toString()).isEqualTo("ApiKey[…WXYZ]");
    }

    @Test
    void hintIsTheLastFourCharacters() {
        assertThat(new ApiKey(SECRET).hint()).isEqualTo("WXYZ");
        assertThat(ApiKey.hintOf("12345")).isEqualTo("2345");
    }

    @Test
    void hintOfAVeryShortKeyRevealsNothing() {
        assertThat(new ApiKey("abcd").hint()).isEqualTo("****");
        assertThat(new ApiKey("ab").hint()).isEqualTo("****");
        assertThat(new ApiKey("abcd").toString()).doesNotContain("abcd");
    }

    @Test
    void revealGivesTheKey() {
        assertThat(new ApiKey(SECRET).reveal()).isEqualTo(SECRET);
    }

    @Test
    void equalityIsByValue() {
        assertThat(new ApiKey(SECRET)).isEqualTo(new ApiKey(SECRET)).hasSameHashCodeAs(new ApiKey(SECRET));
        assertThat(new ApiKey(SECRET)).isNotEqualTo(new ApiKey(SECRET + "x"));
    }

    @Test
    void nullIsRejected() {
        assertThatThrownBy(() -> new ApiKey(null)).isInstanceOf(NullPointerException.class);
    }
}
