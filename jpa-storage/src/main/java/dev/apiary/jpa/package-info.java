/**
 * The JPA job storage: {@link dev.apiary.jpa.JpaJobStorage} for one queue on any JPA 3.1 persistence unit that lists
 * {@link dev.apiary.jpa.JobEntity} and {@link dev.apiary.jpa.WorkerEntity}, with PostgreSQL's faster statements
 * behind {@link dev.apiary.jpa.SqlDialect}. Schema scripts: {@code META-INF/apiary/schema-h2.sql} and
 * {@code META-INF/apiary/schema-postgresql.sql}, also as Flyway migrations under {@code db/apiary/<database>} and a
 * Liquibase changelog {@code db/apiary/changelog.xml}.
 */
package dev.apiary.jpa;
