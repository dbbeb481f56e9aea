package dev.ebpf.profiling.agent.sink;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One slice waiting in the spool: its objects in upload order, and the file that holds them.
 *
 * @param sequence  position in the spool; lower is older and is uploaded first
 * @param slicePath the slice's {@link SliceKey#path()}, for reports
 * @param objects   the objects to put, in order
 */
public record SpooledSlice(long sequence, String slicePath, List<StoredObject> objects) {

    /** "SPL1": marks a spool file of this format, so a foreign or truncated file is recognised. */
    private static final int MAGIC = 0x53504C31;

    public SpooledSlice {
        objects = List.copyOf(objects);
    }

    /** The spool file's content. */
    byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeUTF(slicePath);
            out.writeInt(objects.size());
            for (StoredObject object : objects) {
                out.writeUTF(object.key());
                out.writeUTF(object.contentType());
                out.writeInt(object.content().length);
                out.write(object.content());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode spooled slice " + slicePath, e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads a spool file's content.
     *
     * @throws IllegalArgumentException with a one-line reason if the bytes are not a whole spool file
     */
    static SpooledSlice decode(long sequence, byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            if (in.readInt() != MAGIC) {
                throw new IllegalArgumentException("not a spool file (bad magic number)");
            }
            String slicePath = in.readUTF();
            int count = in.readInt();
            if (count < 0 || count > data.length) {
                throw new IllegalArgumentException("bad object count " + count);
            }
            List<StoredObject> objects = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String key = in.readUTF();
                String contentType = in.readUTF();
                int length = in.readInt();
                if (length < 0 || length > in.available()) {
                    throw new IllegalArgumentException("object " + key + " claims " + length
                            + " bytes but the file has " + in.available() + " left");
                }
                objects.add(new StoredObject(key, contentType, in.readNBytes(length)));
            }
            if (in.available() != 0) {
                throw new IllegalArgumentException(in.available() + " unexpected bytes after the last object");
            }
            return new SpooledSlice(sequence, slicePath, objects);
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated spool file: " + e.getMessage(), e);
        }
    }
}
