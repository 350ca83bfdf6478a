package org.speclab.chat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.TreeMap;

/**
 * The few rewrites of a chat template's text that let Jinjava parse what Python's jinja2 parses:
 * {@code X[::-1]} as {@code X|reverse}, a keyword argument's expression in parentheses, {@code not X}
 * binding as loosely as in Python, a filtered {@code for … if} loop as a loop over a filtered list,
 * Python's string escapes decoded, and jinja2's dropped final newline. Only inside {@code {{ }}} and
 * {@code {% %}}; text and comments are left as they are.
 */
final class TemplateRewrite {
    private TemplateRewrite() {}

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

}
