package dev.apiary;

/** An awaited job is not in its queue: the id is wrong, or the job was deleted (by an operator or a retention purge). */
public class JobNotFoundException extends ApiaryException {

    private final String id;

    public JobNotFoundException(String queue, String id) {
        super("There is no job " + id + " in queue '" + queue + "': the id is wrong, or the job was deleted");
        this.id = id;
    }

    /** The id that was not found. */
    public String id() {
        return id;
    }
}
