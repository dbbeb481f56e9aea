package dev.ebpf.profiling.api.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The access key pair as files in a directory: how the operator and the agents see a store's
 * credentials Secret (mounted at {@link ObjectStoreContract#CREDENTIALS_ROOT}{@code /<store>}).
 * Read again before each upload, because the kubelet rewrites the files when the Secret changes.
 */
public final class CredentialFiles {

    private final Path directory;

    public CredentialFiles(Path directory) {
        this.directory = directory;
    }

    /**
     * @throws IllegalArgumentException with one line when a file is missing, unreadable or empty
     */
    public StoreCredentials read() {
        return new StoreCredentials(
                readFile(ObjectStoreContract.ACCESS_KEY_ID_FILE), readFile(ObjectStoreContract.SECRET_ACCESS_KEY_FILE));
    }

    public Path directory() {
        return directory;
    }

    private String readFile(String name) {
        Path file = directory.resolve(name);
        try {
            // A Secret written with `echo` ends in a newline that is not part of the key.
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("object store credentials: " + file + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException("object store credentials: cannot read " + file + ": " + e.getMessage());
        }
    }
}
