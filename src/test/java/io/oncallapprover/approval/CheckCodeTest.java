package io.oncallapprover.approval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A refused decision or escalation answers with the check's code: each refusal has a problem code of its name. */
class CheckCodeTest {

    @Test
    void everyRefusalIsAProblemCodeOfTheSameName() {
        for (CheckCode code : CheckCode.values()) {
            if (code != CheckCode.ON_CALL) {
                assertThat(code.problemCode().name()).isEqualTo(code.name());
            }
        }
    }

    @Test
    void onCallIsNeverARefusal() {
        assertThatThrownBy(CheckCode.ON_CALL::problemCode).isInstanceOf(IllegalStateException.class);
    }
}
