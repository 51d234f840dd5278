package io.oncallapprover.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;

import io.vertx.core.impl.NoStackTraceThrowable;

/** Which failures are a database outage (503, retry) rather than a bug (500). */
class DatabaseFailuresTest {

    @Test
    void aPoolThatCannotHandOutAConnectionInTimeIsAnOutage() {
        assertThat(DatabaseFailures.isOutage(new NoStackTraceThrowable("Timeout"))).isTrue();
        assertThat(DatabaseFailures.isOutage(new CompletionException(new NoStackTraceThrowable("Timeout")))).isTrue();
    }

    @Test
    void otherFailuresAreNot() {
        assertThat(DatabaseFailures.isOutage(new NoStackTraceThrowable("something else"))).isFalse();
        assertThat(DatabaseFailures.isOutage(new IllegalStateException("Timeout"))).isFalse();
        assertThat(DatabaseFailures.isOutage(new java.net.ConnectException("Connection refused"))).isTrue();
    }
}
