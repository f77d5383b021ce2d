package dev.apiary.impl.monitor;

import java.util.Set;
import java.util.stream.Collectors;

/** The live threads Apiary named (apiary-*), counted by name as a thread dump shows them. */
final class ApiaryThreads {

    private ApiaryThreads() {
    }

    static Set<Thread> alive() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("apiary-"))
                .collect(Collectors.toSet());
    }

    /** Those alive now that were not in {@code before} (another test's monitor may still run in this JVM). */
    static Set<String> aliveBesides(Set<Thread> before) {
        return alive().stream().filter(t -> !before.contains(t)).map(Thread::getName).collect(Collectors.toSet());
    }
}
