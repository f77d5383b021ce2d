/**
 * Jobs that depend on jobs: chains, batches with a callback, and workflows of named steps, stored with the jobs so
 * that they survive crashes as single jobs do. Start them through {@link dev.apiary.flow.Flows}.
 */
package dev.apiary.flow;
