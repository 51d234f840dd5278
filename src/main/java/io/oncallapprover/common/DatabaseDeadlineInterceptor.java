package io.oncallapprover.common;

import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;

import io.smallrye.mutiny.Uni;

/** Applies {@link DatabaseDeadline}; outermost, so that opening the session counts too. */
@DatabaseDeadline
@Interceptor
@Priority(Interceptor.Priority.PLATFORM_BEFORE)
public class DatabaseDeadlineInterceptor {

    @Inject
    DatabasePoolCreator.DatabaseConfig config;

    @AroundInvoke
    Object bound(InvocationContext context) throws Exception {
        Object result = context.proceed();
        if (result instanceof Uni<?> uni) {
            return uni.ifNoItem().after(config.readTimeout())
                    .failWith(() -> new DatabaseFailures.ReadTimeoutException(config.readTimeout()));
        }
        return result;
    }
}
