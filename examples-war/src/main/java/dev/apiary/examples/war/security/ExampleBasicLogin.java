package dev.apiary.examples.war.security;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.security.enterprise.AuthenticationStatus;
import jakarta.security.enterprise.authentication.mechanism.http.HttpAuthenticationMechanism;
import jakarta.security.enterprise.authentication.mechanism.http.HttpMessageContext;
import jakarta.security.enterprise.credential.UsernamePasswordCredential;
import jakarta.security.enterprise.identitystore.CredentialValidationResult;
import jakarta.security.enterprise.identitystore.IdentityStoreHandler;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * HTTP Basic for the example's users ({@link ExampleUsers}), the same on every server; a malformed header gets a 401
 * with a JSON error, where the servers' built-in mechanism throws (docs/internals.md, "Malformed Basic credentials").
 */
@ApplicationScoped
public class ExampleBasicLogin implements HttpAuthenticationMechanism {

    static final String CHALLENGE = "Basic realm=\"apiary\"";
    private static final String MALFORMED = "{\"status\":401,\"error\":\"Unauthorized\",\"message\":\"the "
            + "Authorization header is not valid HTTP Basic: send 'Basic ' and the base64 of user:password\"}";

    @Inject
    IdentityStoreHandler identities;

    @Override
    public AuthenticationStatus validateRequest(HttpServletRequest request, HttpServletResponse response,
                                                HttpMessageContext context) {
        String header = request.getHeader("Authorization");
        Optional<UsernamePasswordCredential> credential = header == null ? Optional.empty() : credential(header);
        if (credential.isEmpty() && isBasic(header)) {
            return malformed(response);
        }
        if (credential.isPresent()) {
            CredentialValidationResult result = identities.validate(credential.get());
            if (result.getStatus() == CredentialValidationResult.Status.VALID) {
                return context.notifyContainerAboutLogin(result);
            }
        }
        if (context.isProtected() || context.isAuthenticationRequest()) {
            response.setHeader("WWW-Authenticate", CHALLENGE);
            return context.responseUnauthorized();
        }
        return context.doNothing();
    }

    /** A 401 with a JSON error, written and completed here (docs/internals.md, "Malformed Basic credentials"). */
    private static AuthenticationStatus malformed(HttpServletResponse response) {
        try {
            response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
            response.setHeader("WWW-Authenticate", CHALLENGE);
            response.setContentType("application/json");
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            response.getWriter().write(MALFORMED);
            response.getWriter().close();
        } catch (IOException e) {
            // the client went away: nothing left to answer
        }
        return AuthenticationStatus.SEND_FAILURE;
    }

    /** Whether {@code header} names the Basic scheme, well-formed or not. */
    static boolean isBasic(String header) {
        return header != null && header.regionMatches(true, 0, "Basic", 0, 5);
    }

    /** The user and password of a {@code Basic} header, or nothing when it is not valid HTTP Basic. */
    static Optional<UsernamePasswordCredential> credential(String header) {
        if (!isBasic(header) || header.length() < 7 || header.charAt(5) != ' ') {
            return Optional.empty();
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(header.substring(6).trim());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        String decoded;
        try {
            decoded = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
            return Optional.empty();
        }
        return Optional.of(new UsernamePasswordCredential(decoded.substring(0, colon), decoded.substring(colon + 1)));
    }
}
