package dev.apiary.jpa;

import dev.apiary.StorageException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The schema scripts this jar ships ({@code META-INF/apiary/schema-postgresql.sql}, {@code schema-h2.sql}), for
 * tests and quick starts that create the tables over JDBC. Production schemas belong in a migration tool.
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

    /** Creates Apiary's tables on {@code connection}'s database (PostgreSQL or H2, read from its metadata). */
    public static void create(Connection connection) throws SQLException {
        SqlDialect dialect = SqlDialect.ofProductName(connection.getMetaData().getDatabaseProductName());
        try (Statement s = connection.createStatement()) {
            for (String statement : statements(dialect)) {
                s.execute(statement);
            }
        }
    }
}
