package dev.ebpf.profiling.agent.unwind;

import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_CFA_END;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_CFA_NONE;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_CFA_PLT;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_CFA_RBP;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_CFA_RSP;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_RBP_AT_CFA;
import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_RBP_SAME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CFI parser against binutils' own interpretation of the same files: every row that
 * {@code readelf --debug-dump=frames-interp} prints for stock Debian binaries (xz, libc) must give
 * the same CFA rule, rbp rule and end-of-stack mark in the built table.
 */
class CfiParserTest {

    /** One row readelf printed: at loc, the CFA column, the rbp column, the ra column. */
    private record ReadelfRow(long loc, String cfa, String rbp, String ra) {}

    @ParameterizedTest
    @ValueSource(strings = {"/usr/bin/xz", "/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/liblzma.so.5"})
    void everyRowMatchesReadelf(String file) throws Exception {
        Path path = Path.of(file);
        assumeTrue(Files.isRegularFile(path), file + " is not installed (scripts/install-deps.sh installs it)");
        List<ReadelfRow> expected = readelfRows(path);
        UnwindTable table;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            table = UnwindTableBuilder.build(channel, file);
        }
        assertThat(expected).as("rows readelf printed").hasSizeGreaterThan(100);
        int plt = 0;
        for (ReadelfRow row : expected) {
            UnwindRow actual = table.rowAt(row.loc());
            assertThat(actual).as("row at %x", row.loc()).isNotNull();
            String where = String.format("%s at %x: readelf %s", file, row.loc(), row);
            if (row.ra().equals("u")) {
                assertThat(actual.cfaType()).as(where).isEqualTo(UNWIND_CFA_END);
                continue;
            }
            if (!row.ra().equals("c-8")) { // in a register, or elsewhere: not followed in the kernel
                assertThat(actual.cfaType()).as(where).isEqualTo(UNWIND_CFA_NONE);
                continue;
            }
            if (row.cfa().equals("exp")) {
                assertThat(actual.cfaType()).as(where).isIn(UNWIND_CFA_PLT, UNWIND_CFA_NONE);
                plt += actual.cfaType() == UNWIND_CFA_PLT ? 1 : 0;
                continue;
            }
            String register = row.cfa().substring(0, 3);
            int offset = Integer.parseInt(row.cfa().substring(4));
            if (register.equals("rsp") || register.equals("rbp")) {
                assertThat(actual.cfaType())
                        .as(where)
                        .isEqualTo(register.equals("rsp") ? UNWIND_CFA_RSP : UNWIND_CFA_RBP);
                assertThat(actual.cfaOffset()).as(where).isEqualTo(offset);
            } else {
                assertThat(actual.cfaType()).as(where).isEqualTo(UNWIND_CFA_NONE);
                continue;
            }
            if (row.rbp().startsWith("c")) {
                assertThat(actual.rbpType()).as(where).isEqualTo(UNWIND_RBP_AT_CFA);
                assertThat(actual.rbpOffset())
                        .as(where)
                        .isEqualTo(Integer.parseInt(row.rbp().substring(1)));
            } else {
                assertThat(actual.rbpType()).as(where).isEqualTo(UNWIND_RBP_SAME);
            }
        }
        if (file.endsWith("xz")) {
            assertThat(plt).as("PLT rows of xz (its .plt has a CFA expression)").isPositive();
        }
    }

    @Test
    void recognisesThePltExpressionOnly() {
        byte[] plt = {0x77, 8, (byte) 0x80, 0, 0x3f, 0x1a, 0x3b, 0x2a, 0x33, 0x24, 0x22};
        assertThat(CfiParser.pltExpression(plt)).containsExactly(8, 11);
        byte[] other = plt.clone();
        other[4] = 0x3e; // lit14: not the PLT shape
        assertThat(CfiParser.pltExpression(other)).isNull();
        assertThat(CfiParser.pltExpression(new byte[] {0x77, 8})).isNull();
    }

    @Test
    void gapsBetweenFunctionsHaveNoRule() {
        // Two FDEs, [0x100, 0x110) and [0x200, 0x210): between them and after them, no rule.
        List<CfiParser.FdeRows> fdes = List.of(
                new CfiParser.FdeRows(0x200, 0x210, List.of(new UnwindRow(0x200, UNWIND_CFA_RSP, 8, 0, 0))),
                new CfiParser.FdeRows(0x100, 0x110, List.of(new UnwindRow(0x100, UNWIND_CFA_RSP, 8, 0, 0))));
        UnwindTable table = UnwindTableBuilder.merge(fdes);
        assertThat(table.rowAt(0x50)).isNull();
        assertThat(table.rowAt(0x10f).cfaType()).isEqualTo(UNWIND_CFA_RSP);
        assertThat(table.rowAt(0x110).cfaType()).isEqualTo(UNWIND_CFA_NONE);
        assertThat(table.rowAt(0x205).cfaType()).isEqualTo(UNWIND_CFA_RSP);
        assertThat(table.rowAt(0x300).cfaType()).isEqualTo(UNWIND_CFA_NONE);
    }

    @Test
    void readsAHandWrittenEhFrame() {
        // CIE "zR" (pcrel|sdata4), cfa rsp+8, ra at cfa-8; FDE at 0x1000 (pc-relative) for 0x20
        // bytes: push rbp (cfa rsp+16, rbp at cfa-16), mov rbp,rsp (cfa rbp+16).
        ByteBuffer section = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        section.putInt(20)
                .putInt(0)
                .put((byte) 1)
                .put("zR".getBytes(StandardCharsets.US_ASCII))
                .put((byte) 0);
        section.put((byte) 1).put((byte) 0x78).put((byte) 16).put((byte) 1).put((byte) 0x1b);
        section.put((byte) 0x0c).put((byte) 7).put((byte) 8).put((byte) 0x90).put((byte) 1);
        section.put((byte) 0).put((byte) 0); // padding to 24 bytes
        int fdeAt = section.position();
        section.putInt(28).putInt(fdeAt + 4); // CIE pointer: back to offset 0
        int pcAt = section.position();
        section.putInt(0x1000 - pcAt).putInt(0x20).put((byte) 0);
        section.put((byte) 0x41)
                .put((byte) 0x0e)
                .put((byte) 16)
                .put((byte) 0x86)
                .put((byte) 2);
        section.put((byte) 0x43).put((byte) 0x0d).put((byte) 6);
        section.put((byte) 0).put((byte) 0).put((byte) 0);
        section.putInt(0);
        section.flip();
        UnwindTable table = UnwindTableBuilder.merge(CfiParser.parse(section, 0, false));
        assertThat(table.rows())
                .containsExactly(
                        new UnwindRow(0x1000, UNWIND_CFA_RSP, 8, UNWIND_RBP_SAME, 0),
                        new UnwindRow(0x1001, UNWIND_CFA_RSP, 16, UNWIND_RBP_AT_CFA, -16),
                        new UnwindRow(0x1004, UNWIND_CFA_RBP, 16, UNWIND_RBP_AT_CFA, -16),
                        UnwindRow.none(0x1020));
    }

    private static List<ReadelfRow> readelfRows(Path file) throws IOException, InterruptedException {
        Path out = Files.createTempFile("readelf", ".txt");
        try {
            Process readelf = new ProcessBuilder("readelf", "--debug-dump=frames-interp", file.toString())
                    .redirectOutput(out.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            assertThat(readelf.waitFor(60, TimeUnit.SECONDS)).isTrue();
            List<ReadelfRow> rows = new ArrayList<>();
            int rbpColumn = -1;
            int raColumn = -1;
            boolean inFde = false;
            for (String line : Files.readAllLines(out)) {
                // A rule "in register N" prints as "r10 (r10)": one column, made one field.
                String[] fields =
                        line.trim().replaceAll("r\\d+ \\(\\w+\\)", "reg").split("\\s+");
                if (line.contains(" FDE ")) {
                    inFde = true;
                    continue;
                }
                if (line.contains(" CIE") || line.isBlank()) {
                    inFde = inFde && !line.contains(" CIE");
                    continue;
                }
                if (fields[0].equals("LOC")) {
                    rbpColumn = List.of(fields).indexOf("rbp");
                    raColumn = List.of(fields).indexOf("ra");
                    continue;
                }
                if (inFde && fields.length > raColumn && raColumn > 0 && fields[0].matches("[0-9a-f]{16}")) {
                    rows.add(new ReadelfRow(
                            Long.parseUnsignedLong(fields[0], 16),
                            fields[1],
                            rbpColumn > 0 ? fields[rbpColumn] : "u",
                            fields[raColumn]));
                }
            }
            return rows;
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
