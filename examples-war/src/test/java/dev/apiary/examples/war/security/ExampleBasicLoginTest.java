package dev.apiary.examples.war.security;

import jakarta.security.enterprise.credential.UsernamePasswordCredential;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** Which {@code Authorization: Basic} headers carry a user and password; the rest are answered 401, never a 500. */
class ExampleBasicLoginTest {

    @Test
    void aWellFormedHeaderGivesItsUserAndPassword() {
        assertThat(ExampleBasicLogin.credential(basic("admin:admin"))).hasValueSatisfying(c -> {
            assertThat(c.getCaller()).isEqualTo("admin");
            assertThat(c.getPasswordAsString()).isEqualTo("admin");
        });
        // a password may hold colons, and the scheme's case does not matter
        UsernamePasswordCredential colons = ExampleBasicLogin.credential("basic " + base64("jo:a:b:")).orElseThrow();
        assertThat(colons.getCaller()).isEqualTo("jo");
        assertThat(colons.getPasswordAsString()).isEqualTo("a:b:");
        assertThat(ExampleBasicLogin.credential(basic("zoë:pässword"))).isPresent();
    }

    @Test
    void aMalformedHeaderGivesNothing() {
        for (String header : new String[] {"Basic !!!", "Basic %%%%", "Basic ////", "Basic YWRtaW46YWRtaW4=x",
                "Basic", "Basic ", "Basic:" + base64("a:b"), basic("no colon"), basic(":no user"),
                "Basic " + Base64.getEncoder().encodeToString(new byte[] {(byte) 0xff, (byte) 0xfe, ':', 'x'})}) {
            assertThat(ExampleBasicLogin.credential(header)).as(header).isEmpty();
        }
    }

    private static String basic(String credentials) {
        return "Basic " + base64(credentials);
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
