package dev.vigil.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.event.Priority;
import dev.vigil.event.SnapshotEvent;
import dev.vigil.rules.condition.AstPrinter;
import dev.vigil.rules.condition.ConditionParser;
import dev.vigil.rules.condition.ConditionSyntaxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * How rules files are read, layered and compiled (spec sections 1 and 3): exceptions woven into
 * the condition, Falco's naive quoting, textual list substitution, visibility of lists and macros,
 * redefinition, legacy append and {@code override}, deprecated forms, warnings, versions, sources,
 * and file ordering.
 */
class LoaderSemanticsTest {
    private static final String RULE_TAIL = "  output: o\n  desc: d\n  priority: INFO\n";

    /** Loads each text as one file (f1.yaml, f2.yaml, ...) with suggested output off. */
    static RuleEngine.LoadResult load(String... files) {
        List<RuleText> texts = new ArrayList<>();
        for (int i = 0; i < files.length; i++) {
            texts.add(new RuleText("f" + (i + 1) + ".yaml", files[i]));
        }
        return RuleEngine.load(texts, RuleEngine.Options.defaults().withSuggestedOutput(false));
    }

    static RuleEngine.LoadResult loadOk(String... files) {
        RuleEngine.LoadResult r = load(files);
        assertThat(r.errors()).as(Fixtures.describe(r)).isEmpty();
        return r;
    }

