package dev.apiary.reliability;

import java.util.logging.LogManager;

/**
 * The worker nodes' {@link LogManager} ({@code -Djava.util.logging.manager}): the JDK's own shutdown hook resets
 * logging while other shutdown hooks still run, which would silence everything Apiary logs during a graceful stop
 * (the jobs it hands back). This one ignores that reset; the JVM closes the console anyway.
 */
public final class NodeLogManager extends LogManager {

    @Override
    public void reset() {
        if (Thread.currentThread().getClass().getName().startsWith(LogManager.class.getName() + "$")) {
            return;
        }
        super.reset();
    }
}
