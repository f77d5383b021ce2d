package dev.apiary.spi;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeIdentityTest {

    private static String node(Map<String, String> properties, String host) {
        return NodeIdentity.of(properties::get, host, 4711, "k3f9");
    }

    @Test
    void aServerThatNamesItselfIsTheHostAndThatName() {
        assertEquals("web-1/server-a", node(Map.of("jboss.node.name", "server-a", "jboss.server.name", "other"),
                "web-1"), "WildFly's node name first");
        assertEquals("web-1/server-b", node(Map.of("jboss.server.name", "server-b"), "web-1"));
        assertEquals("web-1/defaultServer", node(Map.of("wlp.server.name", "defaultServer"), "web-1"), "Liberty");
        assertEquals("web-1/instance1", node(Map.of("com.sun.aas.instanceName", "instance1"), "web-1"), "Payara");
    }

    @Test
    void aServerNamedAfterItsHostSaysNothingMoreSoTheProcessCounts() {
        // WildFly names its server and node after the host unless told otherwise
        assertEquals("web-1.example.com/4711-k3f9", node(Map.of("jboss.node.name", "web-1",
                "jboss.server.name", "WEB-1.example.com"), "web-1.example.com"));
    }

    @Test
    void withoutAServerNameTheProcessIdAndTheStartTokenTellTwoProcessesOfOneHostApart() {
        assertEquals("web-1/4711-k3f9", node(Map.of(), "web-1"));
        assertEquals("web-1/4711-x0x0", NodeIdentity.of(key -> null, "web-1", 4711, "x0x0"),
                "a process id reused after a restart (1 in a container) is told apart by the token");
        assertEquals("localhost/4711-k3f9", node(Map.of(), null), "a host name that cannot be resolved");
        assertEquals("web-1/4711-k3f9", node(Map.of("wlp.server.name", "  "), " web-1 "), "blanks count as unset");
    }

    @Test
    void aGivenNameWinsIsTrimmedAndCutAndABlankOneCountsAsUnset() {
        assertEquals("orders-eu-1", NodeIdentity.given(" orders-eu-1 "));
        assertNull(NodeIdentity.given("  "));
        assertNull(NodeIdentity.given(null));
        assertEquals(NodeIdentity.MAX_LENGTH, NodeIdentity.given("n".repeat(300)).length());
        assertEquals(NodeIdentity.MAX_LENGTH, node(Map.of("wlp.server.name", "s".repeat(300)), "h").length());
    }

    @Test
    void thisProcessHasAHostAndAServerOrProcessPart() {
        String detected = NodeIdentity.detected();
        assertTrue(detected.contains("/"), detected);
        assertTrue(detected.endsWith("/" + ProcessHandle.current().pid() + "-" + detected.substring(
                detected.lastIndexOf('-') + 1)), detected);
    }
}
