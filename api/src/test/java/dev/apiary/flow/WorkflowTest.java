package dev.apiary.flow;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkflowTest {

    @Test
    void stepsComeParentsFirstWhateverOrderTheyWereGiven() {
        Workflow workflow = Workflow.named("out of order")
                .step("publish", "publisher").after("resize", "thumbnail")
                .step("resize", "resizer").after("fetch")
                .step("thumbnail", "thumbnailer").after("fetch")
                .step("fetch", "fetcher", "https://example.org/a.png")
                .build();

        assertEquals(List.of("fetch", "resize", "thumbnail", "publish"),
                workflow.steps().stream().map(Workflow.Step::name).toList());
    }

    @Test
    void aChainIsALineOfNumberedSteps() {
        Workflow chain = Workflow.chain("three", "a", 1, "b", "c");

        assertEquals(List.of("1", "2", "3"), chain.steps().stream().map(Workflow.Step::name).toList());
        assertEquals(List.of("2"), chain.steps().get(2).after());
        assertEquals(1, chain.steps().get(0).input());
    }

    @Test
    void aCycleIsRejectedNamingItsSteps() {
        WorkflowException e = assertThrows(WorkflowException.class, () -> Workflow.named("loop")
                .step("start", "q", "x")
                .step("a", "q").after("start", "c")
                .step("b", "q").after("a")
                .step("c", "q").after("b")
                .build());

        assertTrue(e.getMessage().contains("Workflow 'loop' is invalid: it has a cycle"), e.getMessage());
        assertTrue(e.getMessage().matches(".*(a -> c -> b -> a|b -> a -> c -> b|c -> b -> a -> c).*"),
                e.getMessage());
    }

    @Test
    void aDependencyOnAnUnknownStepIsRejectedListingTheSteps() {
        WorkflowException e = assertThrows(WorkflowException.class, () -> Workflow.named("typo")
                .step("fetch", "fetcher", "x")
                .step("resize", "resizer").after("fecth")
                .build());

        assertTrue(e.getMessage().contains("step 'resize' runs after 'fecth', which is not a step of it "
                + "(its steps are [fetch, resize])"), e.getMessage());
    }

    @Test
    void everyProblemIsNamedAtOnce() {
        WorkflowException e = assertThrows(WorkflowException.class, () -> Workflow.named("many")
                .step("a", "q", "x")
                .step("a", "q", "y")
                .step("b c", "q").after("a")
                .step("d", " ").after("d")
                .step("e", "q", "input").after("a")
                .build());

        assertTrue(e.getMessage().contains("step 'a' is given twice"), e.getMessage());
        assertTrue(e.getMessage().contains("step name 'b c' is not"), e.getMessage());
        assertTrue(e.getMessage().contains("step 'd' has no queue"), e.getMessage());
        assertTrue(e.getMessage().contains("step 'd' runs after itself"), e.getMessage());
        assertTrue(e.getMessage().contains("step 'e' has an input and runs after [a]"), e.getMessage());
    }

    @Test
    void aWorkflowNeedsAStep() {
        WorkflowException e = assertThrows(WorkflowException.class, () -> Workflow.named("empty").build());

        assertEquals("Workflow 'empty' is invalid: it has no steps", e.getMessage());
    }
}
