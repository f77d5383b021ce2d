package dev.apiary.spi;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.util.List;
import java.util.function.Function;

/**
 * The name of this node as storages record it on worker rows and on each attempt of a job: unique per running
 * process, so that two servers on one host are told apart. {@code apiary.node} (or a storage builder's
 * {@code node(..)}) overrides it; otherwise it is the host name, a slash, and the server's own name where the runtime
 * tells it (WildFly's {@code jboss.node.name} or {@code jboss.server.name}, Open Liberty's {@code wlp.server.name},
 * Payara's {@code com.sun.aas.instanceName}), else the process id and a token drawn at start
 * ({@code host/4711-k3f9}), since a process id alone repeats across restarts (it is often 1 in a container).
 */
public final class NodeIdentity {

    /** The longest node name a storage keeps; longer ones are cut. */
    public static final int MAX_LENGTH = 255;

    /** The system properties that name a server, in the order they are asked. */
    static final List<String> SERVER_NAMES = List.of("jboss.node.name", "jboss.server.name", "wlp.server.name",
            "com.sun.aas.instanceName");

    private static final String DETECTED = detect();

    private NodeIdentity() {
    }

    /** This process's node name as detected, without the {@code apiary.node} override (the runtime applies that). */
    public static String detected() {
        return DETECTED;
    }

    /**
     * The node name from the given facts: {@code host/server} with the first server name that is set and says more
     * than the host name (WildFly's default server name is the host name), else {@code host/pid-token}; cut to
     * {@link #MAX_LENGTH}.
     *
     * @param systemProperty reads a system property, {@code null} when unset
     * @param host           the host name, {@code null} when it cannot be resolved
     */
    public static String of(Function<String, String> systemProperty, String host, long pid, String token) {
        String h = host == null || host.isBlank() ? "localhost" : host.strip();
        String server = null;
        for (String key : SERVER_NAMES) {
            String value = systemProperty.apply(key);
            if (value != null && !value.isBlank() && !sameHost(value.strip(), h)) {
                server = value.strip();
                break;
            }
        }
        return cut(h + "/" + (server != null ? server : pid + "-" + token));
    }

    /** A name given by the user ({@code apiary.node}, a builder), blank taken as unset; cut to {@link #MAX_LENGTH}. */
    public static String given(String name) {
        return name == null || name.isBlank() ? null : cut(name.strip());
    }

    private static boolean sameHost(String server, String host) {
        String shortHost = host.contains(".") ? host.substring(0, host.indexOf('.')) : host;
        return server.equalsIgnoreCase(host) || server.equalsIgnoreCase(shortHost);
    }

    private static String cut(String name) {
        return name.length() <= MAX_LENGTH ? name : name.substring(0, MAX_LENGTH);
    }

    private static String detect() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException | SecurityException e) {
            host = null;
        }
        String alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
        SecureRandom random = new SecureRandom();
        StringBuilder token = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            token.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        Function<String, String> properties = key -> {
            try {
                return System.getProperty(key);
            } catch (SecurityException e) {
                return null;
            }
        };
        return of(properties, host, ProcessHandle.current().pid(), token.toString());
    }
}
