package dev.apiary.dashboard;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A servlet request and its response as a filter sees them, without a server: the parts the dashboard reads (method,
 * headers, server name and port, URI, attributes) and writes (status, type, body). Anything else fails the test.
 */
final class ServletExchange {

    final String method;
    final Map<String, String> headers = new LinkedHashMap<>();
    final Map<String, Object> attributes = new HashMap<>();
    String serverName = "dash.example.com";
    int serverPort = 443;
    int status = 200;
    String contentType;
    String encoding;
    final StringWriter body = new StringWriter();

    ServletExchange(String method) {
        this.method = method;
    }

    ServletExchange header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    HttpServletRequest request() {
        return (HttpServletRequest) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "getMethod" -> method;
                    case "getHeader" -> headers.entrySet().stream()
                            .filter(h -> h.getKey().equalsIgnoreCase((String) args[0])).map(Map.Entry::getValue)
                            .findFirst().orElse(null);
                    case "getServerName" -> serverName;
                    case "getServerPort" -> serverPort;
                    case "getRequestURI" -> "/app/apiary/api/queues";
                    case "getAttribute" -> attributes.get((String) args[0]);
                    case "setAttribute" -> {
                        attributes.put((String) args[0], args[1]);
                        yield null;
                    }
                    case "toString" -> method + " " + headers;
                    default -> throw new UnsupportedOperationException("the request's " + m.getName());
                });
    }

    HttpServletResponse response() {
        PrintWriter writer = new PrintWriter(body, true);
        return (HttpServletResponse) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {HttpServletResponse.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "resetBuffer" -> null;
                    case "setStatus" -> {
                        status = (Integer) args[0];
                        yield null;
                    }
                    case "setContentType" -> {
                        contentType = (String) args[0];
                        yield null;
                    }
                    case "setCharacterEncoding" -> {
                        encoding = (String) args[0];
                        yield null;
                    }
                    case "getWriter" -> writer;
                    case "toString" -> "response " + status;
                    default -> throw new UnsupportedOperationException("the response's " + m.getName());
                });
    }
}
