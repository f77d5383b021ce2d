/**
 * The JPA job storage: {@link dev.apiary.jpa.JpaJobStorage} for one queue on any JPA 3.1 persistence unit that lists
 * {@link dev.apiary.jpa.JobEntity} and {@link dev.apiary.jpa.WorkerEntity}, with PostgreSQL's faster statements
 * behind {@link dev.apiary.jpa.SqlDialect} and a {@link dev.apiary.jpa.RetentionCleaner} for finished jobs.
 * Schema scripts: {@code META-INF/apiary/schema-h2.sql} and {@code META-INF/apiary/schema-postgresql.sql}.
 */
package dev.apiary.jpa;
