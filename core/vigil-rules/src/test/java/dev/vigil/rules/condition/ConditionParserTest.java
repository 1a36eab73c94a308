package dev.vigil.rules.condition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The condition grammar (spec section 2.1, libs filter/parser.cpp): what parses and into which tree
 * (printed canonically by {@link AstPrinter}: n-ary and/or fully parenthesised, values quoted), and
 * what is rejected.
 */
class ConditionParserTest {

    static Stream<Arguments> accepted() {
        return Stream.of(
                // precedence: not > and > or; n-ary chains
                Arguments.of("a and b or c", "((a and b) or c)"),
                Arguments.of("a or b and c", "(a or (b and c))"),
                Arguments.of("a and b and c or d or e", "((a and b and c) or d or e)"),
                Arguments.of("not a and b", "(not a and b)"),
                Arguments.of("not a or b", "(not a or b)"),
                Arguments.of("a and not b or c", "((a and not b) or c)"),
                Arguments.of("not (a and b)", "not (a and b)"),
                Arguments.of("not(a or b)", "not (a or b)"),
                Arguments.of("not not a", "a"),
                Arguments.of("not not not a", "not a"),
                Arguments.of("not  \t not a", "a"),
                // parentheses, and keywords directly before '('
                Arguments.of("a and (b or c)", "(a and (b or c))"),
                Arguments.of("(a and b) or (c)", "((a and b) or c)"),
                Arguments.of("a and(b or c)", "(a and (b or c))"),
                Arguments.of("a or(b)", "(a or b)"),
                Arguments.of("((((a))))", "a"),
                // identifiers: a word starting with a keyword is still a macro name
                Arguments.of("notx", "notx"),
                Arguments.of("not x", "not x"),
                Arguments.of("andy or ore", "(andy or ore)"),
                // blanks: space, tab, newline, carriage return, backspace
                Arguments.of("a\nand\tb\r\nor\bc", "((a and b) or c)"),
                Arguments.of("  proc.name = cat  ", "proc.name = \"cat\""),
                // symbolic and list operators need no blank after them
                Arguments.of("proc.name=cat", "proc.name = \"cat\""),
                Arguments.of("proc.name==cat", "proc.name == \"cat\""),
                Arguments.of("proc.name!=cat", "proc.name != \"cat\""),
                Arguments.of("proc.name in(a,b)", "proc.name in (\"a\", \"b\")"),
                Arguments.of("proc.name in (a , b )", "proc.name in (\"a\", \"b\")"),
                Arguments.of("proc.name intersects(a)", "proc.name intersects (\"a\")"),
                Arguments.of("fd.name pmatch(/tmp, /var/run)", "fd.name pmatch (\"/tmp\", \"/var/run\")"),
                Arguments.of("evt.num<=1", "evt.num <= \"1\""),
                Arguments.of("evt.num<1", "evt.num < \"1\""),
                Arguments.of("evt.num>=+1", "evt.num >= \"+1\""),
                Arguments.of("evt.num>-1", "evt.num > \"-1\""),
                Arguments.of("evt.num > 1.5e+3", "evt.num > \"1.5e+3\""),
                Arguments.of("evt.num < 0x1F", "evt.num < \"0x1F\""),
                // word operators with a blank
                Arguments.of("proc.name contains cat", "proc.name contains \"cat\""),
                Arguments.of("proc.name icontains CAT", "proc.name icontains \"CAT\""),
                Arguments.of("evt.buffer bcontains 0a0b", "evt.buffer bcontains \"0a0b\""),
                Arguments.of("proc.name startswith c", "proc.name startswith \"c\""),
                Arguments.of("evt.buffer bstartswith 00", "evt.buffer bstartswith \"00\""),
                Arguments.of("proc.name endswith t", "proc.name endswith \"t\""),
                Arguments.of("fd.name glob /tmp/*", "fd.name glob \"/tmp/*\""),
                Arguments.of("fd.name iglob /TMP/*", "fd.name iglob \"/TMP/*\""),
                Arguments.of("proc.name regex \"c.t\"", "proc.name regex \"c.t\""),
                Arguments.of("proc.name exists", "proc.name exists"),
                Arguments.of("proc.name exists and a", "(proc.name exists and a)"),
                // quoted strings and escapes
                Arguments.of("proc.name = \"a b\"", "proc.name = \"a b\""),
                Arguments.of("proc.name = 'a b'", "proc.name = \"a b\""),
                Arguments.of("proc.name = 'it\\'s'", "proc.name = \"it's\""),
                Arguments.of("proc.name = \"say \\\"hi\\\"\"", "proc.name = \"say \\\"hi\\\"\""),
                Arguments.of("proc.name = \"\\x41\\x42c\"", "proc.name = \"ABc\""),
                Arguments.of("proc.name = \"a\\tb\\nc\"", "proc.name = \"a\\tb\\nc\""),
                Arguments.of("proc.name = \"a\\\\b\\/c\"", "proc.name = \"a\\\\b/c\""),
                Arguments.of("proc.name = \"a\\ b\"", "proc.name = \"a\\\\ b\""), // QUIRK: backslash-space keeps the backslash
                Arguments.of("proc.name = \"(a, b) = c\"", "proc.name = \"(a, b) = c\""),
                Arguments.of("proc.name = \"\"", "proc.name = \"\""),
                // bare strings may hold / * . - : [ ] < and similar
                Arguments.of("fd.name=/etc/*.conf", "fd.name = \"/etc/*.conf\""),
                Arguments.of("fd.name = a.b-c:d[e]<f>g", "fd.name = \"a.b-c:d[e]<f>g\""),
                Arguments.of("fd.name = <NA>", "fd.name = \"<NA>\""),
                // field arguments
                Arguments.of("proc.aname[2]=bash", "proc.aname[2] = \"bash\""),
                Arguments.of("evt.arg[name] = x", "evt.arg[name] = \"x\""),
                Arguments.of("evt.arg.flags contains O_CREAT", "evt.arg.flags contains \"O_CREAT\""),
                Arguments.of("jevt.value[/requestObject/spec/tls] exists", "jevt.value[/requestObject/spec/tls] exists"),
                Arguments.of("container.mount.dest[/proc*] exists", "container.mount.dest[/proc*] exists"),
                Arguments.of("proc.env[\"HOME\"] = /root", "proc.env[HOME] = \"/root\""),
                // transformers, nested, multi-argument, and val()
                Arguments.of("tolower(proc.name) = cat", "tolower(proc.name) = \"cat\""),
                Arguments.of("toupper( basename(proc.exepath) ) = BASH", "toupper(basename(proc.exepath)) = \"BASH\""),
                Arguments.of("b64(evt.buffer) contains x", "b64(evt.buffer) contains \"x\""),
                Arguments.of("len(ka.req.pod.containers.image) > 1", "len(ka.req.pod.containers.image) > \"1\""),
                Arguments.of("join(\",\", ka.req.pod.containers.image) = \"a,b\"", "join(\",\", ka.req.pod.containers.image) = \"a,b\""),
                Arguments.of("concat(proc.name, \"-\", proc.pname) = a-b", "concat(proc.name, \"-\", proc.pname) = \"a-b\""),
                Arguments.of("proc.pname = val(proc.name)", "proc.pname = val(proc.name)"),
                Arguments.of("proc.pname in val(proc.name)", "proc.pname in val(proc.name)"),
                Arguments.of("evt.num > val(evt.num)", "evt.num > val(evt.num)"),
                Arguments.of("proc.name = tolower(proc.pname)", "proc.name = tolower(proc.pname)"),
                // operator modifiers, and the modifier word as a literal
                Arguments.of("proc.name startswith oneof (a, b)", "proc.name startswith oneof (\"a\", \"b\")"),
                Arguments.of("proc.name = anyof (a)", "proc.name = anyof (\"a\")"),
                Arguments.of("proc.name = allof(a,b)", "proc.name = allof (\"a\", \"b\")"),
                Arguments.of("proc.name = oneof my_list", "proc.name = oneof (\"my_list\")"),
                Arguments.of("proc.name = oneof", "proc.name = \"oneof\""),
                Arguments.of("proc.name = oneof and a", "(proc.name = \"oneof\" and a)"),
                Arguments.of("proc.name = allof or a", "(proc.name = \"allof\" or a)"),
                // list values: empty, quoted items, a bare identifier as a one-value list
                Arguments.of("proc.name in ()", "proc.name in ()"),
                Arguments.of("proc.name in ( )", "proc.name in ()"),
                Arguments.of("proc.name in (\"a b\", 'c', /d)", "proc.name in (\"a b\", \"c\", \"/d\")"),
                Arguments.of("proc.name in my_list", "proc.name in (\"my_list\")"),
                // a lone keyword is an identifier (a macro reference, unknown at load time)
                Arguments.of("not", "not"),
                Arguments.of("and", "and"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void accepts(String condition, String printed) throws ConditionSyntaxException {
        assertThat(AstPrinter.print(ConditionParser.parse(condition))).isEqualTo(printed);
    }

    static Stream<Arguments> rejected() {
        return Stream.of(
                // empty input
                Arguments.of("", "filter input string is empty"),
                Arguments.of("   ", "expected a '(' token, a field check, or an identifier"),
                // trailing tokens: keywords are lower case only, and the whole input must be consumed
                Arguments.of("a b", "unexpected token after 'a', expecting 'or', 'and'"),
                Arguments.of("a AND b", "unexpected token after 'a', expecting 'or', 'and'"),
                Arguments.of("a Or b", "unexpected token after 'a', expecting 'or', 'and'"),
                Arguments.of("evt.type=execve execve", "unexpected token after 'execve', expecting 'or', 'and'"),
                Arguments.of("evt.type=open bar", "unexpected token after 'open', expecting 'or', 'and'"),
                Arguments.of("proc.name = a,b", "unexpected token after 'a', expecting 'or', 'and'"),
                Arguments.of("proc.name = \"cat\" x", "unexpected token after 'cat', expecting 'or', 'and'"),
                Arguments.of("proc.name in (a) b", "unexpected token after ')', expecting 'or', 'and'"),
                Arguments.of("(a) )", "unexpected token after ')', expecting 'or', 'and'"),
                Arguments.of("proc.name exists)", "unexpected token after 'exists', expecting 'or', 'and'"),
                // keywords need a blank or '(' after them
                Arguments.of("a and", "expected blank or '(' after 'and'"),
                Arguments.of("a andb", "expected blank or '(' after 'and'"),
                Arguments.of("a orb", "expected blank or '(' after 'or'"),
                Arguments.of("a or", "expected blank or '(' after 'or'"),
                // word operators need a blank after them
                Arguments.of("proc.name containscat", null),
                Arguments.of("proc.name startswith/x", null),
                Arguments.of("proc.name globx", null),
                // missing or malformed values
                Arguments.of("proc.name =", null),
                Arguments.of("proc.name", null),
                Arguments.of("proc.name = (a)", null),
                Arguments.of("proc.args contains --x=1", "unexpected token after '--x', expecting 'or', 'and'"),
                Arguments.of("evt.num < abc", null),
                Arguments.of("proc.name in (a, b", null),
                Arguments.of("proc.name in (a,)", null),
                Arguments.of("proc.name in", null),
                Arguments.of("(a and b", null),
                Arguments.of("= cat", "expected a '(' token, a field check, or an identifier"),
                Arguments.of("proc.aname[2 = x", null),
                Arguments.of("proc.aname[] = x", null),
                Arguments.of("tolower(proc.name = x", null),
                Arguments.of("proc.name = val(proc.name", null),
                Arguments.of("proc.name = val(cat)", null),
                // quoted strings: unterminated, invalid escapes
                Arguments.of("proc.name = \"unterminated", null),
                Arguments.of("proc.name = 'x\"", null),
                Arguments.of("proc.name = \"\\q\"", null),
                Arguments.of("proc.name = '\\\"'", null),
                Arguments.of("proc.name = \"\\'\"", null),
                Arguments.of("proc.name = \"\\x4\"", null),
                Arguments.of("proc.name = \"\\xZZ\"", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejected")
    void rejects(String condition, String message) {
        ConditionSyntaxException e = catchThrowableOfType(ConditionSyntaxException.class, () -> ConditionParser.parse(condition));
        assertThat(e).as("'%s' must not parse", condition).isNotNull();
        assertThat(e.offset()).isBetween(0, condition.length());
        if (message != null) {
            assertThat(e.getMessage()).isEqualTo(message);
        }
    }

    @Test
    void checkAndMacroNodesCarryTheirOffsets() throws ConditionSyntaxException {
        Ast.Expr e = ConditionParser.parse("a and  proc.name = x");
        assertThat(e).isInstanceOf(Ast.And.class);
        Ast.And and = (Ast.And) e;
        assertThat(and.children().get(0)).isEqualTo(new Ast.MacroRef("a", 0));
        assertThat(and.children().get(1).offset()).isEqualTo(7);
    }

    @Test
    void trailingTokenErrorPointsAfterTheParsedExpression() {
        ConditionSyntaxException e = catchThrowableOfType(ConditionSyntaxException.class,
                () -> ConditionParser.parse("evt.type=open and proc.name=cat bar"));
        assertThat(e.getMessage()).isEqualTo("unexpected token after 'cat', expecting 'or', 'and'");
        assertThat(e.offset()).isEqualTo("evt.type=open and proc.name=cat ".length());
    }

    @Test
    void fieldNamesNeedADotOtherwiseTheyAreMacroNames() throws ConditionSyntaxException {
        assertThat(ConditionParser.parse("proc")).isEqualTo(new Ast.MacroRef("proc", 0));
        assertThat(ConditionParser.parse("proc.name exists")).isInstanceOf(Ast.Check.class);
        assertThatThrownBy(() -> ConditionParser.parse("proc = cat")).isInstanceOf(ConditionSyntaxException.class)
                .hasMessage("unexpected token after 'proc', expecting 'or', 'and'");
    }

    @Test
    void quotedValuesAndBareValuesAreTheSameValue() throws ConditionSyntaxException {
        Ast.Check bare = (Ast.Check) ConditionParser.parse("proc.name = cat");
        Ast.Check quoted = (Ast.Check) ConditionParser.parse("proc.name = \"cat\"");
        Ast.Check single = (Ast.Check) ConditionParser.parse("proc.name = 'cat'");
        assertThat(((Ast.Value) bare.rhs()).text()).isEqualTo("cat");
        assertThat(((Ast.Value) quoted.rhs()).text()).isEqualTo("cat");
        assertThat(((Ast.Value) single.rhs()).text()).isEqualTo("cat");
    }

    @Test
    void nestingIsCappedAtTheDepthLimit() throws ConditionSyntaxException {
        String shallow = "(".repeat(50) + "proc.name = x" + ")".repeat(50);
        assertThat(AstPrinter.print(ConditionParser.parse(shallow))).isEqualTo("proc.name = \"x\"");

        String deep = "(".repeat(2000) + "a" + ")".repeat(2000);
        assertThatThrownBy(() -> ConditionParser.parse(deep)).isInstanceOf(ConditionSyntaxException.class)
                .hasMessage("exceeded max depth limit of " + ConditionParser.MAX_DEPTH);
        String deepNots = "not (".repeat(2000) + "a" + ")".repeat(2000);
        assertThatThrownBy(() -> ConditionParser.parse(deepNots)).isInstanceOf(ConditionSyntaxException.class)
                .hasMessageStartingWith("exceeded max depth limit");
        String longChain = String.join(" and ", java.util.Collections.nCopies(5000, "a"));
        assertThat(ConditionParser.parse(longChain)).isInstanceOf(Ast.And.class); // width is not depth
    }
}
