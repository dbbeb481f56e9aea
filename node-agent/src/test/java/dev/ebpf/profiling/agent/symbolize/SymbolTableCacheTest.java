package dev.ebpf.profiling.agent.symbolize;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SymbolTableCacheTest {

    /** No build id has separate debug files. */
    private static List<Path> noDebugFiles(String buildId) {
        return List.of();
    }

    @TempDir
    Path directory;

    private Path elf32() throws IOException {
        byte[] header = new byte[64];
        System.arraycopy(new byte[] {0x7f, 'E', 'L', 'F', 1, 1, 1}, 0, header, 0, 7);
        return Files.write(directory.resolve("old32"), header);
    }

    @Test
    void readsAFileOnceAndServesItFromTheCacheAfter() throws Exception {
        Path binary = HotLoopProgram.compile(directory).binary();
        SymbolTableCache cache = new SymbolTableCache(10);
        FileIdentity identity = new FileIdentity("08:01", 1);

        ElfSymbols first = cache.get(identity, List.of(binary), SymbolTableCacheTest::noDebugFiles);
        ElfSymbols second = cache.get(identity, List.of(binary), SymbolTableCacheTest::noDebugFiles);

        assertThat(second).isSameAs(first);
        assertThat(cache.fileReads()).isEqualTo(1);
        assertThat(first.symbols().size()).isPositive();
    }

    @Test
    void remembersAFileThatIsNotReadableElfWithItsReason() throws IOException {
        SymbolTableCache cache = new SymbolTableCache(10);
        FileIdentity identity = new FileIdentity("08:01", 2);
        Path old = elf32();

        ElfSymbols symbols = cache.get(identity, List.of(old), SymbolTableCacheTest::noDebugFiles);
        cache.get(identity, List.of(old), SymbolTableCacheTest::noDebugFiles);

        assertThat(symbols.problem()).isEqualTo(old + ": 32-bit ELF is not supported, only 64-bit");
        assertThat(cache.fileReads()).isEqualTo(1);
        assertThat(cache.problems()).containsExactly(symbols.problem());
    }

    @Test
    void triesTheNextPathWhenOneDoesNotOpenAndForgetsWhatNoPathOpens() throws Exception {
        Path binary = HotLoopProgram.compile(directory).binary();
        Path missing = directory.resolve("gone");
        SymbolTableCache cache = new SymbolTableCache(10);

        ElfSymbols found =
                cache.get(new FileIdentity("08:01", 3), List.of(missing, binary), SymbolTableCacheTest::noDebugFiles);
        ElfSymbols notFound =
                cache.get(new FileIdentity("08:01", 4), List.of(missing), SymbolTableCacheTest::noDebugFiles);

        assertThat(found.problem()).isNull();
        assertThat(notFound.problem()).contains("gone");
        // Another process may reach that file later: it is not remembered as unreadable.
        assertThat(cache.contains(new FileIdentity("08:01", 4))).isFalse();
    }

    @Test
    void dropsTheLeastRecentlyUsedFileWhenFull() throws IOException {
        Path old = elf32();
        SymbolTableCache cache = new SymbolTableCache(2);
        FileIdentity a = new FileIdentity("08:01", 10);
        FileIdentity b = new FileIdentity("08:01", 11);
        FileIdentity c = new FileIdentity("08:01", 12);

        cache.get(a, List.of(old), SymbolTableCacheTest::noDebugFiles);
        cache.get(b, List.of(old), SymbolTableCacheTest::noDebugFiles);
        cache.get(a, List.of(old), SymbolTableCacheTest::noDebugFiles);
        cache.get(c, List.of(old), SymbolTableCacheTest::noDebugFiles);

        assertThat(cache.contains(a)).isTrue();
        assertThat(cache.contains(b)).isFalse();
        assertThat(cache.contains(c)).isTrue();
        assertThat(cache.size()).isEqualTo(2);
    }

    @Test
    void dropsTheFilesNoSliceAskedForSinceAMoment() throws IOException {
        Path old = elf32();
        SymbolTableCache cache = new SymbolTableCache(10);
        FileIdentity unused = new FileIdentity("08:01", 20);
        FileIdentity used = new FileIdentity("08:01", 21);
        cache.get(unused, List.of(old), SymbolTableCacheTest::noDebugFiles);
        cache.get(used, List.of(old), SymbolTableCacheTest::noDebugFiles);
        long moment = System.nanoTime();

        cache.get(used, List.of(old), SymbolTableCacheTest::noDebugFiles);
        cache.expire(moment);

        assertThat(cache.contains(unused)).isFalse();
        assertThat(cache.contains(used)).isTrue();
        // Asked for again, it is read again.
        cache.get(unused, List.of(old), SymbolTableCacheTest::noDebugFiles);
        assertThat(cache.fileReads()).isEqualTo(3);
    }
}
