package dev.apiary.impl.worker;

import dev.apiary.Job;
import dev.apiary.JobContext;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.RecordRefusedException;
import dev.apiary.StorageException;
import dev.apiary.spi.JobSource;
import dev.apiary.spi.Settlement;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The settle split: a batch the source refuses for one settlement's data is halved until that settlement stands
 * alone; it is written cleaned, or failed with a fixed reason, and every other settlement is written, in order. A
 * source that is down gets no split and no job marked failed: what was not written is handed back, in order.
 */
class SettleWriteTest {

    /**
     * A source that writes a settle call whole or not at all, as one database transaction does, and refuses a call
     * holding a settlement that {@code refuses} matches, as a database refuses a row's value.
     */
    private static final class RefusingSource implements JobSource<String> {

        final List<Settlement> written = new ArrayList<>();
        final Predicate<Settlement> refuses;
        int calls;
        /** After this many calls the source is down; never by default. */
        int downAfter = Integer.MAX_VALUE;

        RefusingSource(Predicate<Settlement> refuses) {
            this.refuses = refuses;
        }

        @Override
        public void settle(List<Settlement> settlements) {
            if (++calls > downAfter) {
                throw new StorageException("connection refused");
            }
            for (Settlement s : settlements) {
                if (refuses.test(s)) {
                    throw new StorageException("could not settle", new RecordRefusedException(
                            "invalid byte sequence for encoding \"UTF8\": 0x00", null));
                }
            }
            written.addAll(settlements);
        }

        @Override
        public String queue() {
            return "q";
        }

        @Override
        public List<Job<String>> claim(String workerId, int max) {
            return List.of();
        }

        @Override
        public void release(String workerId, List<String> jobIds) {
        }
    }

    private static final Predicate<Settlement> HOLDS_NUL = s -> s.error() != null && s.error().indexOf('\0') >= 0;

    private static Settlement settlement(int n, Outcome outcome) {
        return new Settlement(new JobContext("job-" + n, "q", 1, 3, Instant.EPOCH, 0, Instant.EPOCH, "w", Map.of()),
                outcome);
    }

    /** 100 outcomes of every kind; those at {@code poisoned} carry a NUL in their error text. */
    private static List<Settlement> batch(int... poisoned) {
        List<Integer> bad = IntStream.of(poisoned).boxed().toList();
        return IntStream.range(0, 100).mapToObj(n -> settlement(n, bad.contains(n)
                ? switch (n % 3) {
                    case 0 -> Outcome.failed("upstream said \0 no");
                    case 1 -> Outcome.retryAt(Instant.EPOCH, "upstream said \0 no");
                    default -> Outcome.kill("upstream said \0 no");
                }
                : n % 2 == 0 ? Outcome.done() : Outcome.failed("plain error " + n))).toList();
    }

    private static List<String> ids(List<Settlement> settlements) {
        return settlements.stream().map(s -> s.job().id()).toList();
    }

    @Test
    void theRefusedSettlementIsIsolatedAndEveryOtherIsWrittenInOrder() {
        RefusingSource source = new RefusingSource(HOLDS_NUL);
        List<Settlement> batch = batch(37);

        SettleWrite.Result result = SettleWrite.write(source, batch);

        assertThat(result.failure()).isNull();
        assertThat(result.unwritten()).isEmpty();
        assertThat(result.isolated()).extracting(i -> i.refused().job().id()).containsExactly("job-37");
        assertThat(ids(source.written)).as("every job written once, in the batch's order").isEqualTo(ids(batch));
        Settlement cleaned = source.written.get(37);
        assertThat(cleaned.status()).as("the same outcome, cleaned").isEqualTo(JobStatus.PENDING);
        assertThat(cleaned.error()).isEqualTo("upstream said \\u0000 no");
        assertThat(source.written).filteredOn(s -> !s.job().id().equals("job-37")).isEqualTo(
                batch.stream().filter(s -> !s.job().id().equals("job-37")).toList());
        assertThat(source.calls).as("a halving, not one write per job").isLessThanOrEqualTo(2 * 7 + 2);
    }

    @Test
    void severalRefusedSettlementsAreEachIsolated() {
        RefusingSource source = new RefusingSource(HOLDS_NUL);
        List<Settlement> batch = batch(0, 50, 98, 99);

        SettleWrite.Result result = SettleWrite.write(source, batch);

        assertThat(result.isolated()).extracting(i -> i.refused().job().id())
                .containsExactly("job-0", "job-50", "job-98", "job-99");
        assertThat(ids(source.written)).isEqualTo(ids(batch));
        assertThat(source.written.get(0).status()).isEqualTo(JobStatus.FAILED);
        assertThat(source.written.get(50).status()).isEqualTo(JobStatus.KILLED);
        assertThat(source.written).noneMatch(HOLDS_NUL);
    }

    @Test
    void anOutcomeRefusedEvenCleanedEndsFailedWithAFixedReason() {
        // refuses any text of job 10 but the fixed reason, and any result of job 11
        RefusingSource source = new RefusingSource(s -> s.job().id().equals("job-10")
                && !SettleWrite.REFUSED_REASON.equals(s.error())
                || s.job().id().equals("job-11") && s.result() != null);
        List<Settlement> batch = new ArrayList<>(batch());
        batch.set(10, settlement(10, Outcome.retryAt(Instant.EPOCH, "\u00e9chec")));
        batch.set(11, settlement(11, Outcome.done(new byte[3])));

        SettleWrite.Result result = SettleWrite.write(source, batch);

        assertThat(ids(source.written)).isEqualTo(ids(batch));
        assertThat(source.written.get(10).status()).isEqualTo(JobStatus.FAILED);
        assertThat(source.written.get(10).error()).isEqualTo(SettleWrite.REFUSED_REASON);
        assertThat(source.written.get(11).status()).as("done, without its result").isEqualTo(JobStatus.DONE);
        assertThat(source.written.get(11).result()).isNull();
        assertThat(result.isolated()).extracting(i -> i.refused().job().id()).containsExactly("job-10", "job-11");
    }

    @Test
    void aSourceThatIsDownIsNotSplitAndNoJobIsMarkedFailed() {
        RefusingSource source = new RefusingSource(HOLDS_NUL);
        source.downAfter = 0;
        List<Settlement> batch = batch(37);

        SettleWrite.Result result = SettleWrite.write(source, batch);

        assertThat(source.calls).isEqualTo(1);
        assertThat(result.failure()).hasMessage("connection refused");
        assertThat(result.unwritten()).isEqualTo(batch);
        assertThat(result.isolated()).isEmpty();
    }

    @Test
    void aSourceThatGoesDownWhileIsolatingHandsBackWhatIsLeftInOrder() {
        RefusingSource source = new RefusingSource(HOLDS_NUL);
        List<Settlement> batch = batch(37);
        // halving 100 to the lone job 37 takes 9 writes, of which 0..24 and 25..36 succeed; then the source is
        // down, before the cleaned write of job 37
        source.downAfter = 9;

        SettleWrite.Result result = SettleWrite.write(source, batch);

        assertThat(result.failure()).hasMessage("connection refused");
        assertThat(result.isolated()).isEmpty();
        assertThat(source.written).isEqualTo(batch.subList(0, 37));
        assertThat(result.unwritten()).as("the rest, as it was").isEqualTo(batch.subList(37, 100));
        assertThat(result.unwritten().get(0).job().id()).isEqualTo("job-37");
    }
}
