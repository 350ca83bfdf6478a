package org.speclab.cli;

import picocli.CommandLine.ITypeConverter;

/** {@code -k N} (1..16) or {@code -k auto} (k chosen as the run goes, starting from {@link #AUTO_START}). */
record SpeculateK(int k, boolean auto) {
    static final int MAX = 16, AUTO_START = 4;

    static final class Converter implements ITypeConverter<SpeculateK> {
        @Override
        public SpeculateK convert(String s) {
            if (s.trim().equalsIgnoreCase("auto")) return new SpeculateK(AUTO_START, true);
            try {
                int k = Integer.parseInt(s.trim());
                if (k >= 1 && k <= MAX) return new SpeculateK(k, false);
            } catch (NumberFormatException e) {
                // the message below
            }
            throw new picocli.CommandLine.TypeConversionException("must be a number between 1 and " + MAX + " or 'auto', found '" + s + "'");
        }
    }

    @Override
    public String toString() { return auto ? "auto" : Integer.toString(k); }
}
