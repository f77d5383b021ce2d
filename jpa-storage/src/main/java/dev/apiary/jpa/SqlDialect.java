package dev.apiary.jpa;

import java.util.Locale;

/**
 * Which SQL the storage may use beyond JPQL. Detected from the database when not set on the builder.
 */
public enum SqlDialect {

    /**
     * PostgreSQL 9.5 or later: a claim is one {@code UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED)
     * RETURNING *}, batch enqueue is a multi-row insert, pushes send {@code NOTIFY}.
     */
    POSTGRESQL,

    /** H2 2.x: portable claiming, multi-row batch enqueue. */
    H2,

    /**
     * Any other database: JPQL only. A claim selects candidates, marks them with one conditional bulk update
     * ({@code ... AND status = 'PENDING'}) and reads back the rows it won; correct on any database whose
     * {@code UPDATE} re-checks its condition on the row it locks, as all major ones do.
     */
    STANDARD;

    /** The dialect for a JDBC database product name, as {@code DatabaseMetaData.getDatabaseProductName()} says. */
    public static SqlDialect ofProductName(String productName) {
        String name = productName == null ? "" : productName.toLowerCase(Locale.ROOT);
        if (name.contains("postgresql")) {
            return POSTGRESQL;
        } else if (name.equals("h2")) {
            return H2;
        }
        return STANDARD;
    }
}
