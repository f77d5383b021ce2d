-- Apiary JPA storage: schema for H2 2.x.
-- Times are UTC (TIMESTAMP without time zone, written by the application's clock).
-- Every statement can run again without error (IF NOT EXISTS), so the whole script may run at each start and after
-- an upgrade appends statements: JobSchema.create runs it, and the jar ships it as a Flyway repeatable migration
-- (db/apiary/<database>/R__apiary_schema.sql) and in a Liquibase changelog (db/apiary/changelog.xml).
-- Changes are additive: append statements that keep this true.
CREATE TABLE IF NOT EXISTS apiary_jobs (
    id            VARCHAR(36)  NOT NULL PRIMARY KEY,
    queue         VARCHAR(200) NOT NULL,
    payload       CHARACTER VARYING NOT NULL,
    payload_type  VARCHAR(500) NOT NULL,
    status        VARCHAR(16)  NOT NULL,
    attempts      INTEGER      NOT NULL,
    max_attempts  INTEGER      NOT NULL,
    run_at        TIMESTAMP(6) NOT NULL,
    priority      INTEGER      NOT NULL,
    worker_id     VARCHAR(200),
    locked_at     TIMESTAMP(6),
    last_error    CHARACTER VARYING,
    enqueued_at   TIMESTAMP(6) NOT NULL,
    finished_at   TIMESTAMP(6),
    unique_key    VARCHAR(200),
    active_key    VARCHAR(200),
    metadata      CHARACTER VARYING,
    CONSTRAINT apiary_jobs_active_key UNIQUE (queue, active_key)
);

-- The claim query: due pending jobs of one queue, highest priority first, then earliest run-at.
CREATE INDEX IF NOT EXISTS apiary_jobs_claim ON apiary_jobs (queue, status, priority DESC, run_at, id);
-- Orphan recovery, listing by status and retention.
CREATE INDEX IF NOT EXISTS apiary_jobs_running ON apiary_jobs (queue, status, locked_at);
-- Retention: only final jobs have a finish time.
CREATE INDEX IF NOT EXISTS apiary_jobs_finished ON apiary_jobs (queue, finished_at);

CREATE TABLE IF NOT EXISTS apiary_workers (
    id             VARCHAR(200) NOT NULL PRIMARY KEY,
    queue          VARCHAR(200) NOT NULL,
    host           VARCHAR(255),
    started_at     TIMESTAMP(6) NOT NULL,
    last_heartbeat TIMESTAMP(6) NOT NULL
);

-- Dashboard and job progress: a running job's last reported progress, what each worker instance reported at its
-- last heartbeat (name, state, counters), so that a dashboard lists the workers of every node, finding jobs by
-- unique key, purging worker rows not seen for a while.
ALTER TABLE apiary_jobs ADD COLUMN IF NOT EXISTS progress INTEGER;
ALTER TABLE apiary_jobs ADD COLUMN IF NOT EXISTS progress_message VARCHAR(200);
ALTER TABLE apiary_jobs ADD COLUMN IF NOT EXISTS progress_at TIMESTAMP(6);
ALTER TABLE apiary_workers ADD COLUMN IF NOT EXISTS worker_name VARCHAR(200);
ALTER TABLE apiary_workers ADD COLUMN IF NOT EXISTS worker_state VARCHAR(16);
ALTER TABLE apiary_workers ADD COLUMN IF NOT EXISTS running_jobs INTEGER;
ALTER TABLE apiary_workers ADD COLUMN IF NOT EXISTS done_jobs BIGINT;
ALTER TABLE apiary_workers ADD COLUMN IF NOT EXISTS failed_jobs BIGINT;
CREATE INDEX IF NOT EXISTS apiary_jobs_unique_key ON apiary_jobs (queue, unique_key);
CREATE INDEX IF NOT EXISTS apiary_workers_seen ON apiary_workers (last_heartbeat);

-- Recurring jobs: one row per schedule, shared by every node. A fire moves last_fire from the value a node read to
-- the fire time in the same transaction as the fire's job, so a fire is enqueued once however many nodes tick.
CREATE TABLE IF NOT EXISTS apiary_schedules (
    name       VARCHAR(150) NOT NULL PRIMARY KEY,
    queue      VARCHAR(200) NOT NULL,
    last_fire  TIMESTAMP(6) NOT NULL,
    paused     BOOLEAN      NOT NULL,
    updated_at TIMESTAMP(6) NOT NULL
);

-- Job results: what a done job's handler returned (Outcome.done(result)), as JSON.
ALTER TABLE apiary_jobs ADD COLUMN IF NOT EXISTS result CHARACTER VARYING;

-- A cluster view: the node (host and server or process) and the worker instance of each job's last attempt, kept once
-- the job ends; the lease each worker instance heartbeats with, so that one silent for longer shows as lost.
ALTER TABLE apiary_jobs ADD COLUMN IF NOT EXISTS attempt_node VARCHAR(255);
ALTER TABLE apiary_jobs ADD COLUMN IF NOT EXISTS attempt_worker_id VARCHAR(200);
ALTER TABLE apiary_workers ADD COLUMN IF NOT EXISTS lease_ms BIGINT;

-- Paused queues: a row per queue that no node may claim from (JobStorage.pause), kept across restarts until resumed.
CREATE TABLE IF NOT EXISTS apiary_paused_queues (
    queue     VARCHAR(200) NOT NULL PRIMARY KEY,
    paused_at TIMESTAMP(6) NOT NULL
);

-- Cancelling: who cancelled a job (JobStatus CANCELLED; the reason is its last_error).
ALTER TABLE apiary_jobs ADD COLUMN IF NOT EXISTS cancelled_by VARCHAR(200);

-- Flows (chains, batches, workflows; dev.apiary.flow): a row per flow, a row per job of a flow with how many of the
-- jobs it waits for are unfinished, and a row per dependency, flipped to finished once (parent_final) in the
-- transaction that ends the parent. A waiting job is in apiary_jobs with status WAITING, which no claim selects.
CREATE TABLE IF NOT EXISTS apiary_flows (
    id         VARCHAR(36)  NOT NULL PRIMARY KEY,
    kind       VARCHAR(16)  NOT NULL,
    name       VARCHAR(200) NOT NULL,
    created_at TIMESTAMP(6) NOT NULL
);
CREATE TABLE IF NOT EXISTS apiary_flow_jobs (
    job_id              VARCHAR(36)  NOT NULL PRIMARY KEY,
    flow_id             VARCHAR(36)  NOT NULL,
    position            INTEGER      NOT NULL,
    step                VARCHAR(100) NOT NULL,
    queue               VARCHAR(200) NOT NULL,
    remaining           INTEGER      NOT NULL,
    input               VARCHAR(16)  NOT NULL,
    continue_on_failure INTEGER      NOT NULL
);
CREATE INDEX IF NOT EXISTS apiary_flow_jobs_flow ON apiary_flow_jobs (flow_id, position);
CREATE TABLE IF NOT EXISTS apiary_flow_edges (
    parent_id    VARCHAR(36)  NOT NULL,
    child_id     VARCHAR(36)  NOT NULL,
    position     INTEGER      NOT NULL,
    parent_step  VARCHAR(100) NOT NULL,
    parent_final INTEGER      NOT NULL,
    PRIMARY KEY (parent_id, child_id)
);
CREATE INDEX IF NOT EXISTS apiary_flow_edges_child ON apiary_flow_edges (child_id, position);
-- Limits (JobStorage.limit): each job's partition key, read at the push; a row per limited queue (empty key), which
-- every limited claim locks first so that claims of the queue take turns, and a row per key with a rate per key,
-- holding the starts of the current rate period.
ALTER TABLE apiary_jobs ADD COLUMN IF NOT EXISTS partition_key VARCHAR(200);
CREATE TABLE IF NOT EXISTS apiary_queue_limits (
    queue         VARCHAR(200) NOT NULL,
    partition_key VARCHAR(200) NOT NULL,
    period_index  BIGINT       NOT NULL,
    starts        INTEGER      NOT NULL,
    PRIMARY KEY (queue, partition_key)
);
CREATE INDEX IF NOT EXISTS apiary_jobs_pending_key ON apiary_jobs (queue, status, partition_key);
