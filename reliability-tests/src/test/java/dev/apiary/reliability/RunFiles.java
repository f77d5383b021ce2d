package dev.apiary.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The run files JMS nodes append one job id per run to, read by the tests (empty while none exists yet). */
final class RunFiles {

    private RunFiles() {
    }

    /** The ids in {@code file}, one per run, in the order they ran. */
    static List<String> ids(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList()
                    : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
