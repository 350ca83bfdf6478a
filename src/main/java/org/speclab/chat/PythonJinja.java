package org.speclab.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import jinjava.javax.el.CompositeELResolver;

/**
 * HubSpot's Jinjava set up to render Hugging Face chat templates as transformers' apply_chat_template
 * renders them with Python's jinja2 (a sandbox with trim_blocks and lstrip_blocks, its tojson,
 * raise_exception): Jinjava's configuration and legacy overrides, Python's str methods
 * ({@link PythonStrings}), the filters jinja2 has ({@link PythonFilters}), raise_exception and
 * strftime_now, and output printed as Python's str() prints it. {@link TemplateRewrite} mends the
 * syntax Jinjava's parser rejects.
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
        resolver.add(new PythonStrings.PyStringMethods());
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
        j.registerFilter(new PythonFilters.ToJsonFilter());
        j.registerFilter(new PythonFilters.PyTrimFilter());
        j.registerFilter(new PythonFilters.ItemsFilter());
        j.registerFilter(new PythonFilters.PyStringFilter());
        j.registerFilter(new PythonFilters.PyLengthFilter("length"));
        j.registerFilter(new PythonFilters.PyLengthFilter("count"));
        j.registerExpTest(new PythonFilters.IsIterableExpTest());
        return j;
    }

    public static final class PyInterpreter extends com.hubspot.jinjava.interpret.JinjavaInterpreter {
        public PyInterpreter(Jinjava j, com.hubspot.jinjava.interpret.Context c, JinjavaConfig cfg) { super(j, c, cfg); }
        public PyInterpreter(com.hubspot.jinjava.interpret.JinjavaInterpreter orig) { super(orig); }
        @Override public String getAsString(Object o) { return PythonStrings.pyStr(o); }
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
}
