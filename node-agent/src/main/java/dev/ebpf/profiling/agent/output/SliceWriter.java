package dev.ebpf.profiling.agent.output;

import dev.ebpf.profiling.agent.output.folded.FoldedStacks;
import dev.ebpf.profiling.agent.output.pprof.PprofSlice;
import dev.ebpf.profiling.agent.output.pprof.PprofWriter;
import dev.ebpf.profiling.agent.profile.SliceResult;
import dev.ebpf.profiling.api.flamegraph.FlameGraphKind;
import dev.ebpf.profiling.api.flamegraph.FlameGraphOptions;
import dev.ebpf.profiling.api.flamegraph.SvgFlameGraph;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.ProfileJson;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes each slice as it completes. Text formats go to one stream (a file or stdout); JSON is
 * one document per line (JSON Lines), so a multi-slice run stays easy to read with {@code jq}.
 * pprof and SVG hold one slice per file: {@code --output profile.pb.gz} for one slice, and
 * {@code profile-1.pb.gz}, {@code profile-2.pb.gz}... when there are several.
 */
public final class SliceWriter implements AutoCloseable {

    private final OutputFormat format;
    private final PrintStream target;
    private final boolean ownsTarget;
    private final Path output;
    private final int slices;
    private int written;

    private SliceWriter(OutputFormat format, PrintStream target, boolean ownsTarget, Path output, int slices) {
        this.format = format;
        this.target = target;
        this.ownsTarget = ownsTarget;
        this.output = output;
        this.slices = slices;
    }

    /**
     * @param file   where to write, or null for {@code stdout} (text formats only)
     * @param slices how many slices the run will write
     */
    public static SliceWriter open(OutputFormat format, Path file, PrintStream stdout, int slices) throws IOException {
        if (format.filePerSlice()) {
            if (file == null) {
                throw new IllegalStateException(format + " needs a file: ProfileOptions checks --output");
            }
            return new SliceWriter(format, null, false, file, slices);
        }
        if (file == null) {
            return new SliceWriter(format, stdout, false, null, slices);
        }
        OutputStream stream = Files.newOutputStream(file);
        return new SliceWriter(format, new PrintStream(stream, true, StandardCharsets.UTF_8), true, file, slices);
    }

    public void write(SliceResult slice) {
        written++;
        try {
            switch (format) {
                case TABLE -> target.println(TableFormatter.format(slice.profile()));
                case JSON -> target.println(ProfileJson.mapper().writeValueAsString(slice.profile()));
                case FOLDED -> target.print(folded(slice));
                case PPROF -> {
                    NodeProfile p = slice.profile();
                    try (OutputStream out = Files.newOutputStream(sliceFile())) {
                        PprofWriter.write(
                                new PprofSlice(slice.stacks(), slice.pods(), p.frequencyHz(), p.start(), p.end()), out);
                    }
                }
                case SVG -> {
                    NodeProfile p = slice.profile();
                    String title = "On-CPU " + p.node() + " " + p.start() + " - " + p.end();
                    // The renderer reads the folded text this writer produces (api's FoldedStacks is the reader).
                    Files.writeString(
                            sliceFile(),
                            SvgFlameGraph.render(
                                    dev.ebpf.profiling.api.flamegraph.FoldedStacks.parse(folded(slice)),
                                    FlameGraphOptions.of(FlameGraphKind.ON_CPU)
                                            .withTitle(title, p.event() + ", " + p.frequencyHz() + " Hz")));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot write " + (output == null ? "stdout" : output) + ": " + e.getMessage(), e);
        }
        if (target != null) {
            target.flush();
        }
    }

    private static String folded(SliceResult slice) throws IOException {
        StringWriter text = new StringWriter();
        FoldedStacks.write(slice.stacks(), text);
        return text.toString();
    }

    /** The file of the current slice: --output itself when the run has one slice. */
    private Path sliceFile() {
        if (slices == 1) {
            return output;
        }
        String name = output.getFileName().toString();
        int dot = name.indexOf('.');
        String numbered = dot < 0 ? name + "-" + written : name.substring(0, dot) + "-" + written + name.substring(dot);
        return output.resolveSibling(numbered);
    }

    @Override
    public void close() {
        if (ownsTarget) {
            target.close();
        }
    }
}
