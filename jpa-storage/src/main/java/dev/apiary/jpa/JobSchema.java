package dev.apiary.jpa;

import dev.apiary.ConfigurationException;
import dev.apiary.StorageException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The schema scripts this jar ships ({@code META-INF/apiary/schema-postgresql.sql}, {@code schema-h2.sql}), for
 * tests and quick starts that create the tables over JDBC. Production schemas belong in a migration tool: the jar
 * ships the same scripts as Flyway repeatable migrations ({@code db/apiary/<database>/R__apiary_schema.sql}) and a
 * Liquibase changelog ({@code db/apiary/changelog.xml}).
 */
public final class JobSchema {

    private JobSchema() {
    }

    /** The statements of the script for {@code dialect}, comments removed. */
    public static List<String> statements(SqlDialect dialect) {
        String script = switch (dialect) {
            case POSTGRESQL -> "schema-postgresql.sql";
            case H2 -> "schema-h2.sql";
            case STANDARD -> throw new IllegalArgumentException("No schema script ships for other databases; "
                    + "use JPA schema generation or write one from schema-h2.sql");
        };
        String sql;
        try (InputStream in = JobSchema.class.getResourceAsStream("/META-INF/apiary/" + script)) {
            sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StorageException("Cannot read META-INF/apiary/" + script + " from apiary-jpa-storage", e);
        }
        List<String> statements = new ArrayList<>();
        for (String statement : sql.replaceAll("(?m)^--.*$", "").split(";")) {
            if (!statement.isBlank()) {
                statements.add(statement.strip());
            }
        }
        return statements;
    }

    /** The tables a storage needs (the scripts create them, and the schedules' table). */
    static final List<String> TABLES = List.of("apiary_jobs", "apiary_workers", "apiary_paused_queues",
            "apiary_queue_limits");

    /**
     * SQL states that say an object of the script exists already: PostgreSQL duplicate table/index, object, column;
     * H2 table, index, column exists, and H2's constraint-exists code.
     */
    private static final Set<String> EXISTS = Set.of("42P07", "42710", "42701", "42S01", "42S11", "42S21", "90045");

    /**
     * Creates Apiary's tables on {@code connection}'s database (PostgreSQL or H2, read from its metadata) and commits.
     * Idempotent: a statement whose table, index, column or constraint exists already is skipped, so it may run at
     * every start and after an upgrade adds statements. Each statement commits on its own (auto-commit is switched on
     * for the call and restored after).
     */
    public static void create(Connection connection) throws SQLException {
        SqlDialect dialect = SqlDialect.ofProductName(connection.getMetaData().getDatabaseProductName());
        boolean autoCommit = connection.getAutoCommit();
        if (!autoCommit) {
            connection.setAutoCommit(true);
        }
        try (Statement s = connection.createStatement()) {
            for (String statement : statements(dialect)) {
                try {
                    s.execute(statement);
                } catch (SQLException e) {
                    if (!EXISTS.contains(e.getSQLState()) && e.getErrorCode() != 90045) {
                        throw e;
                    }
                }
            }
        } finally {
            if (!autoCommit) {
                connection.setAutoCommit(false);
            }
        }
    }

    /**
     * Fails with a message that says how to create them when Apiary's tables are missing from {@code connection}'s
     * database.
     */
    public static void requireTables(Connection connection) throws SQLException {
        List<String> missing = new ArrayList<>();
        for (String table : TABLES) {
            if (!exists(connection, table)) {
                missing.add(table);
            }
        }
        if (!missing.isEmpty()) {
            throw new ConfigurationException(missingTablesMessage(missing,
                    connection.getMetaData().getDatabaseProductName()));
        }
    }

    static String missingTablesMessage(List<String> missing, String product) {
        return "Apiary's tables " + missing + " do not exist in the " + product + " database. Create them with the"
                + " script shipped in apiary-jpa-storage: with Flyway (location classpath:db/apiary/postgresql or"
                + " classpath:db/apiary/h2), with Liquibase (include db/apiary/changelog.xml), as is"
                + " (META-INF/apiary/schema-postgresql.sql or schema-h2.sql), with JobSchema.create(connection), or,"
                + " for the default storage, by setting apiary.storage.create-schema=true";
    }

    private static boolean exists(Connection connection, String table) throws SQLException {
        var meta = connection.getMetaData();
        for (String name : new String[] {table, table.toUpperCase(java.util.Locale.ROOT)}) {
            try (ResultSet rs = meta.getTables(null, null, name, new String[] {"TABLE"})) {
                if (rs.next()) {
                    return true;
                }
            }
        }
        return false;
    }
}
