package io.oncallapprover.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Who is the same person: trimmed, ASCII A-Z to a-z, nothing else. */
class EmailsTest {

    @Test
    void everyAsciiCapitalFromAToZIsLowerCased() {
        assertThat(Emails.normalize("ABCDEFGHIJKLMNOPQRSTUVWXYZ@EXAMPLE.COM"))
                .isEqualTo("abcdefghijklmnopqrstuvwxyz@example.com");
        assertThat(Emails.same("ZOE@example.com", "zoe@example.com")).isTrue();
        assertThat(Emails.same("Anna@example.com", "anna@example.com")).isTrue();
    }

    @Test
    void theCharactersJustOutsideAToZAreKept() {
        // '@' is just before 'A', '[' just after 'Z'; '`' and '{' frame 'a'-'z'
        assertThat(Emails.normalize("@[`{")).isEqualTo("@[`{");
        assertThat(Emails.same("a[b@example.com", "a{b@example.com")).isFalse();
        assertThat(Emails.same("a@b.example.com", "a`b.example.com")).isFalse();
    }

    @Test
    void surroundingWhitespaceIsTrimmedAndNothingElse() {
        assertThat(Emails.normalize("  Kate@Example.com\t\n")).isEqualTo("kate@example.com");
        // a no-break space is not trimmed: it is part of another address
        assertThat(Emails.same("\u00A0kate@example.com", "kate@example.com")).isFalse();
    }

    @Test
    void noUnicodeFolding() {
        assertThat(Emails.same("\u212Aate@example.com", "kate@example.com")).isFalse(); // KELVIN SIGN
        assertThat(Emails.same("\u0130van@example.com", "ivan@example.com")).isFalse(); // I WITH DOT ABOVE
        assertThat(Emails.same("\u0131van@example.com", "ivan@example.com")).isFalse(); // DOTLESS I
        assertThat(Emails.same("\u017Fam@example.com", "sam@example.com")).isFalse(); // LONG S
        assertThat(Emails.same("\uFF4Bate@example.com", "kate@example.com")).isFalse(); // FULLWIDTH K
        assertThat(Emails.same("ka\u0301te@example.com", "k\u00E1te@example.com")).isFalse(); // combining vs precomposed
        assertThat(Emails.normalize("\u212Aate@EXAMPLE.com")).isEqualTo("\u212Aate@example.com");
    }

    @Test
    void nothingNamesNobody() {
        assertThat(Emails.normalize(null)).isNull();
        assertThat(Emails.normalize("")).isNull();
        assertThat(Emails.normalize(" \t ")).isNull();
        assertThat(Emails.same(null, null)).isFalse();
        assertThat(Emails.same("", "")).isFalse();
        assertThat(Emails.same("  ", " ")).isFalse();
        assertThat(Emails.same(null, "kate@example.com")).isFalse();
        assertThat(Emails.same("kate@example.com", null)).isFalse();
    }
}
