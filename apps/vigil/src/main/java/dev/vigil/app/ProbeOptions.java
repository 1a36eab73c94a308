package dev.vigil.app;

import dev.vigil.capture.ebpf.ProbeConfig;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Options of the eBPF probe shared by {@code vigil run} and {@code vigil capture}. */
final class ProbeOptions {
    private static final Pattern SIZE = Pattern.compile("(\\d+)(KiB|MiB|GiB)");

    @Spec(Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec mixee;

    @Option(names = "--ring-buffer", paramLabel = "SIZE", defaultValue = "16MiB",
            description = "Size of the kernel ring buffer (a power of two from 4KiB to 1GiB, e.g. 64MiB). Larger absorbs longer "
                    + "bursts without drops. Default: ${DEFAULT-VALUE}.")
    String ringBuffer;

    ProbeConfig config() {
        Matcher m = SIZE.matcher(ringBuffer.strip());
        if (!m.matches()) {
            throw new CommandLine.ParameterException(mixee.commandLine(),
                    "Invalid value for option '--ring-buffer': '" + ringBuffer + "' is not a size (e.g. 512KiB, 16MiB, 1GiB)");
        }
        long bytes = Long.parseLong(m.group(1)) << switch (m.group(2)) {
            case "KiB" -> 10;
            case "MiB" -> 20;
            default -> 30;
        };
        try {
            return ProbeConfig.defaults().withRingBufferBytes(bytes);
        } catch (IllegalArgumentException bad) {
            throw new CommandLine.ParameterException(mixee.commandLine(), "Invalid value for option '--ring-buffer': " + bad.getMessage());
        }
    }
}
