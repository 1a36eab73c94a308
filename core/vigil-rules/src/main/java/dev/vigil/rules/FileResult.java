package dev.vigil.rules;

import java.util.List;
import java.util.Objects;

/** The outcome of loading one rules file: every error and warning, in the order found. */
public record FileResult(String name, List<Problem> problems) {
    public FileResult {
        Objects.requireNonNull(name, "name");
        problems = List.copyOf(problems);
    }

    public boolean successful() {
        return errors().isEmpty();
    }

    public List<Problem> errors() {
        return problems.stream().filter(Problem::isError).toList();
    }

    public List<Problem> warnings() {
        return problems.stream().filter(p -> !p.isError()).toList();
    }

    /** Falco's summary line: {@code name: Ok}, {@code Ok, with warnings} or {@code Invalid}. */
    public String summary() {
        String status = !successful() ? "Invalid" : warnings().isEmpty() ? "Ok" : "Ok, with warnings";
        return name + ": " + status;
    }
}
