package dev.vigil.app;

import dev.vigil.admission.AdmissionPolicy;
import dev.vigil.admission.ManifestScanner;
import dev.vigil.admission.Reports;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vigil scan}: the admission checks over manifests, for CI. */
@Command(name = "scan", mixinStandardHelpOptions = true,
        description = "Check Kubernetes manifests (multi-document YAML or JSON, kind: List included) with the admission webhook's checks and "
                + "exemptions; prints each violation with file, line and column, or a SARIF 2.1.0 log. Exit codes: 0 clean, 1 violations "
                + "found, 2 usage error or an input that cannot be read.")
final class ScanCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;
    @Parameters(paramLabel = "PATH", arity = "1..*", description = "Files, directories (their .yaml, .yml and .json files, recursively), "
            + "or - for standard input, e.g. helm template ... | vigil scan -")
    List<String> paths;
    @Option(names = {"-o", "--format"}, paramLabel = "FORMAT", defaultValue = "text", description = "text or sarif. Default: ${DEFAULT-VALUE}.")
    String format;
    @Mixin
    AdmissionPolicyOptions policyOptions;

    /** Standard input, replaceable by tests. */
    InputStream stdin = System.in;

    @Override
    public Integer call() throws IOException {
        if (!format.equals("text") && !format.equals("sarif")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "-o/--format is text or sarif, got '" + format + "'");
        }
        AdmissionPolicy policy = policyOptions.policy();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ManifestScanner scanner = new ManifestScanner(policy);
        List<ManifestScanner.Result> results = new ArrayList<>();
        boolean unreadable = false;
        for (String p : paths) {
            if (p.equals("-")) {
                results.add(scanner.scan("stdin", new String(stdin.readAllBytes(), StandardCharsets.UTF_8)));
                continue;
            }
            Path path = Path.of(p);
            List<Path> files;
            if (Files.isDirectory(path)) {
                try (Stream<Path> s = Files.walk(path)) {
                    files = s.filter(Files::isRegularFile).filter(f -> f.toString().matches(".*\\.(ya?ml|json)$")).sorted().toList();
                }
            } else {
                files = List.of(path);
            }
            for (Path f : files) {
                try {
                    results.add(scanner.scan(f.toString(), Files.readString(f, StandardCharsets.UTF_8)));
                } catch (IOException e) {
                    err.println("vigil: " + f + ": cannot read: " + e.getMessage());
                    unreadable = true;
                }
            }
        }
        if (format.equals("sarif")) {
            String version = Main.class.getPackage().getImplementationVersion();
            Reports.sarif(results, policy, version == null ? "0.1.0" : version, out);
        } else {
            Reports.text(results, policy.mode(), out);
        }
        out.flush();
        boolean problems = results.stream().anyMatch(r -> !r.problems().isEmpty());
        boolean violations = results.stream().anyMatch(r -> !r.findings().isEmpty());
        return violations ? 1 : unreadable || problems ? 2 : 0;
    }
}