    static CompiledRule rule(RuleEngine.LoadResult r, String name) {
        return r.rules().stream().filter(x -> x.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no rule " + name + "\n" + Fixtures.describe(r)));
    }

    /** The canonical form of a condition written in full (what expandedCondition must equal). */
    static String canon(String condition) {
        try {
            return AstPrinter.print(ConditionParser.parse(condition));
        } catch (ConditionSyntaxException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    static String expanded(RuleEngine.LoadResult r, String name) {
        return rule(r, name).expandedCondition();
    }

    static String ruleYaml(String name, String condition) {
        return "- rule: " + name + "\n  condition: " + condition + "\n" + RULE_TAIL;
    }

    static List<Problem> problems(RuleEngine.LoadResult r, ProblemCode code) {
        return r.files().stream().flatMap(f -> f.problems().stream()).filter(p -> p.code() == code).toList();
    }

    static Problem onlyError(RuleEngine.LoadResult r) {
        assertThat(r.successful()).isFalse();
        assertThat(r.errors()).as(Fixtures.describe(r)).hasSize(1);
        return r.errors().get(0);
    }

    static boolean matches(RuleEngine.LoadResult r, String type, Object... fields) {
        RuleSet rs = r.ruleSet(RuleSelection.all());
        SnapshotEvent ev = Events.syscall(rs.slots(), type, fields);
        return rs.firstMatch(ev) != null;
    }

    // ---------------------------------------------------------------------------------------------

    @Nested
    class Exceptions {
        @Test
        void tupleFormWithAListOperatorAndAListName() {
            var r = loadOk("""
                    - list: my_files
                      items: [/etc/a, /etc/b]
                    - rule: r
                      condition: evt.type=open
                      output: o
                      desc: d
                      priority: INFO
                      exceptions:
                        - name: cat_files
                          fields: [proc.name, fd.name]
                          comps: [=, in]
                          values:
                            - [cat, my_files]
                    """);
            // spec 1.8: (evt.type=open) and not (( proc.name = cat and  fd.name in (my_files)))
            assertThat(expanded(r, "r")).isEqualTo(canon("(evt.type=open) and not (( proc.name = cat and  fd.name in (/etc/a, /etc/b)))"));
            assertThat(rule(r, "r").exceptionFields()).containsExactlyInAnyOrder("proc.name", "fd.name");
            assertThat(matches(r, "open", "proc.name", "cat", "fd.name", "/etc/a")).isFalse();
            assertThat(matches(r, "open", "proc.name", "cat", "fd.name", "/etc/c")).isTrue();
            assertThat(matches(r, "open", "proc.name", "dog", "fd.name", "/etc/a")).isTrue();
        }

        @Test
        void singleFieldFormDefaultsToInAndQuotesValuesWithSpaces() {
            var r = loadOk("""
                    - rule: r
                      condition: evt.type=open
                      output: o
                      desc: d
                      priority: INFO
                      exceptions:
                        - name: names
                          fields: proc.name
                          values: [cat, my cat]
                        - name: paths
                          fields: fd.name
                          comps: pmatch
                          values: [/tmp, /var/tmp]
                    """);
            assertThat(expanded(r, "r")).isEqualTo(canon(
                    "(evt.type=open) and not (proc.name in (cat, \"my cat\")) and not (fd.name pmatch (/tmp, /var/tmp))"));
            assertThat(matches(r, "open", "proc.name", "my cat", "fd.name", "/x")).isFalse();
            assertThat(matches(r, "open", "proc.name", "dog", "fd.name", "/var/tmp/x")).isFalse();
            assertThat(matches(r, "open", "proc.name", "dog", "fd.name", "/var/x")).isTrue();
        }

        @Test
        void tupleValuesListsParenthesisedValuesDefaultComps() {
            var r = loadOk("""
                    - list: prefixes
                      items: [/usr, /opt]
                    - rule: r
                      condition: evt.type=open
                      output: o
                      desc: d
                      priority: INFO
                      exceptions:
                        - name: default_comps
                          fields: [proc.name, proc.pname]
                          values:
                            - [cat, bash]
                        - name: inline_list
                          fields: [proc.name]
                          comps: [in]
                          values:
                            - [[cat, my dog]]
                            - ["(a, b)"]
                        - name: modifier
                          fields: [fd.name]
                          comps: [startswith oneof]
                          values:
                            - [prefixes]
                        - name: no_values
                          fields: [proc.name]
                    """);
            assertThat(expanded(r, "r")).isEqualTo(canon("(evt.type=open)"
                    + " and not (( proc.name = cat and  proc.pname = bash))"
                    + " and not (( proc.name in (cat, \"my dog\")) or ( proc.name in (a, b)))"
                    + " and not (( fd.name startswith oneof (/usr, /opt)))"));
        }

        @Test
        void noValuesAnywhereLeavesTheConditionParenthesised() {
            var r = loadOk("""
                    - rule: r
                      condition: evt.type=open and proc.name=cat
                      output: o
                      desc: d
                      priority: INFO
                      exceptions:
                        - name: a
                          fields: [proc.name]
                        - name: b
                          fields: proc.name
                    """);
            assertThat(expanded(r, "r")).isEqualTo(canon("(evt.type=open and proc.name=cat)"));
            assertThat(rule(r, "r").exceptionFields()).containsExactly("proc.name");
        }

        @Test
        void falcoUnitTestExceptionCondition() {
            var r = loadOk("""
                    - rule: test_rule
                      desc: test rule
                      condition: proc.cmdline contains curl or proc.cmdline contains wget
                      output: command=%proc.cmdline
                      priority: INFO
                      exceptions:
                        - name: test_exception
                          fields: [proc.cmdline]
                          comps: [contains]
                          values:
                            - [curl 127.0.0.1]
                    """);
            assertThat(expanded(r, "test_rule")).isEqualTo(canon(
                    "((proc.cmdline contains curl or proc.cmdline contains wget) and not proc.cmdline contains \"curl 127.0.0.1\")"));
        }

        @Test
        void duplicateExceptionNamesWarn() {
            var r = loadOk("""
                    - rule: r
                      condition: evt.type=open
                      output: o
                      desc: d
                      priority: INFO
                      exceptions:
                        - name: same
                          fields: [proc.name]
                          values: [[cat]]
                        - name: same
                          fields: [proc.cmdline]
                          comps: [endswith]
                          values: [[x]]
                    """);
            assertThat(problems(r, ProblemCode.LOAD_EXCEPTION_NAME_NOT_UNIQUE)).singleElement().satisfies(p -> {
                assertThat(p.message()).startsWith("Multiple definitions of exception 'same'");
                assertThat(p.itemType()).isEqualTo("exception");
                assertThat(p.itemName()).isEqualTo("same");
            });
        }
    }

    @Nested
    class NaiveQuoting {
        static String withValue(String yamlValue) {
            return """
                    - rule: r
                      condition: evt.type=open
                      output: o
                      desc: d
                      priority: INFO
                      exceptions:
                        - name: e
                          fields: [proc.name]
                          values:
                            - [%s]
                    """.formatted(yamlValue);
        }

        @Test
        void aValueStartingWithAQuoteIsNotQuotedAgain() {
            var r = loadOk(withValue("\"'my cat'\""));
            assertThat(expanded(r, "r")).isEqualTo(canon("(evt.type=open) and not (proc.name = \"my cat\")"));
        }

        @Test
        void embeddedQuotesAreNotEscapedSoTheConditionBreaks() {
            var r = load(withValue("'say \"hi\" now'"));
            Problem p = onlyError(r);
            assertThat(p.code()).isEqualTo(ProblemCode.LOAD_ERR_COMPILE_CONDITION);
            assertThat(p.itemName()).isEqualTo("r");
        }

        @Test
        void aValueWithoutSpacesIsNotQuotedSoSyntaxInsideItLeaks() {
            var r = load(withValue("x=y"));
            Problem p = onlyError(r);
            assertThat(p.code()).isEqualTo(ProblemCode.LOAD_ERR_COMPILE_CONDITION);
            // the fragment is "(( proc.name = x=y))": the bare value stops at '='
            assertThat(p.message()).isEqualTo("expected a ')' token");
        }

        @Test
        void listItemsWithSpacesAreQuotedUnlessAlreadyQuoted() {
            var r = loadOk("""
                    - list: l
                      items: [a b, '"c d"', "'e f'", plain]
                    """ + ruleYaml("r", "proc.name in (l)"));
            assertThat(expanded(r, "r")).isEqualTo(canon("proc.name in (\"a b\", \"c d\", \"e f\", plain)"));
        }
    }

    @Nested
    class ListSubstitution {
        @Test
        void anEmptyListEatsOneAdjacentComma() {
            var r = loadOk("""
                    - list: empty
                      items: []
                    """ + ruleYaml("front", "proc.name in (empty, a)") + ruleYaml("back", "proc.name in (a, empty)")
                    + ruleYaml("middle", "proc.name in (a, empty, b)") + ruleYaml("alone", "proc.name in (empty)"));
            assertThat(expanded(r, "front")).isEqualTo(canon("proc.name in (a)"));
            assertThat(expanded(r, "back")).isEqualTo(canon("proc.name in (a)"));
            assertThat(expanded(r, "middle")).isEqualTo(canon("proc.name in (a, b)"));
            assertThat(expanded(r, "alone")).isEqualTo(canon("proc.name in ()"));
            assertThat(matches(r, "open", "proc.name", "empty")).isFalse();
        }

        @Test
        void anUnknownListNameIsALiteralValue() {
            var r = loadOk(ruleYaml("r", "proc.name in (not_a_list)"));
            assertThat(expanded(r, "r")).isEqualTo(canon("proc.name in (not_a_list)"));
            assertThat(matches(r, "open", "proc.name", "not_a_list")).isTrue();
        }

        @Test
        void substitutionIsTextualEvenInsideQuotedStringsBetweenBlanks() {
            var r = loadOk("""
                    - list: mylist
                      items: [x]
                    """ + ruleYaml("spaced", "'proc.cmdline = \"a mylist b\"'") + ruleYaml("glued", "'proc.cmdline = \"a-mylist\"'")
                    + ruleYaml("bare", "proc.name=mylist") + ruleYaml("substring", "proc.name in (file_mylist, mylist_x)"));
            assertThat(expanded(r, "spaced")).isEqualTo(canon("proc.cmdline = \"a x b\""));
            assertThat(expanded(r, "glued")).isEqualTo(canon("proc.cmdline = \"a-mylist\""));
            assertThat(expanded(r, "bare")).isEqualTo(canon("proc.name = x"));
            assertThat(expanded(r, "substring")).isEqualTo(canon("proc.name in (file_mylist, mylist_x)"));
        }

        @Test
        void usedAndUnusedListsAndMacros() {
            var r = loadOk("""
                    - list: used
                      items: [a]
                    - list: unused
                      items: [b]
                    - macro: used_macro
                      condition: proc.name in (used)
                    - macro: unused_macro
                      condition: proc.name = x
                    """ + ruleYaml("r", "evt.type=open and used_macro"));
            assertThat(problems(r, ProblemCode.LOAD_UNUSED_LIST)).singleElement().satisfies(p -> {
                assertThat(p.itemName()).isEqualTo("unused");
                assertThat(p.message()).isEqualTo("List not referred to by any other rule/macro");
            });
            assertThat(problems(r, ProblemCode.LOAD_UNUSED_MACRO)).singleElement().satisfies(p -> {
                assertThat(p.itemName()).isEqualTo("unused_macro");
                assertThat(p.message()).isEqualTo("Macro not referred to by any other rule/macro");
            });
        }
    }

    @Nested
    class Visibility {
        @Test
        void aListSeesListsDefinedBeforeIt() {
            var r = loadOk("""
                    - list: a
                      items: [x]
                    - list: b
                      items: [a, y]
                    """ + ruleYaml("r", "proc.name in (b)"));
            assertThat(expanded(r, "r")).isEqualTo(canon("proc.name in (x, y)"));
        }

        @Test
        void aRedefinedInnerListIsSeenByTheOuterList() {
            var r = loadOk("""
                    - list: a
                      items: [x]
                    - list: b
                      items: [a]
                    """ + ruleYaml("r", "proc.name in (b)"), """
                    - list: a
                      items: [z]
                    """);
            assertThat(expanded(r, "r")).isEqualTo(canon("proc.name in (z)"));
        }

        @Test
        void aListNamingALaterListKeepsTheNameWhichTextualSubstitutionThenReplaces() {
            // b's item 'a' is not expanded (a comes later), but substitution runs over all lists
            // in definition order, so the text 'a' left by b is replaced when a's turn comes
            var r = loadOk("""
                    - list: b
                      items: [a, y]
                    - list: a
                      items: [x]
                    """ + ruleYaml("r", "proc.name in (b)"));
            assertThat(r.catalog().lists()).contains(new RuleEngine.NamedItem("b", "a, y"));
            assertThat(expanded(r, "r")).isEqualTo(canon("proc.name in (x, y)"));
        }

        @Test
        void aMacroCannotUseAMacroDefinedAfterIt() {
            var r = load("""
                    - macro: outer
                      condition: inner and proc.name = a
                    - macro: inner
                      condition: evt.type = open
                    """ + ruleYaml("r", "outer"));
            Problem p = onlyError(r);
            assertThat(p.code()).isEqualTo(ProblemCode.LOAD_ERR_VALIDATE);
            assertThat(p.itemType()).isEqualTo("macro");
            assertThat(p.itemName()).isEqualTo("outer");
            assertThat(p.message()).isEqualTo("Undefined macro 'inner' used in filter.");
        }

        @Test
        void aRuleSeesEveryMacroEvenLaterOnes() {
            var r = loadOk(ruleYaml("r", "evt.type = open and later") + """
                    - macro: later
                      condition: proc.name = a
                    """);
            assertThat(expanded(r, "r")).isEqualTo(canon("evt.type = open and proc.name = a"));
        }

        @Test
        void aRedefinedMacroSeesMacrosDefinedBeforeTheRedefinition() {
            var r = loadOk("""
                    - macro: outer
                      condition: proc.name = a
                    - macro: inner
                      condition: proc.name = b
                    - macro: outer
                      condition: inner
                    """ + ruleYaml("r", "evt.type = open and outer"));
            assertThat(expanded(r, "r")).isEqualTo(canon("evt.type = open and proc.name = b"));
        }

        @Test
        void macroReferenceLoops() {
            var r = load("""
                    - macro: macro_a
                      condition: evt.type=open
                    - macro: macro_b
                      condition: macro_a
                    - macro: macro_a
                      condition: macro_b
                    """ + ruleYaml("r", "macro_a"));
            assertThat(r.successful()).isFalse();
            assertThat(r.errors()).singleElement().satisfies(p -> assertThat(p.code()).isEqualTo(ProblemCode.LOAD_ERR_VALIDATE));
        }
    }

    @Nested
    class RedefinitionAndOrder {
        @Test
        void aRedefinedRuleKeepsItsFirstPosition() {
            var r = loadOk(ruleYaml("first", "evt.type = open and proc.name = cat") + ruleYaml("second", "evt.type = open and proc.name = cat"),
                    """
                    - rule: first
                      condition: evt.type = open and proc.name = cat
                      output: redefined
                      desc: d
                      priority: ERROR
                    """ + ruleYaml("third", "evt.type = open"));
            assertThat(r.rules()).extracting(CompiledRule::name).containsExactly("first", "second", "third");
            RuleSet rs = r.ruleSet(RuleSelection.all());
            SnapshotEvent ev = Events.syscall(rs.slots(), "open", "proc.name", "cat");
            CompiledRule hit = rs.firstMatch(ev);
            assertThat(hit.name()).isEqualTo("first");
            assertThat(hit.output()).isEqualTo("redefined");
            assertThat(hit.priority()).isEqualTo(Priority.ERROR);
            List<String> all = new ArrayList<>();
            assertThat(rs.evaluate(ev, RuleMatching.ALL, x -> all.add(x.name()))).isEqualTo(3);
            assertThat(all).containsExactly("first", "second", "third");
            List<String> first = new ArrayList<>();
            assertThat(rs.evaluate(ev, RuleMatching.FIRST, x -> first.add(x.name()))).isEqualTo(1);
            assertThat(first).containsExactly("first");
        }

        @Test
        void aRedefinitionReplacesTheWholeRule() {
            var r = loadOk("""
                    - rule: r
                      condition: evt.type = close
                      output: o
                      desc: d
                      priority: INFO
                      enabled: false
                      tags: [a]
                    - rule: r
                      desc: redefined rule syntax
                      condition: proc.name = cat
                      output: user=%user.name
                      priority: WARNING
                    """);
            CompiledRule c = rule(r, "r");
            assertThat(c.expandedCondition()).isEqualTo(canon("proc.name = cat"));
            assertThat(c.enabled()).isTrue();
            assertThat(c.tags()).isEmpty();
            assertThat(c.priority()).isEqualTo(Priority.WARNING);
        }

        @Test
        void layeredFilesEachGetTheirOwnResult() {
            var r = load("""
                    - list: bins
                      items: [cat]
                    - macro: is_bin
                      condition: proc.name in (bins)
                    """ + ruleYaml("r", "evt.type = open and is_bin"), """
                    - list: bins
                      items: [dog]
                      override:
                        items: append
                    """, """
                    - macro: is_bin
                      condition: proc.name in (bins) and proc.pname = bash
                      override:
                        condition: replace
                    """);
            assertThat(r.files()).extracting(FileResult::name).containsExactly("f1.yaml", "f2.yaml", "f3.yaml");
            assertThat(r.files()).allMatch(FileResult::successful);
            assertThat(r.files().get(0).summary()).isEqualTo("f1.yaml: Ok");
            assertThat(expanded(r, "r")).isEqualTo(canon("evt.type = open and (proc.name in (cat, dog) and proc.pname = bash)"));
        }

        @Test
        void anErrorInALaterFileFailsTheLoadButEarlierFilesStayOk() {
            var r = load(ruleYaml("r", "evt.type = open"), ruleYaml("s", "evt.type = open and"));
            assertThat(r.successful()).isFalse();
            assertThat(r.files().get(0).successful()).isTrue();
            assertThat(r.files().get(1).successful()).isFalse();
            assertThat(r.files().get(1).summary()).isEqualTo("f2.yaml: Invalid");
        }

        @Test
        void loadingStopsAtTheFirstErrorOfAFile() {
            var r = load("""
                    - rule: broken
                      condition: evt.type = open
                    - foo: bar
                    """);
            assertThat(r.errors()).hasSize(1);
            assertThat(r.warnings()).noneMatch(p -> p.code() == ProblemCode.LOAD_UNKNOWN_ITEM);
        }
    }

    @Nested
    class LegacyAppend {
        @Test
        void ruleAppendConcatenatesWithoutParentheses() {
            var r = loadOk(ruleYaml("r", "evt.type=open and proc.name=a"), """
                    - rule: r
                      condition: or proc.name=b
                      append: true
                    """);
            assertThat(expanded(r, "r")).isEqualTo(canon("(evt.type=open and proc.name=a) or proc.name=b"));
            assertThat(matches(r, "execve", "proc.name", "b")).isTrue();
            assertThat(problems(r, ProblemCode.LOAD_DEPRECATED_ITEM)).singleElement().satisfies(p -> assertThat(p.message())
                    .isEqualTo("'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under 'override' instead."));
            assertThat(problems(r, ProblemCode.LOAD_NO_EVTTYPE)).hasSize(1);
        }

        @Test
        void macroAppendStaysInsideTheMacroSubtree() {
            var r = loadOk("""
                    - macro: m
                      condition: proc.name=a
                    - macro: m
                      condition: or proc.name=b
                      append: true
                    """ + ruleYaml("r", "evt.type=open and m"));
            assertThat(expanded(r, "r")).isEqualTo(canon("evt.type=open and (proc.name=a or proc.name=b)"));
            assertThat(matches(r, "execve", "proc.name", "b")).isFalse();
        }

        @Test
        void exceptionsApplyToTheWholeAppendedCondition() {
            var r = loadOk("""
                    - rule: r
                      condition: evt.type=open and proc.name=a
                      output: o
                      desc: d
                      priority: INFO
                      exceptions:
                        - name: parents
                          fields: proc.pname
                          values: [bash]
                    - rule: r
                      condition: or proc.name=b
                      append: true
                    """);
            assertThat(expanded(r, "r")).isEqualTo(canon("(evt.type=open and proc.name=a or proc.name=b) and not (proc.pname in (bash))"));
        }

        @Test
        void listAppendAndAppendedExceptionValues() {
            var r = loadOk("""
                    - list: l
                      items: [a]
                    - list: l
                      items: [b]
                      append: true
                    - rule: r
                      condition: evt.type=open and proc.name in (l)
                      output: o
                      desc: d
                      priority: INFO
                      exceptions:
                        - name: e
                          fields: [proc.pname]
                          values: [[bash]]
                    - rule: r
                      exceptions:
                        - name: e
                          values: [[zsh]]
                        - name: f
                          fields: proc.cmdline
                          values: [x y]
                      append: true
                    """);
            assertThat(expanded(r, "r")).isEqualTo(canon("(evt.type=open and proc.name in (a, b))"
                    + " and not (( proc.pname = bash) or ( proc.pname = zsh)) and not (proc.cmdline in (\"x y\"))"));
        }

        static Stream<Arguments> errors() {
            String base = ruleYaml("r", "evt.type=open");
            return Stream.of(
                    Arguments.of("""
                            - list: l
                              items: [a]
                              append: true
                            """, ProblemCode.LOAD_ERR_VALIDATE,
                            "List uses 'append' or 'override.items: append' but no list by that name already exists"),
                    Arguments.of("""
                            - macro: m
                              condition: or a
                              append: true
                            """, ProblemCode.LOAD_ERR_VALIDATE,
                            "Macro uses 'append' or 'override.condition: append' but no macro by that name already exists"),
                    Arguments.of("""
                            - rule: r
                              condition: and proc.name=a
                              append: true
                            """, ProblemCode.LOAD_ERR_VALIDATE,
                            "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists"),
                    Arguments.of(base + """
                            - rule: r
                              desc: only a description
                              append: true
                            """, ProblemCode.LOAD_ERR_VALIDATE, "Appended rule must have exceptions or condition property"),
                    Arguments.of(base + """
                            - rule: r
                              condition: and proc.name=a
                              append: true
                              override:
                                desc: replace
                            """, ProblemCode.LOAD_ERR_YAML_VALIDATE,
                            "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. 'condition: append') under 'override' instead."),
                    Arguments.of("""
                            - list: l
                              items: [a]
                            - list: l
                              items: [b]
                              append: true
                              override:
                                items: append
                            """, ProblemCode.LOAD_ERR_YAML_VALIDATE,
                            "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. 'condition: append') under 'override' instead."));
        }

        @ParameterizedTest
        @MethodSource("errors")
        void errorsOfAppend(String yaml, ProblemCode code, String message) {
            Problem p = onlyError(load(yaml));
            assertThat(p.code()).isEqualTo(code);
            assertThat(p.message()).isEqualTo(message);
        }

        @Test
        void theDeprecationWarningComesEvenWhenAppendIsCombinedWithOverride() {
            var r = load(ruleYaml("r", "evt.type=open") + """
                    - rule: r
                      condition: and proc.name = cat
                      append: true
                      override:
                        condition: append
                    """);
            assertThat(r.successful()).isFalse();
            assertThat(problems(r, ProblemCode.LOAD_DEPRECATED_ITEM)).hasSize(1);
        }
    }

    @Nested
    class Overrides {
        private static final String BASE = """
                - rule: r
                  condition: evt.type=open
                  output: first output
                  desc: first desc
                  priority: INFO
                  tags: [b, a]
                  exceptions:
                    - name: e
                      fields: [proc.name]
                      values: [[cat]]
                """;

        @Test
        void listItemsAppendAndReplace() {
            var appended = loadOk("""
                    - list: l
                      items: [a]
                    - list: l
                      items: [b]
                      override:
                        items: append
                    """ + ruleYaml("r", "proc.name in (l)"));
            assertThat(expanded(appended, "r")).isEqualTo(canon("proc.name in (a, b)"));
            assertThat(appended.warnings()).noneMatch(p -> p.code() == ProblemCode.LOAD_DEPRECATED_ITEM);
            var replaced = loadOk("""
                    - list: l
                      items: [a]
                    - list: l
                      items: [b]
                      override:
                        items: replace
                    """ + ruleYaml("r", "proc.name in (l)"));
            assertThat(expanded(replaced, "r")).isEqualTo(canon("proc.name in (b)"));
        }

        @Test
        void macroConditionAppendAndReplace() {
            var appended = loadOk("""
                    - macro: m
                      condition: evt.type in (open,openat)
                    - macro: m
                      condition: or evt.type = openat2
                      override:
                        condition: append
                    """ + ruleYaml("r", "m"));
            assertThat(expanded(appended, "r")).isEqualTo(canon("(evt.type in (open, openat) or evt.type = openat2)"));
            var replaced = loadOk("""
                    - macro: m
                      condition: evt.type in (open,openat)
                    - macro: m
                      condition: evt.type = openat2
                      override:
                        condition: replace
                    """ + ruleYaml("r", "m"));
            assertThat(expanded(replaced, "r")).isEqualTo(canon("evt.type = openat2"));
        }

        @Test
        void replaceBeforeAnyDefinitionSimplyDefinesListsAndMacros() {
            var r = loadOk("""
                    - list: l
                      items: [x]
                      override:
                        items: replace
                    - list: l
                      items: [blkid]
                    - macro: m
                      condition: or evt.type = openat2
                      override:
                        condition: replace
                    - macro: m
                      condition: evt.type in (open,openat)
                    """ + ruleYaml("r", "m and proc.name in (l)"));
            assertThat(expanded(r, "r")).isEqualTo(canon("evt.type in (open, openat) and proc.name in (blkid)"));
        }

        @Test
        void ruleAppendableKeys() {
            var r = loadOk(BASE + """
                    - rule: r
                      condition: and proc.name = cat
                      output: second
                      desc: with append
                      tags: [c, a]
                      exceptions:
                        - name: e
                          values: [[dog]]
                        - name: f
                          fields: proc.pname
                          values: [bash]
                      override:
                        condition: append
                        output: append
                        desc: append
                        tags: append
                        exceptions: append
                    """);
            CompiledRule c = rule(r, "r");
            assertThat(c.expandedCondition()).isEqualTo(canon(
                    "(evt.type=open and proc.name = cat) and not (( proc.name = cat) or ( proc.name = dog)) and not (proc.pname in (bash))"));
            assertThat(c.output()).isEqualTo("first output second");
            assertThat(c.description()).isEqualTo("first desc with append");
            assertThat(c.tags()).containsExactly("a", "b", "c");
            assertThat(r.warnings()).noneMatch(p -> p.code() == ProblemCode.LOAD_DEPRECATED_ITEM);
        }

        @Test
        void ruleReplaceableKeys() {
            var r = loadOk(BASE + """
                    - rule: r
                      condition: evt.type = close
                      output: replaced output
                      desc: replaced desc
                      priority: critical
                      tags: [z]
                      exceptions:
                        - name: g
                          fields: [proc.pname]
                          comps: [=]
                          values: [[sh]]
                      enabled: false
                      warn_evttypes: false
                      skip-if-unknown-filter: true
                      capture: true
                      capture_duration: 5000
                      override:
                        condition: replace
                        output: replace
                        desc: replace
                        priority: replace
                        tags: replace
                        exceptions: replace
                        enabled: replace
                        warn_evttypes: replace
                        skip-if-unknown-filter: replace
                        capture: replace
                        capture_duration: replace
                    """);
            CompiledRule c = rule(r, "r");
            assertThat(c.expandedCondition()).isEqualTo(canon("(evt.type = close) and not (( proc.pname = sh))"));
            assertThat(c.output()).isEqualTo("replaced output");
            assertThat(c.description()).isEqualTo("replaced desc");
            assertThat(c.priority()).isEqualTo(Priority.CRITICAL);
            assertThat(c.tags()).containsExactly("z");
            assertThat(c.enabled()).isFalse();
            assertThat(c.capture()).isTrue();
            assertThat(c.captureDurationMillis()).isEqualTo(5000);
            assertThat(c.exceptionFields()).containsExactly("proc.pname");
        }

        @Test
        void replacedExceptionsGetDefaultComps() {
            var r = loadOk(BASE + """
                    - rule: r
                      exceptions:
                        - name: tuple
                          fields: [proc.pname, fd.name]
                          values: [[sh, /a]]
                        - name: single
                          fields: proc.name
                          values: [cat, dog]
                      override:
                        exceptions: replace
                    """);
            assertThat(problems(r, ProblemCode.LOAD_ERR_VALIDATE)).isEmpty();
            assertThat(expanded(r, "r"))
                    .isEqualTo(canon("(evt.type=open) and not ((proc.pname = sh and fd.name = /a)) and not (proc.name in (cat, dog))"));
        }

        @Test
        void warnEvttypesAndSkipIfUnknownFilterReplacementsTakeEffect() {
            var quiet = loadOk(ruleYaml("r", "proc.name = x") + """
                    - rule: r
                      warn_evttypes: false
                      override:
                        warn_evttypes: replace
                    """);
            assertThat(problems(quiet, ProblemCode.LOAD_NO_EVTTYPE)).isEmpty();
            var strict = load("""
                    - rule: r
                      condition: evt.type = open and proc.nobody = x
                      output: o
                      desc: d
                      priority: INFO
                      skip-if-unknown-filter: true
                    - rule: r
                      skip-if-unknown-filter: false
                      override:
                        skip-if-unknown-filter: replace
                    """);
            assertThat(onlyError(strict).message()).isEqualTo("filter_check called with nonexistent field proc.nobody");
        }

        @Test
        void appendsApplyBeforeReplaces() {
            var r = loadOk("""
                    - rule: r
                      desc: legit rule description
                      condition: evt.type = close
                      output: user=%user.name
                      priority: INFO
                    - rule: r
                      desc: a replaced legit description
                      condition: and proc.name = cat
                      priority: WARNING
                      override:
                        desc: replace
                        condition: append
                        priority: replace
                    """);
            CompiledRule c = rule(r, "r");
            assertThat(c.expandedCondition()).isEqualTo(canon("evt.type = close and proc.name = cat"));
            assertThat(c.description()).isEqualTo("a replaced legit description");
            assertThat(c.priority()).isEqualTo(Priority.WARNING);
            assertThat(c.output()).isEqualTo("user=%user.name");
        }

        @Test
        void enabledReplaceIsTheModernWayToToggleARule() {
            var r = loadOk("""
                    - rule: r
                      condition: evt.type = close
                      output: o
                      desc: d
                      priority: INFO
                      enabled: false
                    - rule: r
                      desc: correct override
                      condition: and proc.name = cat
                      enabled: true
                      override:
                        desc: replace
                        condition: append
                        enabled: replace
                    """);
            assertThat(r.warnings()).isEmpty();
            assertThat(r.ruleSet(RuleSelection.all()).runningRules()).extracting(CompiledRule::name).containsExactly("r");
        }

        @Test
        void appendingToAnExistingExceptionWithoutValuesOnlyWarns() {
            var r = loadOk(BASE + """
                    - rule: r
                      exceptions:
                        - name: e
                      override:
                        exceptions: append
                    """);
            assertThat(problems(r, ProblemCode.LOAD_APPEND_NO_VALUES)).singleElement()
                    .satisfies(p -> assertThat(p.message()).isEqualTo("Overriding/appending exception with no values"));
            assertThat(expanded(r, "r")).isEqualTo(canon("(evt.type=open) and not (( proc.name = cat))"));
        }

        static Stream<Arguments> errors() {
            return Stream.of(
                    Arguments.of("priority cannot be appended", """
                            - rule: r
                              desc: an appended incorrect field
                              condition: and proc.name = cat
                              priority: WARNING
                              override:
                                desc: replace
                                condition: append
                                priority: append
                            """, ProblemCode.LOAD_ERR_YAML_VALIDATE, "Key 'priority' cannot be appended to, use 'replace' instead"),
                    Arguments.of("source cannot be appended", """
                            - rule: r
                              source: syscall
                              override:
                                source: append
                            """, ProblemCode.LOAD_ERR_YAML_VALIDATE, "Key 'source' cannot be appended to, use 'replace' instead"),
                    Arguments.of("source cannot be replaced", """
                            - rule: r
                              source: syscall
                              override:
                                source: replace
                            """, ProblemCode.LOAD_ERR_YAML_VALIDATE, "Key 'source' cannot be replaced"),
                    Arguments.of("list condition cannot be appended", """
                            - list: l
                              items: [a]
                              override:
                                condition: append
                            """, ProblemCode.LOAD_ERR_YAML_VALIDATE, "Key 'condition' cannot be appended to, use 'replace' instead"),
                    Arguments.of("unknown operation", """
                            - rule: r
                              condition: and proc.name = cat
                              override:
                                condition: merge
                            """, ProblemCode.LOAD_ERR_YAML_VALIDATE,
                            "Invalid override operation for key 'condition': 'merge'. Allowed values are: append replace "),
                    Arguments.of("unknown operation on a replace-only key", """
                            - rule: r
                              enabled: true
                              override:
                                enabled: merge
                            """, ProblemCode.LOAD_ERR_YAML_VALIDATE,
                            "Invalid override operation for key 'enabled': 'merge'. Allowed values are: replace "),
                    Arguments.of("override key without value", """
                            - rule: r
                              desc: an appended incorrect field
                              override:
                                desc: replace
                                condition: append
                            """, ProblemCode.LOAD_ERR_YAML_VALIDATE,
                            "An append override for 'condition' was specified but 'condition' is not defined"),
                    Arguments.of("enabled under override but missing", """
                            - rule: r
                              desc: missing enabled key
                              condition: and proc.name = cat
                              override:
                                desc: replace
                                condition: append
                                enabled: replace
                            """, ProblemCode.LOAD_ERR_YAML_VALIDATE,
                            "An replace override for 'enabled' was specified but 'enabled' is not defined"),
                    Arguments.of("value without override entry", """
                            - rule: r
                              desc: an appended incorrect field
                              condition: and proc.name = cat
                              priority: WARNING
                              override:
                                desc: replace
                                condition: append
                            """, ProblemCode.LOAD_ERR_YAML_VALIDATE,
                            "Unexpected key 'priority': no corresponding entry under 'override' is defined."),
                    Arguments.of("fields appended to an existing exception", """
                            - rule: r
                              exceptions:
                                - name: e
                                  fields: [proc.name]
                                  values: [[dog]]
                              override:
                                exceptions: append
                            """, ProblemCode.LOAD_ERR_VALIDATE, "Can not append exception fields to existing exception, only values"),
                    Arguments.of("comps appended to an existing exception", """
                            - rule: r
                              exceptions:
                                - name: e
                                  comps: [=]
                                  values: [[dog]]
                              override:
                                exceptions: append
                            """, ProblemCode.LOAD_ERR_VALIDATE, "Can not append exception comps to existing exception, only values"),
                    Arguments.of("new appended exception without fields", """
                            - rule: r
                              exceptions:
                                - name: new
                                  values: [[dog]]
                              override:
                                exceptions: append
                            """, ProblemCode.LOAD_ERR_VALIDATE, "Rule exception must have fields property with a list of fields"),
                    Arguments.of("new appended exception without values", """
                            - rule: r
                              exceptions:
                                - name: new
                                  fields: [proc.pname]
                              override:
                                exceptions: append
                            """, ProblemCode.LOAD_ERR_VALIDATE, "Rule exception must have values property with a list of values"),
                    Arguments.of("replaced exceptions need fields", """
                            - rule: r
                              exceptions:
                                - name: e
                                  values: [[id]]
                              override:
                                exceptions: replace
                            """, ProblemCode.LOAD_ERR_YAML_VALIDATE, "Item has no mapping for key 'fields'"),
                    Arguments.of("replaced exceptions are validated: comps",
                            replacedException("fields: [proc.name, fd.name]", "comps: [=]", "values: [[a, b]]"),
                            ProblemCode.LOAD_ERR_VALIDATE, "Fields and comps lists must have equal length"),
                    Arguments.of("replaced exceptions are validated: values",
                            replacedException("fields: [proc.name, fd.name]", "values: [[a]]"),
                            ProblemCode.LOAD_ERR_VALIDATE, "Fields and values lists must have equal length"),
                    Arguments.of("replaced exceptions are validated: single-field comps",
                            replacedException("fields: proc.name", "comps: [=]", "values: [a]"),
                            ProblemCode.LOAD_ERR_VALIDATE, "Fields and comps must both be strings"),
                    Arguments.of("replaced priority must be valid", """
                            - rule: r
                              priority: loud
                              override:
                                priority: replace
                            """, ProblemCode.LOAD_ERR_YAML_VALIDATE, "Invalid priority"));
        }

        /** Rule r replacing its exceptions by one exception e with the given keys. */
        static String replacedException(String... keys) {
            StringBuilder sb = new StringBuilder("- rule: r\n  exceptions:\n    - name: e\n");
            for (String k : keys) {
                sb.append("      ").append(k).append('\n');
            }
            return sb.append("  override:\n    exceptions: replace\n").toString();
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("errors")
        void errorsOfOverride(String what, String yaml, ProblemCode code, String message) {
            Problem p = onlyError(load(BASE + yaml));
            assertThat(p.code()).isEqualTo(code);
            assertThat(p.message()).isEqualTo(message);
        }

        static Stream<Arguments> noPrevious() {
            return Stream.of(
                    Arguments.of("""
                            - list: l
                              items: [a]
                              override:
                                items: append
                            """, "List uses 'append' or 'override.items: append' but no list by that name already exists"),
                    Arguments.of("""
                            - macro: m
                              condition: or a
                              override:
                                condition: append
                            """, "Macro uses 'append' or 'override.condition: append' but no macro by that name already exists"),
                    Arguments.of("""
                            - rule: r
                              condition: and proc.name = cat
                              override:
                                condition: append
                            """, "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists"),
                    Arguments.of("""
                            - rule: r
                              condition: and proc.name = cat
                              override:
                                condition: replace
                            """, "An 'override.<key>: replace' to a rule was requested but no rule by that name already exists"));
        }

        @ParameterizedTest
        @MethodSource("noPrevious")
        void overridingSomethingThatDoesNotExist(String yaml, String message) {
            Problem p = onlyError(load(yaml));
            assertThat(p.code()).isEqualTo(ProblemCode.LOAD_ERR_VALIDATE);
            assertThat(p.message()).isEqualTo(message);
        }
    }

    @Nested
    class DeprecatedAndUnknownItems {
        @Test
        void enabledOnlyItemTogglesAnExistingRuleAndWarns() {
            var r = loadOk("""
                    - rule: r
                      condition: evt.type = close
                      output: o
                      desc: d
                      priority: INFO
                      enabled: false
                    - rule: r
                      enabled: true
                    """);
            assertThat(rule(r, "r").enabled()).isTrue();
            assertThat(problems(r, ProblemCode.LOAD_DEPRECATED_ITEM)).singleElement().satisfies(p -> {
                assertThat(p.itemType()).isEqualTo("rule");
                assertThat(p.itemName()).isEqualTo("r");
                assertThat(p.message()).isEqualTo("The standalone 'enabled' key usage is deprecated. The correct approach requires"
                        + " also a 'replace' entry under the 'override' key (i.e. 'enabled: replace').");
            });
            var off = loadOk(ruleYaml("r", "evt.type = close") + "- rule: r\n  enabled: false\n");
            assertThat(rule(off, "r").enabled()).isFalse();
            assertThat(off.ruleSet(RuleSelection.all()).runningRules()).isEmpty();
        }

        @Test
        void enabledOnlyItemWithoutARuleIsAnError() {
            Problem p = onlyError(load("- rule: ghost\n  enabled: false\n"));
            assertThat(p.code()).isEqualTo(ProblemCode.LOAD_ERR_VALIDATE);
            assertThat(p.message()).isEqualTo("Rule has 'enabled' key but no rule by that name already exists");
            assertThat(p.itemName()).isEqualTo("ghost");
        }

        @Test
        void enabledIsIgnoredByALegacyAppend() {
            var r = loadOk("""
                    - rule: r
                      condition: evt.type = close
                      output: o
                      desc: d
                      priority: INFO
                      enabled: false
                    - rule: r
                      condition: and proc.name = cat
                      append: true
                      enabled: true
                    """);
            assertThat(rule(r, "r").enabled()).isFalse();
        }

        @Test
        void unknownKeysAndUnknownItemsWarn() {
            var r = loadOk("""
                    - rule: r
                      condition: evt.type = open
                      output: o
                      desc: d
                      priority: INFO
                      colour: red
                    - list: l
                      items: [a]
                      shape: round
                    - macro: m
                      condition: proc.name in (l)
                      size: 3
                    - something_else: x
                    """ + ruleYaml("s", "evt.type = open and m"));
            List<Problem> unknownKeys = problems(r, ProblemCode.LOAD_UNKNOWN_KEY);
            assertThat(unknownKeys).extracting(Problem::message).containsExactly(
                    "Unknown key 'colour'. The key will be ignored.", "Unknown key 'shape'. The key will be ignored.",
                    "Unknown key 'size'. The key will be ignored.");
            assertThat(unknownKeys).extracting(Problem::itemName).containsExactly("r", "l", "m");
            assertThat(problems(r, ProblemCode.LOAD_UNKNOWN_ITEM)).singleElement().satisfies(p -> {
                assertThat(p.message()).isEqualTo("Unknown top level item");
                assertThat(p.itemType()).isEqualTo("rules content item");
            });
        }

        @Test
        void invalidMacroAndListNamesWarn() {
            var r = loadOk("""
                    - macro: test-macro
                      condition: evt.type = close
                    - list: test list
                      items: [open, openat, openat2]
                    - rule: test_rule
                      desc: test rule description
                      condition: evt.type in (test list)
                      output: o
                      priority: INFO
                      enabled: false
                    """);
            assertThat(problems(r, ProblemCode.LOAD_INVALID_MACRO_NAME)).singleElement().satisfies(p -> {
                assertThat(p.itemName()).isEqualTo("test-macro");
                assertThat(p.message()).isEqualTo("Macro has an invalid name. Macro names should match a regular expression: "
                        + "([a-zA-Z]+[a-zA-Z0-9_]*)");
            });
            assertThat(problems(r, ProblemCode.LOAD_INVALID_LIST_NAME)).singleElement().satisfies(p -> {
                assertThat(p.itemName()).isEqualTo("test list");
                assertThat(p.message()).isEqualTo("List has an invalid name. List names should match a regular expression: "
                        + "([^()\"'[:space:]=,]+)");
            });
        }
    }

    @Nested
    class Priorities {
        @ParameterizedTest
        @CsvSource({
            "info, INFORMATIONAL", "INFO, INFORMATIONAL", "Info, INFORMATIONAL", "informational, INFORMATIONAL",
            "INFORMATIONAL, INFORMATIONAL", "WARNING, WARNING", "warning, WARNING", "Emergency, EMERGENCY", "alert, ALERT",
            "CRITICAL, CRITICAL", "error, ERROR", "notice, NOTICE", "DEBUG, DEBUG"})
        void parsedCaseInsensitively(String written, Priority expected) {
            var r = loadOk("- rule: r\n  condition: evt.type = open\n  output: o\n  desc: d\n  priority: " + written + "\n");
            assertThat(rule(r, "r").priority()).isEqualTo(expected);
            assertThat(expected.displayName()).isNotEqualTo("Info");
        }

        @ParameterizedTest
        @CsvSource({"verbose", "warn", "err", "information"})
        void unknownPrioritiesAreErrors(String written) {
            Problem p = onlyError(load("- rule: r\n  condition: evt.type = open\n  output: o\n  desc: d\n  priority: " + written + "\n"));
            assertThat(p.code()).isEqualTo(ProblemCode.LOAD_ERR_YAML_VALIDATE);
            assertThat(p.message()).isEqualTo("Invalid priority");
            assertThat(p.itemName()).isEqualTo("r");
        }

        @Test
        void lessSevereRulesThanTheMinimumAreLoadedButDoNotRun() {
            var r = loadOk(ruleYaml("info_rule", "evt.type = open") + """
                    - rule: error_rule
                      condition: evt.type = open
                      output: o
                      desc: d
                      priority: ERROR
                    """);
            RuleSet rs = r.ruleSet(RuleSelection.all().withMinimumPriority(Priority.WARNING));
            assertThat(rs.rules()).hasSize(2);
            assertThat(rs.runningRules()).extracting(CompiledRule::name).containsExactly("error_rule");
        }
    }

    @Nested
    class Versions {
        @ParameterizedTest
        @CsvSource({"2", "15", "26", "63", "0.26.0", "0.57.0", "0.63.0"})
        void satisfiedEngineVersions(String required) {
            var r = loadOk("- required_engine_version: " + required + "\n" + ruleYaml("r", "evt.type = open"));
            assertThat(r.warnings()).isEmpty();
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
            "64|Rules require engine version 0.64.0, but engine version is " + RuleEngine.ENGINE_VERSION,
            "0.64.0|Rules require engine version 0.64.0, but engine version is " + RuleEngine.ENGINE_VERSION,
            "1.0.0|Rules require engine version 1.0.0, but engine version is " + RuleEngine.ENGINE_VERSION})
        void unsatisfiedEngineVersions(String required, String message) {
            Problem p = onlyError(load("- required_engine_version: " + required + "\n" + ruleYaml("r", "evt.type = open")));
            assertThat(p.code()).isEqualTo(ProblemCode.LOAD_ERR_VALIDATE);
            assertThat(p.itemType()).isEqualTo("required_engine_version");
            assertThat(p.message()).isEqualTo(message);
        }

        @Test
        void unparsableEngineVersion() {
            Problem p = onlyError(load("- required_engine_version: seven\n"));
            assertThat(p.code()).isEqualTo(ProblemCode.LOAD_ERR_YAML_VALIDATE);
            assertThat(p.message()).startsWith("Unable to parse engine version 'seven'");
        }

        @Test
        void pluginRequirements() {
            loadOk("""
                    - required_plugin_versions:
                      - name: container
                        version: 0.4.0
                      - name: k8saudit
                        version: 0.18.0
                        alternatives:
                          - name: k8saudit-gke
                            version: 0.1.0
                      - name: nosuch
                        version: 1.0.0
                        alternatives:
                          - name: json
                            version: 0.7.0
                    """);
            var unsatisfied = load("""
                    - required_plugin_versions:
                      - name: cloudtrail
                        version: 0.1.0
                    """, ruleYaml("r", "evt.type = open"));
            assertThat(unsatisfied.successful()).isFalse();
            assertThat(unsatisfied.files().get(0).errors()).singleElement().satisfies(p -> {
                assertThat(p.code()).isEqualTo(ProblemCode.LOAD_ERR_VALIDATE);
                assertThat(p.message()).contains("cloudtrail");
                assertThat(p.itemType()).isEqualTo("required plugin versions");
            });
            assertThat(unsatisfied.files().get(1).successful()).isTrue();
            var tooNew = load("- required_plugin_versions:\n  - name: container\n    version: 1.0.0\n");
            assertThat(onlyError(tooNew).message()).contains("container");
            var newerMinor = load("- required_plugin_versions:\n  - name: json\n    version: 0.99.0\n");
            assertThat(onlyError(newerMinor).message()).contains("json");
        }

        @Test
        void duplicatePluginAlternativesAreAnError() {
            Problem p = onlyError(load("""
                    - required_plugin_versions:
                      - name: json
                        version: 0.1.0
                        alternatives:
                          - name: json
                            version: 0.2.0
                    """));
            assertThat(p.code()).isEqualTo(ProblemCode.LOAD_ERR_VALIDATE);
        }
    }

    @Nested
    class Sources {
        @Test
        void anUnknownSourceWarnsAndTheRuleIsSkipped() {
            var r = loadOk("""
                    - rule: Cloudtrail Create Instance
                      desc: Detect Creating an EC2 Instance
                      condition: evt.num > 0 and ct.name="StartInstances"
                      output: EC2 Instance Created (evtnum=%evt.num)
                      priority: INFO
                      source: aws_cloudtrail
                    """ + ruleYaml("r", "evt.type = open"));
            assertThat(problems(r, ProblemCode.LOAD_UNKNOWN_SOURCE)).singleElement().satisfies(p -> {
                assertThat(p.message()).isEqualTo("Unknown source aws_cloudtrail, skipping");
                assertThat(p.itemName()).isEqualTo("Cloudtrail Create Instance");
            });
            assertThat(r.rules()).extracting(CompiledRule::name).containsExactly("r");
        }

        @Test
        void k8sAuditRulesAreBucketedBySource() {
            var r = loadOk("""
                    - rule: k
                      condition: ka.verb = create
                      output: o
                      desc: d
                      priority: INFO
                      source: k8s_audit
                    """ + ruleYaml("s", "evt.type = open"));
            RuleSet rs = r.ruleSet(RuleSelection.all());
            assertThat(rs.firstMatch(Events.k8sAudit(rs.slots(), "ka.verb", "create")).name()).isEqualTo("k");
            assertThat(rs.firstMatch(Events.syscall(rs.slots(), "open")).name()).isEqualTo("s");
            assertThat(rs.firstMatch(Events.k8sAudit(rs.slots(), "ka.verb", "delete"))).isNull();
            assertThat(rule(r, "k").eventTypes()).isNull();
        }

        @Test
        void appendingWithADifferentSourceIsAnError() {
            Problem p = onlyError(load(ruleYaml("r", "evt.type = open") + """
                    - rule: r
                      condition: and ka.verb = get
                      source: k8s_audit
                      append: true
                    """));
            assertThat(p.code()).isEqualTo(ProblemCode.LOAD_ERR_VALIDATE);
            assertThat(p.message()).isEqualTo("Rule has been re-defined with a different source");
        }
    }

    @Nested
    class EventTypeIndex {
        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
            "proc.name = foo|true",
            "evt.type != execve|true",
            "not evt.type in (open, openat)|true",
            "evt.type = open or proc.name = x|true",
            "evt.type in (open, openat)|false",
            "evt.type = open and proc.name = x|false",
            "evt.num = 0 and proc.name = x|false",
            "evt.type = open and not evt.type = open|false",
            "(evt.type = open or evt.type = close) and proc.name != x|false"})
        void tooManyEventTypesWarn(String condition, boolean warns) {
            var r = loadOk(ruleYaml("r", condition));
            assertThat(problems(r, ProblemCode.LOAD_NO_EVTTYPE)).as(condition).hasSize(warns ? 1 : 0);
            if (warns) {
                Problem p = problems(r, ProblemCode.LOAD_NO_EVTTYPE).get(0);
                assertThat(p.itemName()).isEqualTo("r");
                assertThat(p.message()).isEqualTo("Rule matches too many evt.type values. This has a significant performance penalty.");
            }
        }

        @Test
        void warnEvttypesFalseSilencesTheWarningButTheRuleStillRunsForEveryType() {
            var r = loadOk(ruleYaml("r", "proc.name = foo") + "  warn_evttypes: false\n");
            assertThat(problems(r, ProblemCode.LOAD_NO_EVTTYPE)).isEmpty();
            assertThat(matches(r, "execve", "proc.name", "foo")).isTrue();
            assertThat(matches(r, "close", "proc.name", "foo")).isTrue();
        }

        @Test
        void theWarningStartsAboveOneHundredEventCodes() {
            // Falco counts event codes: each name stands for its enter/exit and legacy codes
            dev.vigil.event.EventTypes types = dev.vigil.event.EventTypes.get();
            List<String> names = new ArrayList<>();
            int codes = 0;
            for (int c = 0; c < types.size() && codes < 100; c++) {
                if (codes + types.weight(c) <= 100) {
                    names.add(types.name(c));
                    codes += types.weight(c);
                }
            }
            assertThat(codes).isEqualTo(100);
            String hundred = "evt.type in (" + String.join(", ", names) + ")";
            assertThat(problems(loadOk(ruleYaml("r", hundred)), ProblemCode.LOAD_NO_EVTTYPE)).isEmpty();
            String extra = types.names().stream().filter(n -> !names.contains(n)).findFirst().orElseThrow();
            String more = "evt.type in (" + String.join(", ", names) + ", " + extra + ")";
            assertThat(problems(loadOk(ruleYaml("r", more)), ProblemCode.LOAD_NO_EVTTYPE)).hasSize(1);
        }

        @ParameterizedTest(name = "{0} -> {1}")
        @CsvSource(delimiter = '|', value = {
            // evt.num starts at 1 (spec 5)
            "evt.num = 0|none", "evt.num == 0|none", "evt.num < 1|none", "evt.num < 0|none", "evt.num <= 0|none",
            "evt.num in (0)|none", "evt.num in (0, 00)|none", "evt.num in ()|none",
            "evt.num != 0|all", "evt.num > 0|all", "evt.num >= 1|all", "evt.num >= 0|all",
            "not evt.num != 0|none", "not evt.num > 0|none", "not evt.num >= 1|none",
            "not evt.num = 0|all", "not evt.num < 1|all", "not evt.num in (0)|all",
            // not decided: neutral, also under not
            "evt.num = 1|all", "evt.num < 2|all", "evt.num <= 1|all", "evt.num in (0, 1)|all", "evt.num != 1|all",
            "evt.num > 1|all", "evt.num >= 2|all", "evt.num = -1|all", "not evt.num = 1|all", "not evt.num < 2|all",
            "evt.num intersects (0)|all",
            // combined with event types
            "evt.type = open and evt.num = 0|none", "evt.type = open or evt.num = 0|open",
            "evt.type = open and evt.num > 0|open", "evt.type = open and not evt.num != 0|none"})
        void evtNumInvariants(String condition, String expected) {
            var r = loadOk(ruleYaml("r", condition) + "  warn_evttypes: false\n");
            var types = rule(r, "r").eventTypes();
            switch (expected) {
                case "none" -> assertThat(types.isEmpty()).as(condition).isTrue();
                case "all" -> assertThat(types.cardinality()).as(condition).isEqualTo(dev.vigil.event.EventTypes.get().size());
                default -> BitSetAssert.types(rule(r, "r")).as(condition).containsExactly(expected);
            }
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', value = {
            "evt.type = val(evt.type)|event code search does not support `evt.type` checks with transformers|11",
            "evt.type = val(proc.name)|right-hand field comparisons on `evt.type`/`syscall.type` checks are not supported by event code search|11",
            "evt.type != tolower(proc.name)|right-hand field comparisons on `evt.type`/`syscall.type` checks are not supported by event code search|12",
            "evt.type in (open) and not evt.type = toupper(evt.type)|event code search does not support `evt.type` checks with transformers|38",
            "syscall.type = val(proc.name)|right-hand field comparisons on `evt.type`/`syscall.type` checks are not supported by event code search|15",
            "tolower(evt.type) = open|event code search does not support `evt.type` checks with transformers|0",
            "proc.name = x and toupper(evt.type) in (OPEN)|event code search does not support `evt.type` checks with transformers|18",
            "tolower(evt.type) exists|event code search does not support `evt.type` checks with transformers|0",
            "concat(proc.name, evt.type) = catopen|event code search does not support `evt.type` checks with transformers|0"})
        void evtTypeThroughATransformerOrComparedWithAFieldIsAnError(String condition, String message, int offset) {
            Problem p = onlyError(load(ruleYaml("r", condition)));
            assertThat(p.code()).isEqualTo(ProblemCode.LOAD_ERR_COMPILE_CONDITION);
            assertThat(p.message()).isEqualTo(message);
            assertThat(p.itemName()).isEqualTo("r");
            assertThat(p.context()).anySatisfy(l -> {
                assertThat(l.itemType()).isEqualTo("condition expression");
                assertThat(l.offset()).isEqualTo(offset);
            });
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
            "tolower(evt.type) contains open", "tolower(evt.type) startswith op", "proc.name = val(proc.pname)",
            "evt.type = open and proc.name != val(proc.pname)", "evt.type exists"})
        void otherChecksOnEventTypesAndFieldsLoad(String condition) {
            var r = loadOk(ruleYaml("r", condition) + "  warn_evttypes: false\n");
            assertThat(r.rules()).hasSize(1);
        }

