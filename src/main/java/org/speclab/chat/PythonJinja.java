package org.speclab.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.objects.SafeString;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

import java.beans.FeatureDescriptor;
import java.util.*;

/**
  * Jinjava 2.7.4 set up to render Hugging Face chat templates like transformers' apply_chat_template
  * (jinja2 ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True) + tojson override + raise_exception).
  *
  * Pieces: (1) config: trim/lstrip blocks + LegacyOverrides; (2) ELResolver adding Python str methods
  * (strip/lstrip/rstrip/startswith/endswith/split/...); (3) filters "tojson" (json.dumps, ensure_ascii=False)
  * and "trim" (Python str.strip semantics); (4) functions raise_exception / strftime_now;
  * (5) a small template-text rewrite for syntax Jinjava's parser rejects ([::-1], name=a - b in calls).
  */
public final class PythonJinja {
    private PythonJinja() {}

    /** Thrown by raise_exception(); Jinjava turns it into a FATAL TemplateError (see render()). */
    public static class ChatTemplateException extends RuntimeException {
        public ChatTemplateException(String m) { super(m); }
    }

    public static Object raiseException(String msg) { throw new ChatTemplateException(msg); }

    /** The clock strftime_now reads (tests pin it). */
    static volatile java.time.Clock clock = java.time.Clock.systemDefaultZone();

    public static String strftimeNow(String fmt) {
        var now = java.time.ZonedDateTime.now(clock);
        return com.hubspot.jinjava.objects.date.StrftimeFormatter.format(now, fmt);
    }

