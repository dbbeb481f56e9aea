package dev.ebpf.profiling.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * What README.md and docs/*.md tell a reader to open or run exists: every repository path they
 * name (in code, or as a link), every {@code ./scripts/...} they run, and every {@code node-agent}
 * command line they show parses with the agent's own CLI.
 */
class DocsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** A repository path: starts with a top-level folder of the project. */
    private static final Pattern REPO_PATH =
            Pattern.compile("^(\\./)?(api|bpf|node-agent|operator|crds|charts|samples|docs|scripts|\\.ci)/[\\w./*-]*$");

    private static final Pattern INLINE_CODE = Pattern.compile("`([^`]+)`");
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern SHELL_SEPARATOR = Pattern.compile("&&|\\|\\||[;|()<>]");

    /** A piece of code the docs show, and where. */
    private record Code(Path file, int line, String text) {}

    private static List<Path> docs() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(ROOT.resolve("docs"), "*.md")) {
            dir.forEach(docs::add);
        }
        return docs;
    }

    /** Fenced code lines, and inline code spans outside fences. */
    private static List<Code> code(Path file) throws IOException {
        List<Code> code = new ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        boolean fenced = false;
        String continued = "";
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            if (fenced) {
                // A shell line continued with a backslash is one command.
                if (line.endsWith("\\")) {
                    continued += line.substring(0, line.length() - 1) + " ";
                    continue;
                }
                code.add(new Code(file, i + 1, continued + line));
                continued = "";
            } else {
                Matcher span = INLINE_CODE.matcher(line);
                while (span.find()) {
                    code.add(new Code(file, i + 1, span.group(1)));
                }
            }
        }
        return code;
    }

    private static String where(Code code) {
        return ROOT.relativize(code.file()) + ":" + code.line() + ": " + code.text();
    }

    @Test
    void everyRepositoryPathTheDocsNameExists() throws IOException {
        List<String> missing = new ArrayList<>();
        for (Path doc : docs()) {
            for (Code code : code(doc)) {
                for (String token : code.text().split("[\\s=,]+")) {
                    String path = token.replaceAll("[.,:;)]+$", "");
                    // "api/.../ingest/" elides on purpose, and target/ holds what a build makes:
                    // only whole paths of the sources are checked.
                    if (REPO_PATH.matcher(path).matches()
                            && !path.contains("...")
                            && !path.contains("/target/")
                            && !exists(path)) {
                        missing.add(where(code) + " -> " + path);
                    }
                }
            }
        }
        assertThat(missing).as("paths named in the docs that do not exist").isEmpty();
    }

    @Test
    void everyLinkBetweenTheDocsLeadsToAFile() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path doc : docs()) {
            List<String> lines = Files.readAllLines(doc);
            for (int i = 0; i < lines.size(); i++) {
                Matcher link = LINK.matcher(lines.get(i));
                while (link.find()) {
                    String target = link.group(1).replaceAll("#.*$", "");
                    if (target.isEmpty() || target.matches("^[a-z]+:.*")) {
                        continue; // an anchor in the same file, or a URL
                    }
                    if (!Files.exists(doc.getParent().resolve(target))) {
                        broken.add(ROOT.relativize(doc) + ":" + (i + 1) + " -> " + target);
                    }
                }
            }
        }
        assertThat(broken).as("links in the docs to files that do not exist").isEmpty();
    }

    @Test
    void everyScriptAndNodeAgentCommandTheDocsShowRuns() throws IOException {
        List<String> wrong = new ArrayList<>();
        int commands = 0;
        for (Path doc : docs()) {
            for (Code code : code(doc)) {
                for (String segment : SHELL_SEPARATOR.split(code.text())) {
                    // A shell comment (" # ...") is not part of the command.
                    String command = segment.replaceFirst("(^|\\s)#.*$", "").trim();
                    List<String> words = new ArrayList<>(Arrays.asList(command.split("\\s+")));
                    words.removeIf(w -> w.matches("^[A-Z_]+=.*")); // environment assignments
                    if (words.isEmpty()) {
                        continue;
                    }
                    String program = words.getFirst();
                    if (program.startsWith("./scripts/")) {
                        commands++;
                        if (!Files.isExecutable(ROOT.resolve(program))) {
                            wrong.add(where(code) + " -> " + program + " is not an executable script");
                        }
                    } else if ((program.equals("node-agent") || program.equals("node-agent/bin/node-agent"))
                            && words.size() > 1) {
                        commands++;
                        String error = parseError(words.subList(1, words.size()));
                        if (error != null) {
                            wrong.add(where(code) + " -> " + error);
                        }
                    }
                }
            }
        }
        assertThat(wrong).as("commands in the docs that do not run").isEmpty();
        assertThat(commands).as("commands found (the scan must see some)").isGreaterThan(3);
    }

    @Test
    void theCheckerCatchesWhatItLooksFor() {
        assertThat(exists("node-agent/src/main/resources/hotspot/kernel-subsystems.rules"))
                .isFalse();
        assertThat(exists("bpf/src/main/bpf/*.bpf.c")).isTrue();
        assertThat(parseError(List.of("profile", "--frequncy", "99"))).contains("--frequncy");
        assertThat(parseError(List.of("profile", "--duration", "10s"))).isNull();
    }

    /** Whether a path exists; a {@code *} in its last part must match something. */
    private static boolean exists(String path) {
        Path resolved = ROOT.resolve(path).normalize();
        String last = resolved.getFileName().toString();
        if (!last.contains("*")) {
            return Files.exists(resolved);
        }
        try (Stream<Path> siblings = Files.list(resolved.getParent())) {
            var glob = resolved.getFileSystem().getPathMatcher("glob:" + last);
            return siblings.anyMatch(p -> glob.matches(p.getFileName()));
        } catch (IOException e) {
            return false;
        }
    }

    /** Null when {@code args} parse as a node-agent command line, else picocli's message. */
    private static String parseError(List<String> args) {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream quiet = new PrintStream(sink, true, StandardCharsets.UTF_8);
        try {
            Main.commandLine(quiet, quiet).parseArgs(args.toArray(String[]::new));
            return null;
        } catch (CommandLine.ParameterException e) {
            return e.getMessage();
        }
    }
}
