package dev.apiary.jpa;

import dev.apiary.JobStatus;
import dev.apiary.flow.FlowKind;
import dev.apiary.flow.FlowView;
import dev.apiary.spi.FlowPlan;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;

import java.time.LocalDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The statements on the flow tables ({@code apiary_flows}, {@code apiary_flow_jobs}, {@code apiary_flow_edges}), in
 * plain SQL that PostgreSQL and H2 both run, so that a user's persistence unit need not list their entities (they
 * exist for JPA schema generation). Each method works inside the transaction of the {@link EntityManager} it is
 * given: the start of a flow in one, and the release of a waiting step in the transaction that ends its last parent.
 */
final class FlowTable {

    /** Rows per multi-row insert: EclipseLink slows down sharply beyond a few hundred parameters. */
    private static final int ROWS_PER_INSERT = 50;
    private static final int IDS_PER_STATEMENT = 500;
    private static final String FINAL = "('DONE','FAILED','KILLED','CANCELLED')";

    private final SqlDialect dialect;

    FlowTable(SqlDialect dialect) {
        this.dialect = dialect;
    }

    /** One job of a flow as stored at its start. */
    record Member(String jobId, String step, String queue, int remaining, FlowPlan.Input input,
                  boolean continueOnFailure) {
    }

    /** Stores a flow's row, its members and its edges; the members' jobs are already inserted. */
    void insert(EntityManager em, FlowPlan plan, List<Member> members, LocalDateTime now) {
        em.flush();
        em.createNativeQuery("INSERT INTO apiary_flows (id, kind, name, created_at) VALUES (?1, ?2, ?3, ?4)")
                .setParameter(1, plan.id()).setParameter(2, plan.kind().name())
                .setParameter(3, plan.name().length() > 200 ? plan.name().substring(0, 200) : plan.name())
                .setParameter(4, now).executeUpdate();
        Map<String, String> idByStep = new LinkedHashMap<>();
        members.forEach(m -> idByStep.put(m.step(), m.jobId()));
        List<Object[]> memberRows = new ArrayList<>(members.size());
        List<String> waiting = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            memberRows.add(new Object[] {m.jobId(), plan.id(), i, m.step(), m.queue(), m.remaining(),
                    m.input().name(), m.continueOnFailure() ? 1 : 0});
            if (m.remaining() > 0) {
                waiting.add(m.jobId());
            }
        }
        insertRows(em, "INSERT INTO apiary_flow_jobs (job_id, flow_id, position, step, queue, remaining, input, "
                + "continue_on_failure) VALUES ", memberRows);
        List<Object[]> edgeRows = new ArrayList<>();
        for (FlowPlan.Step step : plan.steps()) {
            for (int i = 0; i < step.after().size(); i++) {
                String parent = step.after().get(i);
                edgeRows.add(new Object[] {idByStep.get(parent), idByStep.get(step.name()), i, parent, 0});
            }
        }
        insertRows(em, "INSERT INTO apiary_flow_edges (parent_id, child_id, position, parent_step, parent_final) "
                + "VALUES ", edgeRows);
        for (List<String> ids : chunks(waiting)) {
            Query update = em.createNativeQuery("UPDATE apiary_jobs SET status = 'WAITING' WHERE id IN ("
                    + marks(1, ids.size()) + ")");
            bind(update, ids, 1);
            update.executeUpdate();
        }
    }

    private static void insertRows(EntityManager em, String insert, List<Object[]> rows) {
        for (int from = 0; from < rows.size(); from += ROWS_PER_INSERT) {
            List<Object[]> chunk = rows.subList(from, Math.min(rows.size(), from + ROWS_PER_INSERT));
            int width = chunk.get(0).length;
            StringBuilder sql = new StringBuilder(insert);
            for (int r = 0; r < chunk.size(); r++) {
                sql.append(r > 0 ? ", (" : "(").append(marks(r * width + 1, width)).append(')');
            }
            Query query = em.createNativeQuery(sql.toString());
            for (int r = 0; r < chunk.size(); r++) {
                for (int c = 0; c < width; c++) {
                    query.setParameter(r * width + c + 1, chunk.get(r)[c]);
                }
            }
            query.executeUpdate();
        }
    }

    /**
     * Passes the end of these jobs on to the steps that wait for them, and the end of a step cancelled because of
     * it on to its own, in the caller's transaction: each dependency is counted once (its row is flipped from
     * unfinished to finished under the row's lock), so however many transactions end parents at once, a step is
     * released or cancelled by exactly one.
     *
     * @return the queues in which a step was released
     */
    Set<String> finished(EntityManager em, Collection<String> jobIds, LocalDateTime now) {
        Set<String> released = new LinkedHashSet<>();
        Deque<String> ended = new ArrayDeque<>(jobIds);
        em.flush();
        while (!ended.isEmpty()) {
            List<String> batch = new ArrayList<>(ended);
            ended.clear();
            // children in id order, so that transactions lock them in the same order
            Map<String, List<Object[]>> parentsByChild = new TreeMap<>();
            for (List<String> ids : chunks(batch)) {
                Query edges = em.createNativeQuery("SELECT e.child_id, e.parent_id, e.parent_step, j.status "
                        + "FROM apiary_flow_edges e JOIN apiary_jobs j ON j.id = e.parent_id WHERE e.parent_id IN ("
                        + marks(1, ids.size()) + ") AND e.parent_final = 0 AND j.status IN " + FINAL);
                bind(edges, ids, 1);
                for (Object row : edges.getResultList()) {
                    Object[] r = (Object[]) row;
                    parentsByChild.computeIfAbsent((String) r[0], k -> new ArrayList<>()).add(r);
                }
            }
            Map<String, List<String>> statusesByChild = new TreeMap<>();
            for (Map.Entry<String, List<Object[]>> e : parentsByChild.entrySet()) {
                List<String> parentIds = e.getValue().stream().map(r -> (String) r[1]).toList();
                // the flip takes the edges' row locks: a dependency another transaction flipped meanwhile is not
                // counted twice
                Query flip = em.createNativeQuery("UPDATE apiary_flow_edges SET parent_final = 1 WHERE child_id = ?1 "
                        + "AND parent_final = 0 AND parent_id IN (" + marks(2, parentIds.size()) + ")");
                flip.setParameter(1, e.getKey());
                bind(flip, parentIds, 2);
                int flipped = flip.executeUpdate();
                if (flipped > 0) {
                    List<String> statuses = new ArrayList<>(Collections.nCopies(flipped, "DONE"));
                    // a failed parent is final whoever flipped its edge; the cancel below happens once either way
                    e.getValue().stream().filter(r -> !"DONE".equals(r[3])).findFirst().ifPresent(r ->
                            statuses.set(0, "Step '" + r[2] + "' (job " + r[1] + ") it runs after ended " + r[3]));
                    statusesByChild.put(e.getKey(), statuses);
                }
            }
            for (Map.Entry<String, List<String>> e : statusesByChild.entrySet()) {
                String child = e.getKey();
                em.createNativeQuery("UPDATE apiary_flow_jobs SET remaining = remaining - ?1 WHERE job_id = ?2")
                        .setParameter(1, e.getValue().size()).setParameter(2, child).executeUpdate();
                Object[] m = (Object[]) em.createNativeQuery("SELECT remaining, input, continue_on_failure, flow_id, "
                        + "queue FROM apiary_flow_jobs WHERE job_id = ?1").setParameter(1, child).getSingleResult();
                int remaining = ((Number) m[0]).intValue();
                boolean continues = ((Number) m[2]).intValue() == 1;
                String failed = e.getValue().stream().filter(s -> !"DONE".equals(s)).findFirst().orElse(null);
                if (failed != null && !continues) {
                    int cancelled = em.createNativeQuery("UPDATE apiary_jobs SET status = 'CANCELLED', "
                                    + "finished_at = ?1, last_error = ?2, cancelled_by = 'workflow' "
                                    + "WHERE id = ?3 AND status = 'WAITING'")
                            .setParameter(1, now).setParameter(2, failed)
                            .setParameter(3, child).executeUpdate();
                    if (cancelled == 1) {
                        ended.add(child);
                    }
                } else if (remaining == 0) {
                    String payload = FlowPlan.Input.valueOf((String) m[1]).payload((String) m[3], parents(em, child));
                    int pending = em.createNativeQuery("UPDATE apiary_jobs SET status = 'PENDING', payload = ?1, "
                                    + "run_at = ?2 WHERE id = ?3 AND status = 'WAITING'")
                            .setParameter(1, payload).setParameter(2, now).setParameter(3, child).executeUpdate();
                    if (pending == 1) {
                        released.add((String) m[4]);
                    }
                }
            }
        }
        if (dialect == SqlDialect.POSTGRESQL) {
            for (String queue : released) {
                em.createNativeQuery("SELECT 1 FROM pg_notify(?1, ?2)").setParameter(1, JobTable.CHANNEL)
                        .setParameter(2, queue).getResultList();
            }
        }
        return released;
    }

    /**
     * Passes on the end of this queue's flow jobs that ended in a bulk statement, which does not name the jobs it
     * ends (an orphan failed on its last attempt); run only after such a statement changed something.
     *
     * @return the queues in which a step was released
     */
    Set<String> finishedInBulk(EntityManager em, String queue, LocalDateTime now) {
        List<String> ended = new ArrayList<>();
        for (Object id : em.createNativeQuery("SELECT DISTINCT e.parent_id FROM apiary_flow_edges e "
                        + "JOIN apiary_jobs j ON j.id = e.parent_id WHERE e.parent_final = 0 AND j.queue = ?1 "
                        + "AND j.status IN " + FINAL).setParameter(1, queue).getResultList()) {
            ended.add((String) id);
        }
        return ended.isEmpty() ? Set.of() : finished(em, ended, now);
    }

    private static List<FlowPlan.Parent> parents(EntityManager em, String child) {
        List<FlowPlan.Parent> parents = new ArrayList<>();
        for (Object row : em.createNativeQuery("SELECT e.parent_step, e.parent_id, j.status, j.result "
                        + "FROM apiary_flow_edges e LEFT JOIN apiary_jobs j ON j.id = e.parent_id WHERE e.child_id = ?1 "
                        + "ORDER BY e.position").setParameter(1, child).getResultList()) {
            Object[] r = (Object[]) row;
            parents.add(new FlowPlan.Parent((String) r[0], (String) r[1],
                    r[2] == null ? JobStatus.CANCELLED : JobStatus.valueOf((String) r[2]), JobTable.text(r[3])));
        }
        return parents;
    }

    /** The flow as stored now; steps whose job was deleted are left out. */
    Optional<FlowView> view(EntityManager em, String flowId) {
        List<?> flows = em.createNativeQuery("SELECT kind, name, created_at FROM apiary_flows WHERE id = ?1")
                .setParameter(1, flowId).getResultList();
        if (flows.isEmpty()) {
            return Optional.empty();
        }
        Object[] flow = (Object[]) flows.get(0);
        Map<String, List<String>> after = new LinkedHashMap<>();
        for (Object row : em.createNativeQuery("SELECT e.child_id, e.parent_step FROM apiary_flow_edges e "
                + "JOIN apiary_flow_jobs m ON m.job_id = e.child_id WHERE m.flow_id = ?1 ORDER BY e.child_id, "
                + "e.position").setParameter(1, flowId).getResultList()) {
            Object[] r = (Object[]) row;
            after.computeIfAbsent((String) r[0], k -> new ArrayList<>()).add((String) r[1]);
        }
        List<FlowView.Step> steps = new ArrayList<>();
        for (Object row : em.createNativeQuery("SELECT m.step, m.job_id, m.queue, j.status FROM apiary_flow_jobs m "
                + "JOIN apiary_jobs j ON j.id = m.job_id WHERE m.flow_id = ?1 ORDER BY m.position")
                .setParameter(1, flowId).getResultList()) {
            Object[] r = (Object[]) row;
            steps.add(new FlowView.Step((String) r[0], (String) r[1], (String) r[2], JobStatus.valueOf((String) r[3]),
                    after.getOrDefault((String) r[1], List.of())));
        }
        return Optional.of(new FlowView(flowId, FlowKind.valueOf((String) flow[0]), (String) flow[1],
                JobTable.instant(JobTable.timestamp(flow[2])), steps));
    }

    private static void bind(Query query, List<String> values, int first) {
        for (int i = 0; i < values.size(); i++) {
            query.setParameter(first + i, values.get(i));
        }
    }

    private static String marks(int first, int count) {
        StringBuilder marks = new StringBuilder();
        for (int i = 0; i < count; i++) {
            marks.append(i > 0 ? ", ?" : "?").append(first + i);
        }
        return marks.toString();
    }

    private static List<List<String>> chunks(List<String> ids) {
        List<List<String>> chunks = new ArrayList<>();
        for (int from = 0; from < ids.size(); from += IDS_PER_STATEMENT) {
            chunks.add(ids.subList(from, Math.min(ids.size(), from + IDS_PER_STATEMENT)));
        }
        return chunks;
    }
}
