package io.oncallapprover.oncall;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.quarkus.scheduler.Scheduled;

/**
 * Runs {@link ScheduleListCache#refreshAhead()} and {@link ScheduleEntriesCache#refreshAhead()} every
 * {@code oncall.jobs.refresh-ahead-every} (1 s).
 */
@ApplicationScoped
public class RefreshAheadJob {

    @Inject
    ScheduleEntriesCache cache;

    @Inject
    ScheduleListCache lists;

    @Scheduled(every = "${oncall.jobs.refresh-ahead-every:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void refresh() {
        lists.refreshAhead();
        cache.refreshAhead();
    }
}
