package dev.apiary.jpa;

import liquibase.command.CommandScope;
import liquibase.command.core.UpdateCommandStep;
import liquibase.command.core.helpers.DbUrlConnectionArgumentsCommandStep;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Flyway migrations and the Liquibase changelog shipped in the jar, run by the real tools on H2 and PostgreSQL:
 * they build the same tables as {@link JobSchema#create}, run again without error, and complete a schema that an
 * older release (or {@code JobSchema.create}) made before the tool was adopted.
 */
class ShippedMigrationsTest {

    enum Tool { FLYWAY, LIQUIBASE }

    enum Db { H2, POSTGRESQL }

    @ParameterizedTest
    @EnumSource(Db.class)
    void flywayBuildsTheSameTablesAsTheScriptAndRunsAgain(Db db) throws Exception {
        buildsTheSameTablesAsTheScriptAndRunsAgain(Tool.FLYWAY, db);
    }

    @ParameterizedTest
    @EnumSource(Db.class)
    void liquibaseBuildsTheSameTablesAsTheScriptAndRunsAgain(Db db) throws Exception {
        buildsTheSameTablesAsTheScriptAndRunsAgain(Tool.LIQUIBASE, db);
    }

    @ParameterizedTest
    @EnumSource(Db.class)
    void flywayCompletesTheTablesOfAnOlderRelease(Db db) throws Exception {
        completesTheTablesOfAnOlderRelease(Tool.FLYWAY, db);
    }

    @ParameterizedTest
    @EnumSource(Db.class)
    void liquibaseCompletesTheTablesOfAnOlderRelease(Db db) throws Exception {
        completesTheTablesOfAnOlderRelease(Tool.LIQUIBASE, db);
    }

    private void buildsTheSameTablesAsTheScriptAndRunsAgain(Tool tool, Db db) throws Exception {
        String byTool = freshDatabase(db);
        String byScript = freshDatabase(db);
        migrate(tool, db, byTool);
        migrate(tool, db, byTool);
        try (Connection c = connect(db, byScript)) {
            JobSchema.create(c);
        }

        try (Connection c = connect(db, byTool)) {
            JobSchema.requireTables(c);
            assertThat(columns(c)).as("the tables the tool built").isEqualTo(columnsOf(db, byScript))
                    .containsKeys("apiary_jobs", "apiary_workers", "apiary_schedules");
        }
    }

    private void completesTheTablesOfAnOlderRelease(Tool tool, Db db) throws Exception {
        String url = freshDatabase(db);
        String complete = freshDatabase(db);
        try (Connection c = connect(db, url); Statement s = c.createStatement()) {
            // the first two statements of the script: apiary_jobs without the columns later releases appended
            var statements = JobSchema.statements(db == Db.H2 ? SqlDialect.H2 : SqlDialect.POSTGRESQL);
            s.execute(statements.get(0));
            assertThat(columns(c).get("apiary_jobs")).doesNotContain("progress", "result");
        }
        try (Connection c = connect(db, complete)) {
            JobSchema.create(c);
        }

        // Flyway adopted on a database that has tables: its usual baselineOnMigrate, after which repeatables run
        migrate(tool, db, url, true);

        try (Connection c = connect(db, url)) {
            assertThat(columns(c)).isEqualTo(columnsOf(db, complete));
        }
    }

    private static void migrate(Tool tool, Db db, String url) throws Exception {
        migrate(tool, db, url, false);
    }

    private static void migrate(Tool tool, Db db, String url, boolean baseline) throws Exception {
        String location = db == Db.H2 ? "h2" : "postgresql";
        if (tool == Tool.FLYWAY) {
            Flyway.configure().dataSource(url, user(db), "").locations("classpath:db/apiary/" + location)
                    .baselineOnMigrate(baseline).load().migrate();
            return;
        }
        try (Connection c = connect(db, url)) {
            Database database = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
            new CommandScope(UpdateCommandStep.COMMAND_NAME)
                    .addArgumentValue(DbUrlConnectionArgumentsCommandStep.DATABASE_ARG, database)
                    .addArgumentValue(UpdateCommandStep.CHANGELOG_FILE_ARG, "db/apiary/changelog.xml")
                    .execute();
        }
    }

    private static String freshDatabase(Db db) throws SQLException {
        String name = "m" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        if (db == Db.H2) {
            return "jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1";
        }
        TestDatabases.url(TestDatabases.Db.POSTGRESQL);
        try (Connection c = TestDatabases.postgresDataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return TestDatabases.url(TestDatabases.Db.POSTGRESQL).replaceFirst("/postgres\\?", "/" + name + "?");
    }

    private static Connection connect(Db db, String url) throws SQLException {
        return DriverManager.getConnection(url, user(db), "");
    }

    private static String user(Db db) {
        return db == Db.H2 ? "sa" : "postgres";
    }

    private static Map<String, TreeSet<String>> columnsOf(Db db, String url) throws SQLException {
        try (Connection c = connect(db, url)) {
            return columns(c);
        }
    }

    /** Apiary's tables and their columns (lower case), as the database's metadata lists them. */
    private static Map<String, TreeSet<String>> columns(Connection c) throws SQLException {
        Map<String, TreeSet<String>> tables = new TreeMap<>();
        try (ResultSet rs = c.getMetaData().getColumns(null, null, "%", "%")) {
            while (rs.next()) {
                String table = rs.getString("TABLE_NAME").toLowerCase(Locale.ROOT);
                if (table.startsWith("apiary_")) {
                    tables.computeIfAbsent(table, t -> new TreeSet<>())
                            .add(rs.getString("COLUMN_NAME").toLowerCase(Locale.ROOT));
                }
            }
        }
        return tables;
    }
}
