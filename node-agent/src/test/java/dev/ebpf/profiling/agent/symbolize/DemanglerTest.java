package dev.ebpf.profiling.agent.symbolize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.api.profile.Frame;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Names as perf prints them: one case per construct, and agreement with binutils' c++filt. */
class DemanglerTest {

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                // nested names, anonymous namespace, pointers, const references
                "_ZN2v88internal12_GLOBAL__N_16InvokeEPNS0_7IsolateERKNS1_12InvokeParamsE"
                        + "|v8::internal::(anonymous namespace)::Invoke(v8::internal::Isolate*,"
                        + " v8::internal::(anonymous namespace)::InvokeParams const&)",
                // templates with the standard library's abbreviations
                "_ZNSt6vectorIiSaIiEE9push_backERKi|std::vector<int, std::allocator<int> >::push_back(int const&)",
                // function templates with non-type arguments and vector types
                "_Z10sort_n_vecI10zmm_vectorIiELi16EDv8_xEvPNT_6type_tEi"
                        + "|void sort_n_vec<zmm_vector<int>, 16, long long __vector(8)>(zmm_vector<int>::type_t*, int)",
                // constructors and operators
                "_ZN3FooC2Ev|Foo::Foo()",
                "_ZN3FooplERKS_|Foo::operator+(Foo const&)",
                // Rust's legacy mangling: the hash is left out, as perf does
                "_ZN4core3fmt5write17h0123456789abcdefE|core::fmt::write",
                // not mangled, or not valid: unchanged
                "main|main",
                "_Znotvalid|_Znotvalid",
            })
    void demanglesAsPerfShows(String mangled, String expected) {
        RequiresRoot.require(Demangler.available(), "libstdc++.so.6 is missing");

        assertThat(Demangler.demangle(mangled)).isEqualTo(expected);
    }

    @Test
    void agreesWithCxxFilt() throws IOException, InterruptedException {
        RequiresRoot.require(Demangler.available(), "libstdc++.so.6 is missing");
        List<String> names = List.of(
                "_ZNSt8_Rb_treeIiSt4pairIKiiESt10_Select1stIS2_ESt4lessIiESaIS2_EE8_M_eraseEPSt13_Rb_tree_nodeIS2_E",
                "_ZNKSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE7compareEPKc",
                "_ZZ4mainENKUlvE_clEv",
                "_ZN9__gnu_cxx13new_allocatorIcE8allocateEmPKv");
        Process filt = new ProcessBuilder("c++filt").start();
        filt.getOutputStream().write(String.join("\n", names).concat("\n").getBytes(StandardCharsets.UTF_8));
        filt.getOutputStream().close();
        List<String> expected = new String(filt.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .lines()
                .toList();
        assertThat(filt.waitFor()).isZero();

        assertThat(names.stream().map(Demangler::demangle).toList()).isEqualTo(expected);
    }

    @Test
    void aFrameKeepsTheMangledNameAsItsSystemName() {
        RequiresRoot.require(Demangler.available(), "libstdc++.so.6 is missing");

        Frame frame = Demangler.frame("_ZN3FooC2Ev", "app", Frame.Origin.EXECUTABLE);

        assertThat(frame).isEqualTo(new Frame("Foo::Foo()", "app", Frame.Origin.EXECUTABLE, "_ZN3FooC2Ev"));
        assertThat(frame.grouped()).isEqualTo(new Frame("Foo::Foo()", "app", Frame.Origin.EXECUTABLE));
        assertThat(Demangler.frame("main", "app", Frame.Origin.EXECUTABLE).systemName())
                .isNull();
    }
}
