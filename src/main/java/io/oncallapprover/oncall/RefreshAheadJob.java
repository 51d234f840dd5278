package io.oncallapprover.oncall;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.quarkus.scheduler.Scheduled;

/** Runs {@link ScheduleEntriesCache#refreshAhead()} every {@code oncall.jobs.refresh-ahead-every} (1 s). */
@ApplicationScoped
public class RefreshAheadJob {

    @Inject
    ScheduleEntriesCache cache;

    @Scheduled(every = "${oncall.jobs.refresh-ahead-every:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void refresh() {
        cache.refreshAhead();
    }
}
