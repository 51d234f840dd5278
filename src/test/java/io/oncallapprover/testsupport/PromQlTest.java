package io.oncallapprover.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The metric names of a PromQL expression: never a label, a string, a function, a keyword or a number. */
class PromQlTest {

    @Test
    void readsOnlyTheMetricNames() {
        assertThat(PromQl.metricNames("""
                histogram_quantile(0.99, sum by (le, uri) (rate(http_server_requests_seconds_bucket{uri=~"/a/{x}/b",
                  status!="500"}[5m] offset 1h))) > 0.25 and on (key) max without (x) (incidentio_breaker_open_seconds) > 3e2
                  or vector(0) unless bool up{job='x'}""")).containsExactlyInAnyOrder(
                "http_server_requests_seconds_bucket", "incidentio_breaker_open_seconds", "up");
    }

    @Test
    void aMisspelledFunctionIsNotTakenForOne() {
        assertThatThrownBy(() -> PromQl.metricNames("rat(x_total[5m])")).hasMessageContaining("rat(");
    }
}
