package org.speclab.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.speclab.gguf.GgmlType;
import org.speclab.jobs.ConvertJob;
import org.speclab.jobs.QuantType;
import org.speclab.quant.WeightType;
import picocli.CommandLine.ITypeConverter;

/**
 * The weight types each command's {@code --type} takes, listed in help ({@code ${COMPLETION-CANDIDATES}})
 * and parsed from the tables that define them, so help, parsing and errors cannot disagree.
 */
final class TypeChoices {
    private TypeChoices() {}

    private static List<String> lower(List<GgmlType> types) {
        return types.stream().map(t -> t.name().toLowerCase(Locale.ROOT)).toList();
    }

    private static GgmlType pick(String s, List<GgmlType> allowed) {
        for (GgmlType t : allowed) if (t.name().equalsIgnoreCase(s.trim())) return t;
        throw new picocli.CommandLine.TypeConversionException("must be one of " + String.join(", ", lower(allowed)) + ", found '" + s + "'");
    }

    /** {@code convert --type}: the float types ConvertJob writes. */
    static final class Convert extends ArrayList<String> {
        Convert() { super(lower(ConvertJob.TYPES)); }
    }

    static final class ConvertConverter implements ITypeConverter<GgmlType> {
        @Override
        public GgmlType convert(String s) { return pick(s, ConvertJob.TYPES); }
    }

    /** {@code synth --type}: every type SpecLab writes (the table's writable rows). */
    static final class Synth extends ArrayList<String> {
        Synth() { super(lower(WeightType.writable())); }
    }

    static final class SynthConverter implements ITypeConverter<GgmlType> {
        @Override
        public GgmlType convert(String s) { return pick(s, WeightType.writable()); }
    }

    /** {@code quantize --type}: QuantType's rows, and gpt-fast's names for two of them. */
    static final class Quant extends ArrayList<String> {
        Quant() {
            for (QuantType q : QuantType.values()) add(q.name().toLowerCase(Locale.ROOT));
            add("int8");
            add("int4.g32");
        }
    }

    static final class QuantConverter implements ITypeConverter<QuantType> {
        @Override
        public QuantType convert(String s) {
            try {
                return QuantType.parse(s);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
