package org.speclab.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.objects.SafeString;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The jinja2 filters and tests Jinjava lacks or spells otherwise, with transformers' tojson. */
final class PythonFilters {
    private PythonFilters() {}

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
        @Override public Object filter(Object var, JinjavaInterpreter in, String... args) { return var == null ? "None" : PythonStrings.pyStr(var); }
    }

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
            return PythonStrings.pyStrip(var.toString(), args.length > 0 ? args[0] : null, true, true);
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
