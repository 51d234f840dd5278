package io.oncallapprover.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Cursors round-trip, and one of another kind or shape, or not base64 at all, does not decode. */
class OpaqueCursorTest {

    @Test
    void aCursorDecodesOnlyAsItsOwnKindAndShape() {
        String audit = OpaqueCursor.encode("au1:", "2026-03-04T12:00:00Z", 42L);
        assertThat(OpaqueCursor.decode("au1:", audit, 2)).contains(List.of("2026-03-04T12:00:00Z", "42"));
        assertThat(OpaqueCursor.decode("ev1:", audit, 2)).as("another kind").isEmpty();
        assertThat(OpaqueCursor.decode("au1:", audit, 1)).as("another shape").isEmpty();
        assertThat(OpaqueCursor.decode("", OpaqueCursor.encode("", "a", "b"), 2)).contains(List.of("a", "b"));
        assertThat(OpaqueCursor.decode("ev1:", "not base64!", 1)).isEmpty();
        assertThat(OpaqueCursor.decode("ev1:", OpaqueCursor.encode("ev1:", 7), 1)).contains(List.of("7"));
    }
}
