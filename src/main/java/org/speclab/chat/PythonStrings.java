package org.speclab.chat;

import com.hubspot.jinjava.objects.SafeString;
import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/** Python's str semantics as chat templates use them: whitespace, strip/split/…, str() and repr(). */
final class PythonStrings {
    private PythonStrings() {}

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
                case "isspace" -> !s.isEmpty() && s.chars().allMatch(PythonStrings::isPySpace);
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

    /** Python str(x) as jinja2 prints it; null (Jinjava's undefined AND None) prints as "". */
    public static String pyStr(Object o) {
        if (o == null) return "";
        if (o instanceof CharSequence || o instanceof SafeString) return o.toString();
        if (o instanceof Boolean b) return b ? "True" : "False";
        if (o instanceof Double || o instanceof Float) return PythonFilters.ToJsonFilter.pyFloatRepr(((Number) o).doubleValue());
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

}
