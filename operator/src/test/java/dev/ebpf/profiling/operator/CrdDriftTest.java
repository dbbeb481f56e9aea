package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.job.ProfilingJob;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * crds/ (and the chart's crds/) hold the CRD generated from the api classes. This test fails when the two drift apart;
 * run it with {@code -Dcrds.update=true} to rewrite crds/ from the classes.
 */
class CrdDriftTest {

    @Test
    void checkedInCrdMatchesTheApiClasses(@TempDir Path out) throws IOException {
        new CRDGenerator()
                .inOutputDir(out.toFile())
                .forCRDVersions("v1")
                .withPostProcessor(new CRDPostProcessor() {
                    @Override
                    public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
                        return printerColumnsInDeclaredOrder(crd);
                    }
                })
                .customResourceClasses(ProfilingJob.class)
                .generate();
        Path generated = out.resolve(RepositoryFiles.CRD_FILE_NAME);
        String expected = Files.readString(generated);

        if (Boolean.getBoolean("crds.update")) {
            Files.writeString(RepositoryFiles.crd(), expected);
            Files.writeString(RepositoryFiles.chartCrd(), expected);
        }
        assertThat(RepositoryFiles.crd())
                .as("crds/ is stale: rerun this test with -Dcrds.update=true")
                .hasContent(expected);
        assertThat(RepositoryFiles.chartCrd())
                .as("the chart's CRD is stale: rerun this test with -Dcrds.update=true")
                .hasContent(expected);
    }

    /** The generator sorts printer columns by JSON path; kubectl shows them in list order, so keep the class's order. */
    private static HasMetadata printerColumnsInDeclaredOrder(HasMetadata crd) {
        List<String> declared = Arrays.stream(ProfilingJob.class.getAnnotationsByType(AdditionalPrinterColumn.class))
                .map(AdditionalPrinterColumn::name)
                .toList();
        ((CustomResourceDefinition) crd)
                .getSpec()
                .getVersions()
                .forEach(version -> version.getAdditionalPrinterColumns()
                        .sort(Comparator.comparingInt(
                                (CustomResourceColumnDefinition c) -> declared.indexOf(c.getName()))));
        return crd;
    }
}
