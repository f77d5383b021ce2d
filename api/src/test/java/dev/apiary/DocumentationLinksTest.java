package dev.apiary;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README and the pages under {@code docs/} link to each other and to the code: every relative link must name a
 * file that exists and, with a {@code #anchor} into a Markdown file, one of its headings as GitHub names them. External
 * links are not fetched. The README stays a front door of at most {@value #README_MAX_LINES} lines.
 */
class DocumentationLinksTest {

    static final int README_MAX_LINES = 250;

    private static final Pattern INLINE_LINK =
            Pattern.compile("!?\\[(?:[^\\[\\]]|\\[[^\\]]*\\])*\\]\\(\\s*<?([^)\\s>]*)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    private static final Pattern REFERENCE_DEFINITION = Pattern.compile("(?m)^ {0,3}\\[[^\\]]+\\]:\\s*<?(\\S+?)>?(?:\\s.*)?$");
    private static final Pattern HTML_LINK = Pattern.compile("(?:href|src)\\s*=\\s*\"([^\"]*)\"");
    private static final Pattern HEADING = Pattern.compile("^ {0,3}#{1,6}\\s+(.*?)(?:\\s+#+)?\\s*$");
    private static final Pattern HTML_ANCHOR = Pattern.compile("<a\\s+(?:id|name)\\s*=\\s*\"([^\"]+)\"");
    private static final Pattern FENCE = Pattern.compile("^ {0,3}(```|~~~)");
    private static final Pattern CODE_SPAN = Pattern.compile("(`+)(?:(?!\\1).)+?\\1");

    @Test
    void everyRelativeLinkOfTheDocumentationLeadsToAFileAndAHeading() {
        Path root = repositoryRoot();

        List<String> broken = brokenLinks(root, documentationFiles(root));

        assertTrue(broken.isEmpty(), () -> broken.size() + " broken link(s) in the documentation (paths from "
                + root + "):\n  " + String.join("\n  ", broken));
    }

    @Test
    void theReadmeIsAFrontDoorOfAtMost250Lines() {
        Path readme = repositoryRoot().resolve("README.md");

        int lines = read(readme).split("\n", -1).length - (read(readme).endsWith("\n") ? 1 : 0);

        assertTrue(lines <= README_MAX_LINES, () -> "README.md has " + lines + " lines, more than "
                + README_MAX_LINES + ": move the detail to a page under docs/ and link to it");
    }

    @Test
    void aMissingFileAMissingAnchorAndAMissingHeadingOfTheSamePageAreReported(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("a.md"), String.join("\n",
                "# Front",
                "See [b](b.md#known-heading), [the missing page](c.md), [b again](b.md#no-such-heading),",
                "[here](#front), [nowhere here](#elsewhere), <https://example.com/x.md>, [web](https://example.com/y.md), [empty]()",
                "```",
                "[inside code](d.md)",
                "```",
                "and `[a span](e.md)` too."));
        Files.writeString(dir.resolve("b.md"), "## Known heading\n");

        List<String> broken = brokenLinks(dir, List.of(dir.resolve("a.md"), dir.resolve("b.md")));

        assertEquals(4, broken.size(), () -> String.join("\n", broken));
        assertTrue(broken.get(0).startsWith("a.md:2: c.md"), broken.get(0));
        assertTrue(broken.get(1).startsWith("a.md:2: b.md#no-such-heading"), broken.get(1));
        assertTrue(broken.get(2).startsWith("a.md:3: #elsewhere"), broken.get(2));
        assertTrue(broken.get(3).startsWith("a.md:3: (empty)"), broken.get(3));
    }

    @Test
    void anchorsFollowGitHubsRules() {
        assertEquals("traces-metrics-and-events", anchor("Traces, metrics and events"));
        assertEquals("configuration-microprofile-config", anchor("Configuration (MicroProfile Config)"));
        assertEquals("the-jobstorage-spi", anchor("The `JobStorage` SPI"));
        assertEquals("wildfly-suspends-before-it-stops", anchor("WildFly **suspends** before it stops"));
        assertEquals("see-the-guide", anchor("See [the guide](guides/x.md)"));
        assertEquals("push--claim--run", anchor("Push → claim → run"));
        assertEquals("snake_case-stays", anchor("snake_case stays"));
        assertEquals(Set.of("a", "a-1", "a-2"), headingAnchors("# A\n## A\n### A\n"));
    }

    /** Every broken link of {@code files}, as {@code file:line: target: why}, paths relative to {@code root}. */
    static List<String> brokenLinks(Path root, List<Path> files) {
        List<String> broken = new ArrayList<>();
        Map<Path, Set<String>> anchors = new HashMap<>();
        for (Path file : files) {
            String text = withoutCode(read(file));
            for (Link link : links(text)) {
                if (link.target().matches("(?i)^[a-z][a-z0-9+.-]*:.*")) {
                    continue;       // external (http, https, mailto): not fetched
                }
                if (link.target().isEmpty() || link.target().equals("#")) {
                    broken.add(root.relativize(file) + ":" + link.line() + ": (empty): a link to nowhere");
                    continue;
                }
                int hash = link.target().indexOf('#');
                String path = hash < 0 ? link.target() : link.target().substring(0, hash);
                String fragment = hash < 0 ? null : link.target().substring(hash + 1);
                Path target = path.isEmpty() ? file : file.getParent().resolve(path.replace("%20", " ")).normalize();
                String where = root.relativize(file) + ":" + link.line() + ": " + link.target() + ": ";
                if (!Files.exists(target)) {
                    broken.add(where + "no file " + root.relativize(target));
                } else if (fragment != null && target.toString().endsWith(".md")
                        && !anchors.computeIfAbsent(target, t -> headingAnchors(read(t))).contains(fragment)) {
                    broken.add(where + "no heading of " + root.relativize(target) + " has the anchor #" + fragment);
                }
            }
        }
        return broken;
    }

    /** The anchors GitHub gives the headings (and HTML anchors) of a Markdown text, a repeated one numbered. */
    static Set<String> headingAnchors(String markdown) {
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : withoutCode(markdown, false).split("\n")) {
            Matcher heading = HEADING.matcher(line);
            if (heading.matches()) {
                String anchor = anchor(heading.group(1));
                int count = seen.merge(anchor, 1, Integer::sum);
                anchors.add(count == 1 ? anchor : anchor + "-" + (count - 1));
            }
            Matcher html = HTML_ANCHOR.matcher(line);
            while (html.find()) {
                anchors.add(html.group(1));
            }
        }
        return anchors;
    }

    /** GitHub's anchor of a heading: its text without markup, lower case, punctuation dropped, spaces to '-'. */
    static String anchor(String heading) {
        String text = heading.replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1")   // a link counts by its text
                .replaceAll("<[^>]+>", "");                                    // inline HTML tags
        return text.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}\\p{Mn}\\p{Pc} -]", "").replace(' ', '-');
    }

    private record Link(String target, int line) {
    }

    private static List<Link> links(String text) {
        List<Link> links = new ArrayList<>();
        for (Pattern pattern : List.of(INLINE_LINK, REFERENCE_DEFINITION, HTML_LINK)) {
            Matcher m = pattern.matcher(text);
            while (m.find()) {
                links.add(new Link(m.group(1).trim(), lineOf(text, m.start())));
            }
        }
        links.sort((a, b) -> Integer.compare(a.line(), b.line()));
        return links;
    }

    private static int lineOf(String text, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    private static String withoutCode(String markdown) {
        return withoutCode(markdown, true);
    }

    /** Fenced blocks become empty lines (so line numbers hold); code spans go too when {@code spans}. */
    private static String withoutCode(String markdown, boolean spans) {
        StringBuilder out = new StringBuilder();
        String fence = null;
        for (String line : markdown.split("\n", -1)) {
            Matcher m = FENCE.matcher(line);
            if (fence == null && m.find()) {
                fence = m.group(1);
                out.append('\n');
            } else if (fence != null) {
                if (line.trim().startsWith(fence)) {
                    fence = null;
                }
                out.append('\n');
            } else {
                out.append(spans ? CODE_SPAN.matcher(line).replaceAll("") : line).append('\n');
            }
        }
        return out.toString();
    }

    private static Path repositoryRoot() {
        Path module = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        Path root = module.getParent();
        if (root == null || !Files.isRegularFile(root.resolve("README.md")) || !Files.isDirectory(root.resolve("docs"))) {
            throw new IllegalStateException("The documentation check expects README.md and docs/ in the repository root,"
                    + " the parent of the module's directory " + module + ", and found "
                    + (root == null ? "no parent" : "neither README.md and docs/ in " + root)
                    + "; run it from the api module of the repository");
        }
        return root;
    }

    private static List<Path> documentationFiles(Path root) {
        List<Path> files = new ArrayList<>(List.of(root.resolve("README.md")));
        try (Stream<Path> docs = Files.walk(root.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).replace("\r\n", "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
