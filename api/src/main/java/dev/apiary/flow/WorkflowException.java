package dev.apiary.flow;

import dev.apiary.ApiaryException;

/** A workflow or batch cannot be started as given: a cycle, an unknown step or queue, a storage that cannot hold it. */
public class WorkflowException extends ApiaryException {

    public WorkflowException(String message) {
        super(message);
    }
}
