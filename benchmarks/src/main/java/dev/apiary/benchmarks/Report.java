package dev.apiary.benchmarks;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The table the benchmark prints: each figure with its baseline from the same run, the ratio and the target. */
final class Report {

    /** One line of the table; {@code baseline} is NaN when the figure has none. */
    record Row(String what, double value, String unit, String baselineName, double baseline, String target,
               boolean met) {
    }

    private final List<Row> rows = new ArrayList<>();

    void add(Row row) {
        rows.add(row);
    }

    List<Row> rows() {
        return rows;
    }

    void print(PrintStream out) {
        out.println();
        out.printf(Locale.ROOT, "| %-52s | %14s | %-30s | %14s | %7s | %-28s | %-4s |%n", "measure", "value", "baseline",
                "baseline value", "ratio", "target", "met");
        out.println("| " + "-".repeat(52) + " | " + "-".repeat(14) + " | " + "-".repeat(30) + " | " + "-".repeat(14)
                + " | " + "-".repeat(7) + " | " + "-".repeat(28) + " | " + "-".repeat(4) + " |");
        for (Row r : rows) {
            boolean hasBaseline = !Double.isNaN(r.baseline());
            out.printf(Locale.ROOT, "| %-52s | %14s | %-30s | %14s | %7s | %-28s | %-4s |%n", r.what(),
                    format(r.value(), r.unit()), hasBaseline ? r.baselineName() : "-",
                    hasBaseline ? format(r.baseline(), r.unit()) : "-",
                    hasBaseline ? String.format(Locale.ROOT, "%.2f", r.value() / r.baseline()) : "-", r.target(),
                    r.met() ? "yes" : "NO");
        }
        out.println();
    }

    private static String format(double value, String unit) {
        if (unit.equals("ms")) {
            return String.format(Locale.ROOT, "%.2f ms", value);
        }
        return String.format(Locale.ROOT, "%,.0f %s", value, unit);
    }
}
