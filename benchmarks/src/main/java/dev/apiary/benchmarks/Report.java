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

    /** Adds a row, and prints it at once: a long run shows its figures as they come. */
    void add(Row row) {
        rows.add(row);
        System.out.printf(Locale.ROOT, "%s: %s%s%n", row.what(), format(row.value(), row.unit()),
                Double.isNaN(row.baseline()) ? "" : String.format(Locale.ROOT, " (%s: %s, ratio %.2f)",
                        row.baselineName(), format(row.baseline(), row.unit()), row.value() / row.baseline()));
    }

    List<Row> rows() {
        return rows;
    }

    /** A Markdown table, the columns as wide as their widest cell. */
    void print(PrintStream out) {
        int what = "measure".length();
        int base = "baseline".length();
        int target = "target".length();
        for (Row r : rows) {
            what = Math.max(what, r.what().length());
            base = Math.max(base, r.baselineName().length());
            target = Math.max(target, r.target().length());
        }
        String line = "| %-" + what + "s | %14s | %-" + base + "s | %14s | %7s | %-" + target + "s | %-4s |%n";
        out.println();
        out.printf(Locale.ROOT, line, "measure", "value", "baseline", "baseline value", "ratio", "target", "met");
        out.println("| " + "-".repeat(what) + " | " + "-".repeat(14) + " | " + "-".repeat(base) + " | "
                + "-".repeat(14) + " | " + "-".repeat(7) + " | " + "-".repeat(target) + " | " + "-".repeat(4) + " |");
        for (Row r : rows) {
            boolean hasBaseline = !Double.isNaN(r.baseline());
            out.printf(Locale.ROOT, line, r.what(), format(r.value(), r.unit()),
                    hasBaseline ? r.baselineName() : "-", hasBaseline ? format(r.baseline(), r.unit()) : "-",
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
