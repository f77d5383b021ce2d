package dev.apiary.jpa;

import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.impl.storage.ContractPayload;
import jakarta.transaction.UserTransaction;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.apiary.jpa.JtaStorage.USER_TRANSACTION;
import static org.assertj.core.api.Assertions.assertThat;

/** With JTA, a push joins the caller's active transaction: it commits or rolls back with the caller's work. */
class JtaEnqueueTest {

    private final JpaJobStorage<ContractPayload> storage = JtaStorage.forQueue("jta-" + System.nanoTime());
    private final AtomicInteger wakeups = new AtomicInteger();

    @Test
    void aPushInTheCallersTransactionCommitsWithItAndWakesWorkersOnceAfterTheCommit() throws Exception {
        storage.onAvailable(wakeups::incrementAndGet);
        UserTransaction caller = USER_TRANSACTION;

        caller.begin();
        String id = storage.push(new ContractPayload("in-tx", 1));
        storage.pushAll(List.of(new ContractPayload("batch", 2), new ContractPayload("batch", 3)),
                JobOptions.defaults());
        assertThat(wakeups).as("no wake-up before the commit").hasValue(0);
        caller.commit();

        assertThat(wakeups).hasValue(1);
        assertThat(storage.counts()).containsEntry(JobStatus.PENDING, 3L);
        assertThat(storage.claim("w1", 10)).extracting(j -> j.id()).contains(id);
    }

    @Test
    void aPushInARolledBackTransactionLeavesNoJobAndWakesNoOne() throws Exception {
        storage.onAvailable(wakeups::incrementAndGet);

        USER_TRANSACTION.begin();
        storage.push(new ContractPayload("doomed", 1));
        storage.pushAll(List.of(new ContractPayload("doomed", 2)), JobOptions.defaults());
        USER_TRANSACTION.rollback();

        assertThat(wakeups).hasValue(0);
        assertThat(storage.counts().values()).allMatch(n -> n == 0L);
        assertThat(storage.claim("w1", 10)).isEmpty();
    }

    @Test
    void claimAndSettleRunInTransactionsOfTheirOwn() throws Exception {
        String id = storage.push(new ContractPayload("own", 1));

        var claimed = storage.claim("w1", 1);
        storage.settle(List.of(new dev.apiary.spi.Settlement(claimed.get(0).context(), dev.apiary.Outcome.done())));

        assertThat(storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.DONE);
        assertThat(USER_TRANSACTION.getStatus()).isEqualTo(jakarta.transaction.Status.STATUS_NO_TRANSACTION);
    }

    @Test
    void theDialectIsDetectedInsideAJtaTransaction() {
        assertThat(storage.dialect()).isEqualTo(SqlDialect.H2);
        assertThat(storage.isAvailable()).isTrue();
    }
}
