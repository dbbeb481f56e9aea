package dev.ebpf.profiling.agent.symbolize;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SymbolTableCacheTest {

    private static final Function<String, List<Path>> NO_DEBUG_FILES = buildId -> List.of();

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

        ElfSymbols first = cache.get(identity, List.of(binary), NO_DEBUG_FILES);
        ElfSymbols second = cache.get(identity, List.of(binary), NO_DEBUG_FILES);

        assertThat(second).isSameAs(first);
        assertThat(cache.fileReads()).isEqualTo(1);
        assertThat(first.symbols().size()).isPositive();
    }

    @Test
    void remembersAFileThatIsNotReadableElfWithItsReason() throws IOException {
        SymbolTableCache cache = new SymbolTableCache(10);
        FileIdentity identity = new FileIdentity("08:01", 2);
        Path old = elf32();

        ElfSymbols symbols = cache.get(identity, List.of(old), NO_DEBUG_FILES);
        cache.get(identity, List.of(old), NO_DEBUG_FILES);

        assertThat(symbols.problem()).isEqualTo(old + ": 32-bit ELF is not supported, only 64-bit");
        assertThat(cache.fileReads()).isEqualTo(1);
        assertThat(cache.problems()).containsExactly(symbols.problem());
    }

    @Test
    void triesTheNextPathWhenOneDoesNotOpenAndForgetsWhatNoPathOpens() throws Exception {
        Path binary = HotLoopProgram.compile(directory).binary();
        Path missing = directory.resolve("gone");
        SymbolTableCache cache = new SymbolTableCache(10);

        ElfSymbols found = cache.get(new FileIdentity("08:01", 3), List.of(missing, binary), NO_DEBUG_FILES);
        ElfSymbols notFound = cache.get(new FileIdentity("08:01", 4), List.of(missing), NO_DEBUG_FILES);

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

        cache.get(a, List.of(old), NO_DEBUG_FILES);
        cache.get(b, List.of(old), NO_DEBUG_FILES);
        cache.get(a, List.of(old), NO_DEBUG_FILES);
        cache.get(c, List.of(old), NO_DEBUG_FILES);

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
        cache.get(unused, List.of(old), NO_DEBUG_FILES);
        cache.get(used, List.of(old), NO_DEBUG_FILES);
        long moment = System.nanoTime();

        cache.get(used, List.of(old), NO_DEBUG_FILES);
        cache.expire(moment);

        assertThat(cache.contains(unused)).isFalse();
        assertThat(cache.contains(used)).isTrue();
        // Asked for again, it is read again.
        cache.get(unused, List.of(old), NO_DEBUG_FILES);
        assertThat(cache.fileReads()).isEqualTo(3);
    }
}