        @Test
        void rulesOnlyRunForTheirEventTypes() {
            var r = loadOk(ruleYaml("r", "evt.type in (open, openat) and proc.name = cat"));
            assertThat(matches(r, "openat", "proc.name", "cat")).isTrue();
            assertThat(matches(r, "execve", "proc.name", "cat")).isFalse();
            BitSetAssert.types(rule(r, "r")).containsExactlyInAnyOrder("open", "openat");
        }
    }

    /** Names of the event types of a rule. */
    static final class BitSetAssert {
        static org.assertj.core.api.ListAssert<String> types(CompiledRule r) {
            List<String> names = new ArrayList<>();
            var set = r.eventTypes();
            for (int i = set.nextSetBit(0); i >= 0; i = set.nextSetBit(i + 1)) {
                names.add(dev.vigil.event.EventTypes.get().name(i));
            }
            return assertThat(names);
        }
    }

    @Nested
    class RuleFiles {
        @TempDir
        Path dir;

        @Test
        void directoriesExpandToTheirYamlFilesInSortedOrder() throws IOException {
            Files.writeString(dir.resolve("b.yaml"), """
                    - rule: r
                      priority: ERROR
                      override:
                        priority: replace
                    """);
            Files.writeString(dir.resolve("c.txt"), "not rules");
            Files.writeString(dir.resolve("10-ten.yaml"), "- list: l\n  items: [ten]\n");
            Files.writeString(dir.resolve("9-nine.yaml"), "- list: l\n  items: [nine]\n");
            Files.writeString(dir.resolve("a.yml"), ruleYaml("r", "evt.type = open and proc.name in (l)"));
            Files.createDirectory(dir.resolve("sub.yaml"));
            var r = RuleEngine.loadPaths(List.of(dir), RuleEngine.Options.defaults().withSuggestedOutput(false));
            assertThat(r.errors()).as(Fixtures.describe(r)).isEmpty();
            // plain string order: "10-..." sorts before "9-..."; later files win
            assertThat(r.files()).extracting(f -> Path.of(f.name()).getFileName().toString())
                    .containsExactly("10-ten.yaml", "9-nine.yaml", "a.yml", "b.yaml");
            assertThat(expanded(r, "r")).isEqualTo(canon("evt.type = open and proc.name in (nine)"));
            assertThat(rule(r, "r").priority()).isEqualTo(Priority.ERROR);
        }

        @Test
        void filesAndDirectoriesKeepTheConfiguredOrder() throws IOException {
            Path rules = Files.createDirectory(dir.resolve("rules.d"));
            Files.writeString(rules.resolve("z.yaml"), "- rule: r\n  output: from dir\n  override:\n    output: replace\n");
            Path base = Files.writeString(dir.resolve("base.yaml"), ruleYaml("r", "evt.type = open"));
            var r = RuleEngine.loadPaths(List.of(base, rules), RuleEngine.Options.defaults().withSuggestedOutput(false));
            assertThat(r.errors()).isEmpty();
            assertThat(rule(r, "r").output()).isEqualTo("from dir");
        }

        @Test
        void aMissingFileIsAReadError() {
            var r = RuleEngine.loadPaths(List.of(dir.resolve("nope.yaml")), RuleEngine.Options.defaults());
            assertThat(r.successful()).isFalse();
            assertThat(r.errors()).singleElement().satisfies(p -> assertThat(p.code()).isEqualTo(ProblemCode.LOAD_ERR_FILE_READ));
        }
    }
}
