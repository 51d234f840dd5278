package io.oncallapprover.oncall;

import io.smallrye.mutiny.CompositeException;

/** A fail-fast join reports its first failure; unwrap it so callers see what incident.io did. */
final class CompositeFailures {

    private CompositeFailures() {
    }

    static boolean isComposite(Throwable failure) {
        return failure instanceof CompositeException;
    }

    static Throwable first(Throwable failure) {
        return ((CompositeException) failure).getCauses().get(0);
    }
}
