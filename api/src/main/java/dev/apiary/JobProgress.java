package dev.apiary;

import dev.apiary.spi.ApiaryProvider;

/**
 * Reports how far a running job has got, for dashboards: a percentage and a short message. Writes are throttled (at
 * most one per job per second, plus the report of 100%), so a handler may report in a tight loop. Reports of a job
 * its worker no longer holds are ignored.
 *
 * <pre>{@code
 * JobProgress progress = JobProgress.of(job.context());   // or @Inject JobProgress in a worker bean
 * for (int page = 1; page <= pages; page++) {
 *     render(page);
 *     progress.report(100 * page / pages, "page " + page + " of " + pages);
 * }
 * }</pre>
 */
public interface JobProgress {

    /**
     * Reports progress.
     *
     * @param percent 0 to 100 (values outside are clamped)
     * @param message a short text (cut to 200 characters), or {@code null}
     */
    void report(int percent, String message);

    /** The reporter of {@code job} while it runs in this process; a reporter that does nothing otherwise. */
    static JobProgress of(JobContext job) {
        return ApiaryProvider.instance().progress(job);
    }
}
