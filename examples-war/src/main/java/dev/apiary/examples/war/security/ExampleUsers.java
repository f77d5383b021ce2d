package dev.apiary.examples.war.security;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.security.enterprise.credential.Credential;
import jakarta.security.enterprise.credential.UsernamePasswordCredential;
import jakarta.security.enterprise.identitystore.CredentialValidationResult;
import jakarta.security.enterprise.identitystore.IdentityStore;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The example's users, for its dashboard: users from {@code example.users}, logged in with HTTP Basic
 * ({@link ExampleBasicLogin}; Jakarta Security, the same on every server). An example only: passwords in
 * configuration are for a demo; a real application uses its server's identity store or its identity provider, and
 * maps the groups to {@code apiary-viewer} and {@code apiary-admin}.
 */
@ApplicationScoped
public class ExampleUsers implements IdentityStore {

    /** {@code name:password:group[ group...]}, comma-separated. */
    @Inject
    @ConfigProperty(name = "example.users")
    List<String> entries;

    private final Map<String, User> users = new HashMap<>();

    private record User(String password, Set<String> groups) {
    }

    @PostConstruct
    void read() {
        for (String entry : entries) {
            String[] parts = entry.trim().split(":", 3);
            if (parts.length != 3) {
                throw new IllegalArgumentException("example.users: '" + entry + "' is not name:password:groups");
            }
            users.put(parts[0], new User(parts[1], Set.of(parts[2].trim().split("\\s+"))));
        }
    }

    @Override
    public CredentialValidationResult validate(Credential credential) {
        if (credential instanceof UsernamePasswordCredential login) {
            User user = users.get(login.getCaller());
            if (user != null && user.password().equals(login.getPasswordAsString())) {
                return new CredentialValidationResult(login.getCaller(), user.groups());
            }
        }
        return CredentialValidationResult.INVALID_RESULT;
    }
}
