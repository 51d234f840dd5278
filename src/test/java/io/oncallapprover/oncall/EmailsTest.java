package io.oncallapprover.oncall;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The same person: equal after trimming and ASCII case folding, nothing else. */
class EmailsTest {

    @ParameterizedTest
    @CsvSource({ "kate@example.com, KATE@Example.COM", "' ada@example.com ', ada@example.com", "Bob@X.io, bob@x.io" })
    void asciiCaseAndSurroundingSpaceDoNotMatter(String a, String b) {
        assertThat(Emails.same(a, b)).isTrue();
        assertThat(Emails.same(b, a)).isTrue();
    }

    @Test
    void unicodeLookAlikesAreOtherPeople() {
        String kate = "kate@example.com";
        assertThat(Emails.same("\u212Aate@example.com", kate)).as("KELVIN SIGN").isFalse();
        assertThat(Emails.same("\u0130an@example.com", "ian@example.com")).as("dotted capital I").isFalse();
        assertThat(Emails.same("\u0131an@example.com", "ian@example.com")).as("dotless i").isFalse();
        assertThat(Emails.same("\uFF4Bate@example.com", kate)).as("fullwidth k").isFalse();
        assertThat(Emails.same("k\u0061\u0301te@example.com", "k\u00e1te@example.com")).as("combining acute").isFalse();
        assertThat(Emails.same("ka\u0301te@example.com", kate)).as("combining mark added").isFalse();
        assertThat(Emails.normalize("\u212Aate@Example.com")).isEqualTo("\u212Aate@example.com");
        assertThat(Emails.normalize("\u0130AN@X.IO")).isEqualTo("\u0130an@x.io");
    }

    @Test
    void blankIsNobody() {
        assertThat(Emails.normalize("   ")).isNull();
        assertThat(Emails.normalize(null)).isNull();
        assertThat(Emails.same(null, null)).isFalse();
        assertThat(Emails.same(" ", " ")).isFalse();
    }
}
