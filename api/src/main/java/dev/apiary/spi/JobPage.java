package dev.apiary.spi;

import java.util.List;

/** One page of a listing and the total number of jobs that match the query. */
public record JobPage<T>(List<StoredJob<T>> items, long total, int offset, int limit) {

    public JobPage {
        items = List.copyOf(items);
    }
}
