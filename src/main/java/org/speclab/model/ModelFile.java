package org.speclab.model;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.GgufValue;
import org.speclab.gguf.GgufValueType;
import org.speclab.gguf.ModelFormatException;

/**
 * A model as the rest of SpecLab sees it, whatever file it came from: GGUF-style metadata
 * ({@code general.*}, {@code llama.*}, {@code tokenizer.ggml.*}) and tensors under GGUF names.
 * Importers of other formats (llama2.c checkpoints, Hugging Face folders) produce this same view.
 */
public final class ModelFile implements AutoCloseable {
    private final Path path;
    private final String format;
    private final Map<String, GgufValue> metadata;
    private final Map<String, Tensor> tensors;
    private final long fileSize;
    private final AutoCloseable resource;

    public ModelFile(Path path, String format, Map<String, GgufValue> metadata, List<Tensor> tensors,
                     long fileSize, AutoCloseable resource) {
        this.path = path;
        this.format = format;
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        Map<String, Tensor> byName = new LinkedHashMap<>();
        for (Tensor t : tensors) byName.put(t.name(), t);
        this.tensors = Collections.unmodifiableMap(byName);
        this.fileSize = fileSize;
        this.resource = resource;
    }

    public Path path() { return path; }

    /** "gguf", "llama2c", … */
    public String format() { return format; }

    public Map<String, GgufValue> metadata() { return metadata; }

    public Map<String, Tensor> tensors() { return tensors; }

    public long fileSize() { return fileSize; }

    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new ModelFormatException(path, "tensor " + name, "missing");
        return t;
    }

    public Tensor optionalTensor(String name) { return tensors.get(name); }

    public String architecture() {
        GgufValue v = metadata.get("general.architecture");
        return v == null ? null : String.valueOf(v.value());
    }

    public String name() {
        GgufValue v = metadata.get("general.name");
        if (v != null && v.type() == GgufValueType.STRING) return (String) v.value();
        return stem(path);
    }

    /**
     * A model's file name without its extension: how the library, the Run view and experiment
     * records name a model (converters often leave a generic general.name such as "llama", which
     * would make two different files look alike).
     */
    public static String stem(Path model) {
        String f = model.getFileName().toString();
        int dot = f.lastIndexOf('.');
        return dot > 0 ? f.substring(0, dot) : f;
    }

    /** Sum of the tensor bytes: what one full pass over the weights reads. */
    public long weightBytes() {
        return tensors.values().stream().mapToLong(t -> t.info().byteSize()).sum();
    }

    public long parameterCount() {
        return tensors.values().stream().mapToLong(t -> t.info().elementCount()).sum();
    }

    /** The weight type most of the bytes are stored in, e.g. F16 or Q4_K, as a user would name the model. */
    public GgmlType dominantType() {
        Map<GgmlType, Long> bytes = new LinkedHashMap<>();
        for (Tensor t : tensors.values()) {
            if (t.shape().length >= 2) bytes.merge(t.type(), t.info().byteSize(), Long::sum);
        }
        return bytes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(GgmlType.F32);
    }

    // ---- typed metadata accessors; a wrong type is a format error naming the key ----

    public boolean has(String key) { return metadata.containsKey(key); }

    public long getLong(String key, long fallback) {
        GgufValue v = metadata.get(key);
        if (v == null) return fallback;
        if (!v.type().isInteger()) throw new ModelFormatException(path, key, "expected an integer, found " + v.type());
        return v.asLong();
    }

    public long requireLong(String key) {
        if (!metadata.containsKey(key)) throw new ModelFormatException(path, key, "missing");
        return getLong(key, 0);
    }

    public double getDouble(String key, double fallback) {
        GgufValue v = metadata.get(key);
        if (v == null) return fallback;
        if (v.isArray() || v.type() == GgufValueType.STRING) throw new ModelFormatException(path, key, "expected a number, found " + v.type());
        return v.asDouble();
    }

    public String getString(String key, String fallback) {
        GgufValue v = metadata.get(key);
        if (v == null) return fallback;
        if (v.type() != GgufValueType.STRING) throw new ModelFormatException(path, key, "expected a string, found " + v.type());
        return (String) v.value();
    }

    public boolean getBool(String key, boolean fallback) {
        GgufValue v = metadata.get(key);
        if (v == null) return fallback;
        if (v.type() != GgufValueType.BOOL) throw new ModelFormatException(path, key, "expected a bool, found " + v.type());
        return (Boolean) v.value();
    }

    @Override
    public void close() {
        try {
            if (resource != null) resource.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
