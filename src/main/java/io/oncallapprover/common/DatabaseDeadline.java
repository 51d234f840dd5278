package io.oncallapprover.common;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jakarta.interceptor.InterceptorBinding;

/**
 * Bounds a read-only database call ({@code oncall.database.read-timeout}): a database that hangs
 * instead of refusing (connection open, no answer) fails the call with
 * {@link DatabaseFailures.ReadTimeoutException}, answered 503 DATABASE_UNAVAILABLE, instead of
 * holding the caller. Only for reads: cutting a write could leave its caller unsure of the outcome.
 */
@InterceptorBinding
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
public @interface DatabaseDeadline {
}
