package dev.ebpf.profiling.api.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Where results go: result ConfigMaps always, and one of the admin's object stores when {@code objectStore} names one. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class OutputSpec {

    public static final int DEFAULT_RETENTION = 10;

    @Min(1)
    @Max(1000)
    @Default("" + DEFAULT_RETENTION)
    @JsonPropertyDescription("How many slices of result ConfigMaps to keep per node; older ones are deleted.")
    public Integer retention;

    @JsonPropertyDescription(
            "Also write each node's data (pprof, folded stacks) and the merged slice to one of the admin's object stores.")
    public ObjectStoreSpec objectStore;

    public int effectiveRetention() {
        return retention == null ? DEFAULT_RETENTION : retention;
    }
}