    public static JinjavaConfig config() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PyStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        return JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(resolver)
                .withNestedInterpretationEnabled(false) // default TRUE: output containing {{ }} would be re-rendered!
                .withRangeLimit(Integer.MAX_VALUE)      // default 1000: range() silently truncated
                .withInterperterFactory(new PyInterpreterFactory()) // {{ x }} printed with Python str() semantics
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        // NOT withUsePyishObjectMapper(true): it routes every {{ string }} through Jackson and turns
                        // control chars (\x01, \x1b, ...) into literal "\u0001". PyInterpreter.getAsString does Python str().
                        .withParseWhitespaceControlStrictly(true) // '-' only counts directly next to the delimiter
                        .withUseNaturalOperatorPrecedence(true)   // Python operator precedence
                        .withUseTrimmingForNotesAndExpressions(true) // {{- -}} / {#- -#} trim like jinja2
                        .withEvaluateMapKeys(true)
                        .withKeepNullableLoopValues(true)
                        .build())
                .build();
    }

    public static Jinjava create() {
        Jinjava j = new Jinjava(config());
        j.registerFunction(new ELFunctionDefinition("", "raise_exception", PythonJinja.class, "raiseException", String.class));
        j.registerFunction(new ELFunctionDefinition("", "strftime_now", PythonJinja.class, "strftimeNow", String.class));
        j.registerFilter(new ToJsonFilter());
        j.registerFilter(new PyTrimFilter());
        j.registerFilter(new ItemsFilter());
        j.registerFilter(new PyStringFilter());
        j.registerFilter(new PyLengthFilter("length"));
        j.registerFilter(new PyLengthFilter("count"));
        j.registerExpTest(new IsIterableExpTest());
        return j;
    }

    // ---------------------------------------------------------------- template text rewrite
    /**
      * Rewrites, inside {{ }} and {% %} only:
      *  - X[::-1]            -> X|reverse           (Jinjava has no slice step)
      *  - f(name=a - b, ...) -> f(name=(a - b), ...) (Jinjava binds kwarg '=' tighter than binary operators)
      */
    public static String preprocess(String tpl) {
        // jinja2 default keep_trailing_newline=False drops ONE trailing newline of the template source
        if (tpl.endsWith("\r\n")) tpl = tpl.substring(0, tpl.length() - 2);
        else if (tpl.endsWith("\n")) tpl = tpl.substring(0, tpl.length() - 1);
        StringBuilder out = new StringBuilder(tpl.length() + 32);
        int i = 0;
        while (i < tpl.length()) {
            int a = indexOfOpen(tpl, i);
            if (a < 0) { out.append(tpl, i, tpl.length()); break; }
            String close = tpl.charAt(a + 1) == '{' ? "}}" : "%}";
            int b = findClose(tpl, a + 2, close);
            if (b < 0) { out.append(tpl, i, tpl.length()); break; }
            out.append(tpl, i, a);
            String body = rewriteExpr(tpl.substring(a + 2, b));
            String forIf = close.equals("%}") ? rewriteForIf(body) : null;
            out.append(forIf != null ? forIf : tpl.substring(a, a + 2) + body + close);
            i = b + 2;
        }
        return out.toString();
    }

    private static int indexOfOpen(String s, int from) {
        for (int k = from; k < s.length() - 1; k++) {
            if (s.charAt(k) == '{') {
                char c = s.charAt(k + 1);
                if (c == '{' || c == '%') return k;
                if (c == '#') { int e = s.indexOf("#}", k + 2); if (e < 0) return -1; k = e + 1; }
            }
        }
        return -1;
    }

    private static int findClose(String s, int from, String close) {
        char q = 0;
        for (int k = from; k < s.length() - 1; k++) {
            char c = s.charAt(k);
            if (q != 0) { if (c == '\\') k++; else if (c == q) q = 0; continue; }
            if (c == '\'' || c == '"') { q = c; continue; }
            if (c == close.charAt(0) && s.charAt(k + 1) == close.charAt(1)) return k;
        }
        return -1;
    }

    private static final java.util.concurrent.atomic.AtomicInteger forIfCounter = new java.util.concurrent.atomic.AtomicInteger();

    /**
      * Jinjava silently ignores the loop filter in "for x in seq if cond" (iterates everything).
      * Rewrites to: set tmp = []; for x in seq; if cond; do tmp.append(x); endif; endfor; for x in tmp
      * (so loop.index/loop.last see the filtered sequence, as in jinja2). body = text between the delimiters.
      */
    static String rewriteForIf(String body) {
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("^([-+]?)(\\s*)for\\s+(.+?)\\s+in\\s+(.*)$", java.util.regex.Pattern.DOTALL).matcher(body);
        if (!m.matches()) return null;
        String rest = m.group(4);
        int ifPos = topLevelWord(rest, "if");
        if (ifPos < 0) return null;
        String seq = rest.substring(0, ifPos).trim();
        String cond = rest.substring(ifPos + 2);
        String rtrim = "";
        String c2 = cond.stripTrailing();
        if (c2.endsWith("-") || c2.endsWith("+")) { rtrim = c2.substring(c2.length() - 1); cond = c2.substring(0, c2.length() - 1); }
        if (topLevelWord(cond, "else") >= 0) return null; // inline if-expression, not a loop filter
        String vars = m.group(3).trim();
        String tmp = "__forif" + forIfCounter.getAndIncrement();
        String item = vars.contains(",") ? "[" + vars + "]" : vars;
        return "{%" + m.group(1) + " set " + tmp + " = [] %}{% for " + vars + " in " + seq + " %}{% if " + cond.trim()
                + " %}{% do " + tmp + ".append(" + item + ") %}{% endif %}{% endfor %}{% for " + vars + " in " + tmp + " " + rtrim + "%}";
    }

    /** index of keyword w at bracket depth 0 outside strings, or -1. */
    static int topLevelWord(String e, String w) {
        int d = 0; char q = 0;
        for (int k = 0; k < e.length(); k++) {
            char c = e.charAt(k);
            if (q != 0) { if (c == '\\') k++; else if (c == q) q = 0; continue; }
            if (c == '\'' || c == '"') { q = c; continue; }
            if ("([{".indexOf(c) >= 0) d++;
            else if (")]}".indexOf(c) >= 0) d--;
            else if (d == 0 && isWordAt(e, k, w)) return k;
        }
        return -1;
    }

    static boolean isWordAt(String e, int k, String w) {
        if (!e.startsWith(w, k)) return false;
        if (k > 0 && (Character.isLetterOrDigit(e.charAt(k - 1)) || e.charAt(k - 1) == '_' || e.charAt(k - 1) == '.')) return false;
        int j = k + w.length();
        return j >= e.length() || !(Character.isLetterOrDigit(e.charAt(j)) || e.charAt(j) == '_');
    }

    /**
      * jinja2: "not" binds looser than comparisons/is/in ("not x is defined" == "not (x is defined)").
      * Jinjava binds it tighter, so wrap the operand: not X  ->  not (X), X running to the next
      * top-level and/or/if/else/','/closing bracket.
      */
    static String rewriteNot(String e) {
        TreeMap<Integer, String> ins = new TreeMap<>();
        char q = 0;
        for (int k = 0; k < e.length(); k++) {
            char c = e.charAt(k);
            if (q != 0) { if (c == '\\') k++; else if (c == q) q = 0; continue; }
            if (c == '\'' || c == '"') { q = c; continue; }
            if (!isWordAt(e, k, "not")) continue;
            String before = e.substring(0, k).stripTrailing();
            if (before.endsWith("is") && isWordAt(before, before.length() - 2, "is")) continue; // "is not"
            String after = e.substring(k + 3).stripLeading();
            if (isWordAt(after, 0, "in")) continue; // "not in"
            int st = k + 3, d = 0, end = e.length(); char q2 = 0;
            for (int j = st; j < e.length(); j++) {
                char x = e.charAt(j);
                if (q2 != 0) { if (x == '\\') j++; else if (x == q2) q2 = 0; continue; }
                if (x == '\'' || x == '"') { q2 = x; continue; }
                if ("([{".indexOf(x) >= 0) d++;
                else if (")]}".indexOf(x) >= 0) { if (d == 0) { end = j; break; } d--; }
                else if (d == 0 && (x == ',' || isWordAt(e, j, "and") || isWordAt(e, j, "or") || isWordAt(e, j, "if") || isWordAt(e, j, "else"))) { end = j; break; }
                else if (d == 0 && (x == '-' || x == '+') && j + 1 == e.length()) { end = j; break; } // whitespace-control marker
            }
            String operand = e.substring(st, end);
            if (operand.isBlank()) continue;
            int os = st + (operand.length() - operand.stripLeading().length());
            int oe = end - (operand.length() - operand.stripTrailing().length());
            ins.merge(os, "(", (x, y) -> x + y);
            ins.merge(oe, ")", (x, y) -> y + x);
        }
        if (ins.isEmpty()) return e;
        StringBuilder sb = new StringBuilder(e);
        for (var en : ins.descendingMap().entrySet()) sb.insert(en.getKey(), en.getValue());
        return sb.toString();
    }

    /**
      * Python string-literal escapes Jinjava's lexer rejects: \\uXXXX, \\UXXXXXXXX, \\xXX, \\a, \\v, \\0 are decoded
      * in place; unknown escapes (e.g. \\/) keep their backslash, as in Python.
      */
    static String fixStringEscapes(String e) {
        StringBuilder sb = new StringBuilder(e.length());
        char q = 0;
        for (int k = 0; k < e.length(); k++) {
            char c = e.charAt(k);
            if (q == 0) { if (c == '\'' || c == '"') q = c; sb.append(c); continue; }
            if (c == q) { q = 0; sb.append(c); continue; }
            if (c != '\\' || k + 1 >= e.length()) { sb.append(c); continue; }
            char n = e.charAt(k + 1);
            int cp = -1, len = 0;
            try {
                if (n == 'u' && k + 6 <= e.length()) { cp = Integer.parseInt(e.substring(k + 2, k + 6), 16); len = 6; }
                else if (n == 'U' && k + 10 <= e.length()) { cp = Integer.parseInt(e.substring(k + 2, k + 10), 16); len = 10; }
                else if (n == 'x' && k + 4 <= e.length()) { cp = Integer.parseInt(e.substring(k + 2, k + 4), 16); len = 4; }
            } catch (NumberFormatException ex) { cp = -1; }
            if (n == 'a') { cp = 7; len = 2; } else if (n == 'v') { cp = 11; len = 2; } else if (n == '0') { cp = 0; len = 2; }
            if (cp >= 0) {
                if (cp == '\'' || cp == '"' || cp == '\\') sb.append('\\').append((char) cp);
                else if (cp == '\n') sb.append("\\n");
                else if (cp == '\r') sb.append("\\r");
                else if (cp == '\t') sb.append("\\t");
                else sb.appendCodePoint(cp);
                k += len - 1;
            } else if ("ntrbf'\"\\".indexOf(n) >= 0) { sb.append(c).append(n); k++; }
            else { sb.append("\\\\"); } // unknown escape: literal backslash, next char handled normally
        }
        return sb.toString();
    }

    static String rewriteExpr(String e) {
        e = fixStringEscapes(e);
        e = replaceOutsideStrings(e, "[::-1]", "|reverse");
        e = rewriteNot(e);
        // collect kwarg value spans inside (...) at any depth
        TreeMap<Integer, String> inserts = new TreeMap<>();
        Deque<Character> stack = new ArrayDeque<>();
        char q = 0;
        for (int k = 0; k < e.length(); k++) {
            char c = e.charAt(k);
            if (q != 0) { if (c == '\\') k++; else if (c == q) q = 0; continue; }
            if (c == '\'' || c == '"') { q = c; continue; }
            if (c == '(' || c == '[' || c == '{') { stack.push(c); continue; }
            if (c == ')' || c == ']' || c == '}') { if (!stack.isEmpty()) stack.pop(); continue; }
            if (c == '=' && !stack.isEmpty() && stack.peek() == '(' && k + 1 < e.length() && e.charAt(k + 1) != '='
                    && k > 0 && "=!<>".indexOf(e.charAt(k - 1)) < 0) {
                // is the '=' preceded by "( ident" or ", ident" ?
                int p = k - 1;
                while (p >= 0 && e.charAt(p) == ' ') p--;
                int idEnd = p;
                while (p >= 0 && (Character.isLetterOrDigit(e.charAt(p)) || e.charAt(p) == '_')) p--;
                if (idEnd == p) continue;
                while (p >= 0 && e.charAt(p) == ' ') p--;
                if (p < 0 || (e.charAt(p) != '(' && e.charAt(p) != ',')) continue;
                int end = valueEnd(e, k + 1);
                String val = e.substring(k + 1, end).trim();
                if (needsParens(val)) {
                    inserts.merge(k + 1, "(", (x, y) -> x + y);
                    inserts.merge(end, ")", (x, y) -> y + x);
                }
            }
        }
        if (inserts.isEmpty()) return e;
        StringBuilder sb = new StringBuilder(e);
        for (var en : inserts.descendingMap().entrySet()) sb.insert(en.getKey(), en.getValue());
        return sb.toString();
    }

    private static boolean needsParens(String v) {
        char q = 0; int d = 0;
        for (int k = 0; k < v.length(); k++) {
            char c = v.charAt(k);
            if (q != 0) { if (c == '\\') k++; else if (c == q) q = 0; continue; }
            if (c == '\'' || c == '"') { q = c; continue; }
            if ("([{".indexOf(c) >= 0) d++;
            else if (")]}".indexOf(c) >= 0) d--;
            else if (d == 0 && (" +-*/%~<>=!".indexOf(c) >= 0)) return true;
        }
        return false;
    }

    private static int valueEnd(String e, int from) {
        int d = 0; char q = 0;
        for (int k = from; k < e.length(); k++) {
            char c = e.charAt(k);
            if (q != 0) { if (c == '\\') k++; else if (c == q) q = 0; continue; }
            if (c == '\'' || c == '"') { q = c; continue; }
            if ("([{".indexOf(c) >= 0) d++;
            else if (")]}".indexOf(c) >= 0) { if (d == 0) return k; d--; }
            else if (c == ',' && d == 0) return k;
        }
        return e.length();
    }

    private static String replaceOutsideStrings(String e, String from, String to) {
        StringBuilder sb = new StringBuilder();
        char q = 0;
        for (int k = 0; k < e.length(); k++) {
            char c = e.charAt(k);
            if (q != 0) { sb.append(c); if (c == '\\' && k + 1 < e.length()) sb.append(e.charAt(++k)); else if (c == q) q = 0; continue; }
            if (c == '\'' || c == '"') { q = c; sb.append(c); continue; }
            if (e.startsWith(from, k)) { sb.append(to); k += from.length() - 1; continue; }
            sb.append(c);
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- Python str semantics
    static boolean isPySpace(int c) {
        return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
    }

    static String pyStrip(String s, Object chars, boolean left, boolean right) {
        int st = 0, en = s.length();
        if (chars == null) {
            while (left && st < en && isPySpace(s.codePointAt(st))) st += Character.charCount(s.codePointAt(st));
            while (right && en > st && isPySpace(s.codePointBefore(en))) en -= Character.charCount(s.codePointBefore(en));
        } else {
            String cs = chars.toString();
            while (left && st < en && cs.indexOf(s.codePointAt(st)) >= 0) st += Character.charCount(s.codePointAt(st));
            while (right && en > st && cs.indexOf(s.codePointBefore(en)) >= 0) en -= Character.charCount(s.codePointBefore(en));
        }
        return s.substring(st, en);
    }

    static List<String> pySplit(String s, Object sepObj, int maxsplit) {
        List<String> r = new ArrayList<>();
        if (sepObj == null) {
            int k = 0, n = s.length();
            while (true) {
                while (k < n && isPySpace(s.charAt(k))) k++;
                if (k >= n) break;
                if (maxsplit >= 0 && r.size() == maxsplit) { r.add(pyStrip(s.substring(k), null, false, true)); break; }
                int st = k;
                while (k < n && !isPySpace(s.charAt(k))) k++;
                r.add(s.substring(st, k));
            }
            return r;
        }
        String sep = sepObj.toString();
        if (sep.isEmpty()) throw new IllegalArgumentException("empty separator");
        int k = 0;
        while (maxsplit < 0 || r.size() < maxsplit) {
            int f = s.indexOf(sep, k);
            if (f < 0) break;
            r.add(s.substring(k, f));
            k = f + sep.length();
        }
        r.add(s.substring(k));
        return r;
    }

    static List<String> pyRsplit(String s, Object sepObj, int maxsplit) {
        if (maxsplit < 0) return pySplit(s, sepObj, -1);
        if (sepObj == null) { // rare; approximate via reversing
            List<String> parts = pySplit(new StringBuilder(s).reverse().toString(), null, maxsplit);
            List<String> r = new ArrayList<>();
            for (int i = parts.size() - 1; i >= 0; i--) r.add(new StringBuilder(parts.get(i)).reverse().toString());
            return r;
        }
        String sep = sepObj.toString();
        LinkedList<String> r = new LinkedList<>();
        int end = s.length();
        while (r.size() < maxsplit) {
            int f = s.lastIndexOf(sep, end - sep.length());
            if (f < 0 || end - sep.length() < 0) break;
            r.addFirst(s.substring(f + sep.length(), end));
            end = f;
        }
        r.addFirst(s.substring(0, end));
        return new ArrayList<>(r);
    }

    static List<String> pySplitlines(String s) {
        List<String> r = new ArrayList<>();
        int st = 0, k = 0, n = s.length();
        while (k < n) {
            char c = s.charAt(k);
            if (c == '\r' || c == '\n' || c == 0x0b || c == 0x0c || (c >= 0x1c && c <= 0x1e) || c == 0x85 || c == 0x2028 || c == 0x2029) {
                r.add(s.substring(st, k));
                if (c == '\r' && k + 1 < n && s.charAt(k + 1) == '\n') k++;
                st = ++k;
            } else k++;
        }
        if (st < n) r.add(s.substring(st));
        return r;
    }

    static boolean affix(String s, Object arg, boolean prefix) {
        if (arg instanceof Collection<?> c) {
            for (Object o : c) if (prefix ? s.startsWith(String.valueOf(o)) : s.endsWith(String.valueOf(o))) return true;
            return false;
        }
        return prefix ? s.startsWith(String.valueOf(arg)) : s.endsWith(String.valueOf(arg));
    }

    static String pyTitle(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean prevCased = false;
        for (int k = 0; k < s.length(); ) {
            int cp = s.codePointAt(k);
            boolean cased = Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
            sb.appendCodePoint(prevCased ? Character.toLowerCase(cp) : Character.toTitleCase(cp));
            prevCased = cased;
            k += Character.charCount(cp);
        }
        return sb.toString();
    }

    static int intArg(Object[] p, int i, int dflt) {
        return p != null && p.length > i && p[i] != null ? ((Number) p[i]).intValue() : dflt;
    }
    static Object arg(Object[] p, int i) { return p != null && p.length > i ? p[i] : null; }

    /** Resolves Python str methods on java.lang.String / SafeString before Jinjava's bean resolver. */
    public static final class PyStringMethods extends ELResolver {
        static final Set<String> NAMES = Set.of("strip", "lstrip", "rstrip", "startswith", "endswith", "split", "rsplit",
                "upper", "lower", "title", "capitalize", "replace", "find", "rfind", "count", "join", "splitlines",
                "isdigit", "isalpha", "isspace", "isupper", "islower");

        @Override
        public Object invoke(ELContext ctx, Object base, Object method, Class<?>[] types, Object[] p) {
            if (base instanceof Map<?, ?> map && "get".equals(String.valueOf(method)) && p != null && p.length == 2) {
                ctx.setPropertyResolved(true);
                return map.containsKey(p[0]) ? map.get(p[0]) : p[1];
            }
            if (!(base instanceof String || base instanceof SafeString) || method == null) return null;
            String m = method.toString();
            if (!NAMES.contains(m)) return null;
            String s = base.toString();
            Object r = switch (m) {
                case "strip" -> pyStrip(s, arg(p, 0), true, true);
                case "lstrip" -> pyStrip(s, arg(p, 0), true, false);
                case "rstrip" -> pyStrip(s, arg(p, 0), false, true);
                case "startswith" -> affix(s, arg(p, 0), true);
                case "endswith" -> affix(s, arg(p, 0), false);
                case "split" -> pySplit(s, arg(p, 0), intArg(p, 1, -1));
                case "rsplit" -> pyRsplit(s, arg(p, 0), intArg(p, 1, -1));
                case "upper" -> s.toUpperCase(Locale.ROOT);
                case "lower" -> s.toLowerCase(Locale.ROOT);
                case "title" -> pyTitle(s);
                case "capitalize" -> s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
                case "replace" -> {
                    String a = String.valueOf(arg(p, 0)), b = String.valueOf(arg(p, 1));
                    int n = intArg(p, 2, -1);
                    if (n < 0) yield s.replace(a, b);
                    String t = s; StringBuilder sb = new StringBuilder(); int k = 0;
                    for (int c = 0; c < n; c++) { int f = t.indexOf(a, k); if (f < 0) break; sb.append(t, k, f).append(b); k = f + a.length(); }
                    yield sb.append(t.substring(k)).toString();
                }
                case "find" -> (long) s.indexOf(String.valueOf(arg(p, 0)));
                case "rfind" -> (long) s.lastIndexOf(String.valueOf(arg(p, 0)));
                case "count" -> { String a = String.valueOf(arg(p, 0)); long n = 0; int k = 0;
                    if (a.isEmpty()) yield (long) s.length() + 1;
                    while ((k = s.indexOf(a, k)) >= 0) { n++; k += a.length(); } yield n; }
                case "join" -> { StringBuilder sb = new StringBuilder(); boolean first = true;
                    for (Object o : (Iterable<?>) arg(p, 0)) { if (!first) sb.append(s); sb.append(o); first = false; } yield sb.toString(); }
                case "splitlines" -> pySplitlines(s);
                case "isdigit" -> !s.isEmpty() && s.chars().allMatch(Character::isDigit);
                case "isalpha" -> !s.isEmpty() && s.chars().allMatch(Character::isLetter);
                case "isspace" -> !s.isEmpty() && s.chars().allMatch(PythonJinja::isPySpace);
                case "isupper" -> !s.equals(s.toLowerCase()) && s.equals(s.toUpperCase());
                case "islower" -> !s.equals(s.toUpperCase()) && s.equals(s.toLowerCase());
                default -> null;
            };
            ctx.setPropertyResolved(true);
            return r;
        }

        @Override public Object getValue(ELContext c, Object b, Object p) {
            // 'abc'[1], s[-1]  (jinja2 string indexing)
            // Jinjava passes bracket indexes as strings ("1"), so accept integer-looking properties
            if ((b instanceof String || b instanceof SafeString) && p != null && String.valueOf(p).matches("-?\\d{1,9}")) {
                String s = b.toString();
                int i = Integer.parseInt(String.valueOf(p));
                int n = s.codePointCount(0, s.length());
                if (i < 0) i += n;
                c.setPropertyResolved(true);
                if (i < 0 || i >= n) return null;
                int off = s.offsetByCodePoints(0, i);
                return new String(Character.toChars(s.codePointAt(off)));
            }
            return null;
        }
        @Override public Class<?> getType(ELContext c, Object b, Object p) { return null; }
        @Override public void setValue(ELContext c, Object b, Object p, Object v) {}
        @Override public boolean isReadOnly(ELContext c, Object b, Object p) { return true; }
        @Override public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext c, Object b) { return null; }
        @Override public Class<?> getCommonPropertyType(ELContext c, Object b) { return null; }
    }

    // ---------------------------------------------------------------- Python str()/repr()
    /** Python str(x) as jinja2 prints it; null (Jinjava's undefined AND None) prints as "". */
    public static String pyStr(Object o) {
        if (o == null) return "";
        if (o instanceof CharSequence || o instanceof SafeString) return o.toString();
        if (o instanceof Boolean b) return b ? "True" : "False";
        if (o instanceof Double || o instanceof Float) return ToJsonFilter.pyFloatRepr(((Number) o).doubleValue());
        if (o instanceof Number) return o.toString();
        if (o instanceof Map<?, ?> || o instanceof Iterable<?> || o instanceof Object[]) return pyRepr(o);
        if (o instanceof Optional<?> op) return pyStr(op.orElse(null));
        return o.toString();
    }

    public static String pyRepr(Object o) {
        if (o == null) return "None";
        if (o instanceof Optional<?> op) return pyRepr(op.orElse(null));
        if (o instanceof CharSequence || o instanceof SafeString) return pyStrRepr(o.toString());
        if (o instanceof Map<?, ?> m) {
            StringBuilder sb = new StringBuilder("{");
            boolean first = true;
            for (var e : m.entrySet()) { if (!first) sb.append(", "); sb.append(pyRepr(e.getKey())).append(": ").append(pyRepr(e.getValue())); first = false; }
            return sb.append('}').toString();
        }
        if (o instanceof Iterable<?> || o instanceof Object[]) {
            Iterable<?> it = o instanceof Object[] a ? Arrays.asList(a) : (Iterable<?>) o;
            StringBuilder sb = new StringBuilder("[");
            boolean first = true;
            for (Object x : it) { if (!first) sb.append(", "); sb.append(pyRepr(x)); first = false; }
            return sb.append(']').toString();
        }
        return pyStr(o);
    }

    static String pyStrRepr(String s) {
        char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder sb = new StringBuilder().append(q);
        for (int k = 0; k < s.length(); ) {
            int cp = s.codePointAt(k);
            k += Character.charCount(cp);
            if (cp == q || cp == '\\') sb.append('\\').appendCodePoint(cp);
            else if (cp == '\n') sb.append("\\n");
            else if (cp == '\r') sb.append("\\r");
            else if (cp == '\t') sb.append("\\t");
            else if (cp != ' ' && !isPrintable(cp)) {
                if (cp < 0x100) sb.append(String.format("\\x%02x", cp));
                else if (cp < 0x10000) sb.append(String.format("\\u%04x", cp));
                else sb.append(String.format("\\U%08x", cp));
            } else sb.appendCodePoint(cp);
        }
        return sb.append(q).toString();
    }

    static boolean isPrintable(int cp) {
        int t = Character.getType(cp);
        return !(t == Character.CONTROL || t == Character.FORMAT || t == Character.SURROGATE || t == Character.PRIVATE_USE
                || t == Character.UNASSIGNED || t == Character.LINE_SEPARATOR || t == Character.PARAGRAPH_SEPARATOR
                || t == Character.SPACE_SEPARATOR);
    }

    public static final class PyInterpreter extends com.hubspot.jinjava.interpret.JinjavaInterpreter {
        public PyInterpreter(Jinjava j, com.hubspot.jinjava.interpret.Context c, JinjavaConfig cfg) { super(j, c, cfg); }
        public PyInterpreter(com.hubspot.jinjava.interpret.JinjavaInterpreter orig) { super(orig); }
        @Override public String getAsString(Object o) { return pyStr(o); }
    }

    public static final class PyInterpreterFactory implements com.hubspot.jinjava.interpret.InterpreterFactory {
        @Override public com.hubspot.jinjava.interpret.JinjavaInterpreter newInstance(com.hubspot.jinjava.interpret.JinjavaInterpreter orig) {
            return new PyInterpreter(orig);
        }
        @Override public com.hubspot.jinjava.interpret.JinjavaInterpreter newInstance(Jinjava j, com.hubspot.jinjava.interpret.Context c, JinjavaConfig cfg) {
            return new PyInterpreter(j, c, cfg);
        }
    }

    /** jinja2: strings are iterable ("x is iterable" is true for str). */
    public static final class IsIterableExpTest implements com.hubspot.jinjava.lib.exptest.ExpTest {
        @Override public String getName() { return "iterable"; }
        @Override public boolean evaluate(Object v, JinjavaInterpreter in, Object... args) {
            return v instanceof CharSequence || v instanceof SafeString || v instanceof Iterable<?> || v instanceof Map<?, ?>
                    || v instanceof Iterator<?> || (v != null && v.getClass().isArray());
        }
    }

    /** |length counting code points for strings (Python len), Jinjava's LengthFilter otherwise. */
    public static final class PyLengthFilter implements Filter {
        private final String name;
        private final Filter base = new com.hubspot.jinjava.lib.filter.LengthFilter();
        PyLengthFilter(String name) { this.name = name; }
        @Override public String getName() { return name; }
        @Override public Object filter(Object var, JinjavaInterpreter in, String... args) {
            if (var instanceof CharSequence || var instanceof SafeString) { String s = var.toString(); return (long) s.codePointCount(0, s.length()); }
            return base.filter(var, in, args);
        }
    }

    /** jinja2 |string == Python str(). */
    public static final class PyStringFilter implements Filter {
        @Override public String getName() { return "string"; }
        @Override public Object filter(Object var, JinjavaInterpreter in, String... args) { return var == null ? "None" : pyStr(var); }
    }

    // ---------------------------------------------------------------- filters
    /** jinja2 >= 3.1 "items" filter (missing in Jinjava): mapping -> list of [key, value]. */
    public static final class ItemsFilter implements Filter {
        @Override public String getName() { return "items"; }
        @Override public Object filter(Object var, JinjavaInterpreter in, String... args) {
            List<Object> r = new ArrayList<>();
            if (var instanceof Map<?, ?> m) for (var e : m.entrySet()) r.add(new ArrayList<>(Arrays.asList(e.getKey(), e.getValue())));
            return r;
        }
    }

    /** jinja2 trim(value, chars=None) == Python str.strip(chars). */
    public static final class PyTrimFilter implements Filter {
        @Override public String getName() { return "trim"; }
        @Override public Object filter(Object var, JinjavaInterpreter in, String... args) {
            if (var == null) return null; // jinja2 would give 'None'
            return pyStrip(var.toString(), args.length > 0 ? args[0] : null, true, true);
        }
    }

    /** transformers' tojson: json.dumps(x, ensure_ascii=False, indent=indent, separators=None, sort_keys=False). */
    public static final class ToJsonFilter implements Filter {
        @Override public String getName() { return "tojson"; }
        @Override public Object filter(Object var, JinjavaInterpreter in, String... args) {
            return filter(var, in, args, Map.of());
        }
        @Override public Object filter(Object var, JinjavaInterpreter in, Object[] args, Map<String, Object> kw) {
            Object ind = kw.containsKey("indent") ? kw.get("indent") : (args.length > 0 ? args[0] : null);
            Integer indent = ind == null ? null : ((Number) (ind instanceof Number ? ind : Long.parseLong(ind.toString()))).intValue();
            boolean sortKeys = Boolean.TRUE.equals(kw.get("sort_keys"));
            StringBuilder sb = new StringBuilder();
            dump(var, indent, sortKeys, 0, sb);
            return sb.toString();
        }

        static void dump(Object o, Integer indent, boolean sort, int level, StringBuilder sb) {
            if (o == null) { sb.append("null"); return; }
            if (o instanceof SafeString ss) o = ss.toString();
            if (o instanceof Optional<?> op) { dump(op.orElse(null), indent, sort, level, sb); return; }
            if (o instanceof CharSequence cs) { quote(cs.toString(), sb); return; }
            if (o instanceof Boolean b) { sb.append(b ? "true" : "false"); return; }
            if (o instanceof Double || o instanceof Float) {
                double d = ((Number) o).doubleValue();
                if (Double.isNaN(d)) sb.append("NaN"); else if (Double.isInfinite(d)) sb.append(d > 0 ? "Infinity" : "-Infinity");
                else sb.append(pyFloatRepr(d));
                return;
            }
            if (o instanceof Number n) { sb.append(n.toString()); return; }
            if (o instanceof Map<?, ?> m) {
                if (m.isEmpty()) { sb.append("{}"); return; }
                List<Map.Entry<?, ?>> es = new ArrayList<>(m.entrySet());
                if (sort) es.sort(Comparator.comparing(e -> String.valueOf(e.getKey())));
                sb.append('{');
                boolean first = true;
                for (var e : es) {
                    if (!first) sb.append(indent == null ? ", " : ",");
                    newline(indent, level + 1, sb);
                    quote(String.valueOf(e.getKey()), sb);
                    sb.append(": ");
                    dump(e.getValue(), indent, sort, level + 1, sb);
                    first = false;
                }
                newline(indent, level, sb);
                sb.append('}');
                return;
            }
            Iterable<?> it = o instanceof Iterable<?> i ? i : (o instanceof Object[] arr ? Arrays.asList(arr) : null);
            if (it != null) {
                Iterator<?> iter = it.iterator();
                if (!iter.hasNext()) { sb.append("[]"); return; }
                sb.append('[');
                boolean first = true;
                while (iter.hasNext()) {
                    if (!first) sb.append(indent == null ? ", " : ",");
                    newline(indent, level + 1, sb);
                    dump(iter.next(), indent, sort, level + 1, sb);
                    first = false;
                }
                newline(indent, level, sb);
                sb.append(']');
                return;
            }
            quote(o.toString(), sb);
        }

        static void newline(Integer indent, int level, StringBuilder sb) {
            if (indent == null) return;
            sb.append('\n');
            sb.append(" ".repeat(indent * level));
        }

        static String pyFloatRepr(double d) {
            if (d == Math.rint(d) && Math.abs(d) < 1e16) return String.valueOf((long) d) + ".0";
            String s = Double.toString(d); // shortest round-trip digits, like Python's repr
            double a = Math.abs(d);
            if (a >= 1e-4 && a < 1e16) return new java.math.BigDecimal(s).toPlainString();
            if (s.contains("E")) { // Python: 1e-05, 1e+16
                String[] p = s.split("E");
                String mant = p[0].endsWith(".0") ? p[0].substring(0, p[0].length() - 2) : p[0];
                int ex = Integer.parseInt(p[1]);
                return mant + "e" + (ex < 0 ? "-" : "+") + String.format("%02d", Math.abs(ex));
            }
            return s;
        }

        static void quote(String s, StringBuilder sb) {
            sb.append('"');
            for (int k = 0; k < s.length(); k++) {
                char c = s.charAt(k);
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    case '\b' -> sb.append("\\b");
                    case '\f' -> sb.append("\\f");
                    default -> { if (c < 0x20) sb.append(String.format("\\u%04x", (int) c)); else sb.append(c); }
                }
            }
            sb.append('"');
        }
    }
}
