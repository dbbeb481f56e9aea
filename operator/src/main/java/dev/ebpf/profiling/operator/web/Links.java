package dev.ebpf.profiling.operator.web;

/** The web view's URLs, built in one place so the pages and the routes cannot drift apart. */
final class Links {

    /** Where the web view lives on the operator's HTTP port. */
    static final String ROOT = "/ui";

    static final String JOB = "/jobs/{namespace}/{name}";
    static final String FLAME_GRAPH = JOB + "/slices/{slice}/nodes/{node}/{kind}";

    private Links() {}

    static String jobList() {
        return ROOT + "/";
    }

    static String job(String namespace, String name) {
        return ROOT + "/jobs/" + Html.segment(namespace) + "/" + Html.segment(name);
    }

    static String flameGraph(String namespace, String name, String slice, String node, StackSet stacks) {
        return job(namespace, name) + "/slices/" + Html.segment(slice) + "/nodes/" + Html.segment(node) + "/"
                + stacks.id();
    }
}
