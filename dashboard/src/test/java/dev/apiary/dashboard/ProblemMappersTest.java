package dev.apiary.dashboard;

import dev.apiary.dashboard.ProblemMappers.ApiError;
import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/** Every error of the dashboard's API answers JSON with its status and a message, never a stack trace. */
class ProblemMappersTest {

    private final Logger log = Logger.getLogger(ProblemMappers.Unexpected.class.getName());
    private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            logged.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void listen() {
        log.addHandler(handler);
    }

    @AfterEach
    void stopListening() {
        log.removeHandler(handler);
    }

    private static ApiError body(Response response) {
        assertThat(response.getMediaType()).isEqualTo(MediaType.APPLICATION_JSON_TYPE);
        return (ApiError) response.getEntity();
    }

    @Test
    void aProblemAnswersItsStatusAndMessageWithItsHeaders() {
        DashboardProblem problem = new DashboardProblem(401, "log in to use the Apiary dashboard")
                .header(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"apiary\"");

        Response response = new ProblemMappers.Problems().toResponse(problem);

        assertThat(response.getStatus()).isEqualTo(401);
        assertThat(body(response)).isEqualTo(new ApiError(401, "Unauthorized", "log in to use the Apiary dashboard"));
        assertThat(response.getHeaderString(HttpHeaders.WWW_AUTHENTICATE)).isEqualTo("Basic realm=\"apiary\"");
    }

    @Test
    void theProblemsOfTheApiHaveTheirStatuses() {
        ProblemMappers.Problems mapper = new ProblemMappers.Problems();

        assertThat(body(mapper.toResponse(DashboardProblem.badRequest("status 'DONE?' is unknown"))))
                .isEqualTo(new ApiError(400, "Bad Request", "status 'DONE?' is unknown"));
        assertThat(body(mapper.toResponse(DashboardProblem.notFound("no job 42 in queue 'mails'"))))
                .isEqualTo(new ApiError(404, "Not Found", "no job 42 in queue 'mails'"));
        assertThat(body(mapper.toResponse(DashboardProblem.conflict("job 42 is running"))))
                .isEqualTo(new ApiError(409, "Conflict", "job 42 is running"));
    }

    @Test
    void aStatusWithoutAStandardNameIsAnError() {
        Response response = new ProblemMappers.Problems().toResponse(new DashboardProblem(499, "gone away"));

        assertThat(response.getStatus()).isEqualTo(499);
        assertThat(body(response)).isEqualTo(new ApiError(499, "Error", "gone away"));
    }

    @Test
    void theRuntimesRefusalsAnswerTheirStatusAndItsName() {
        ProblemMappers.RestErrors mapper = new ProblemMappers.RestErrors();

        assertThat(body(mapper.toResponse(new NotFoundException("/apiary/api/nothing here"))))
                .isEqualTo(new ApiError(404, "Not Found", "Not Found"));
        Response notAllowed = mapper.toResponse(new NotAllowedException("GET"));
        assertThat(notAllowed.getStatus()).isEqualTo(405);
        assertThat(body(notAllowed)).isEqualTo(new ApiError(405, "Method Not Allowed", "Method Not Allowed"));
        assertThat(body(mapper.toResponse(new NotAcceptableException())).status()).isEqualTo(406);
        assertThat(body(mapper.toResponse(new WebApplicationException(599))))
                .isEqualTo(new ApiError(599, "Error", "request refused"));
    }

    @Test
    void anUnexpectedErrorIsLoggedOnceWithAnIdAndAnsweredWithoutItsText() {
        IllegalStateException bug = new IllegalStateException("secret connection string jdbc:pg://admin:pw@db");

        Response response = new ProblemMappers.Unexpected().toResponse(bug);

        assertThat(response.getStatus()).isEqualTo(500);
        ApiError error = body(response);
        assertThat(error.status()).isEqualTo(500);
        assertThat(error.error()).isEqualTo("Internal Server Error");
        assertThat(error.message()).matches("internal error, id [0-9a-f-]{36} \\(see the server log\\)")
                .doesNotContain("secret");
        String id = error.message().substring("internal error, id ".length(), "internal error, id ".length() + 36);
        assertThat(logged).singleElement().satisfies(r -> {
            assertThat(r.getLevel()).isEqualTo(Level.SEVERE);
            assertThat(r.getMessage()).isEqualTo("Apiary dashboard request failed, error id " + id);
            assertThat(r.getThrown()).isSameAs(bug);
        });
    }
}
