#!/bin/sh
# The GPU checks of SpecLab in one call, for anyone with an NVIDIA GPU (driver of CUDA 12.0 or newer):
#   gpu/run-suite.sh            (from the repository root; results under gpu-results/)
# 1. the JUnit tests tagged "gpu" (CudaParityTest: every kernel and weight type against the CPU
#    engine, batch invariance, greedy stories260K = run.c's text, speculative greedy = target-only,
#    the gauges, top-k on the device, the recorded decode step (CUDA graph), cuBLAS where it loads);
# 2. `bench --device cuda` on synthetic Llama-2-7B-shaped models in F16 and Q8_0 (`synth --preset
#    llama2-7b`, 13.5 and 7.2 GB: the device needs ~16 GB free; disk ~21 GB under gpu-results/).
# It runs from gpu-carry/ (ignored by git), made by gpu/prepare-carry.sh on a build machine: a
# jlink'ed Java 25 runtime in gpu-carry/java, speclab.jar and libraries, the compiled tests and
# JUnit's console launcher, and the stories260K material; where gpu-carry/ is missing it uses
# JAVA_HOME and Maven's target/ of a normal build (mvn package test-compile) instead.
set -e
here=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
cd "$here"
carry=$here/gpu-carry
[ -d "$carry" ] || [ ! -f "$here/gpu-carry.tgz" ] || tar xzf "$here/gpu-carry.tgz" -C "$here"
out=${GPU_RESULTS:-$here/gpu-results}
mkdir -p "$out"
if [ -x "$carry/java/bin/java" ]; then
    JAVA=$carry/java/bin/java; jar=$carry/speclab.jar; tests=$carry/test-classes; libs=$carry/lib
    console=$(ls "$carry"/junit-platform-console-standalone-*.jar); export SPECLAB_SHARED=$carry/shared
else
    JAVA=${JAVA_HOME:?set JAVA_HOME to a JDK 25, or make gpu-carry/ with gpu/prepare-carry.sh}/bin/java
    jar=$here/target/speclab.jar; tests=$here/target/test-classes; libs=$here/target/lib
    console=$(ls "$HOME"/.m2/repository/org/junit/platform/junit-platform-console-standalone/*/junit-platform-console-standalone-*.jar 2>/dev/null | tail -n 1)
    export SPECLAB_SHARED=${SPECLAB_SHARED:-$here/../shared}
fi
cp_all="$jar:$tests"
for f in "$libs"/*.jar; do cp_all="$cp_all:$f"; done
flags="--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xss8m -XX:CompileCommand=quiet -XX:CompileCommand=dontinline,*F16::dot"
status=0
# a pipeline's status is tee's, so each command leaves its own in a file
run() { rc=$out/rc; { "$@"; echo $? > "$rc"; } 2>&1 | tee -a "$out/suite.txt"; [ "$(cat "$rc")" = 0 ] || status=1; }

echo "== devices" | tee "$out/suite.txt"
run "$JAVA" $flags -cp "$cp_all" org.speclab.Main devices
if ! grep -q '^cuda:' "$out/suite.txt"; then
    echo "== no CUDA device found: the GPU checks cannot run here" | tee -a "$out/suite.txt"
    exit 1
fi

echo "== JUnit, tag gpu" | tee -a "$out/suite.txt"
# a device was found, so a skipped GPU test is a failure here (CudaParityTest reads this)
export SPECLAB_REQUIRE_GPU=1
run "$JAVA" $flags -jar "$console" execute --class-path "$cp_all" --scan-class-path "$tests" --include-tag gpu \
    --details=tree --reports-dir "$out/junit"

for type in f16 q8_0; do
    model=$out/llama2-7b-$type.gguf
    [ -f "$model" ] || "$JAVA" $flags -cp "$cp_all" org.speclab.Main synth --preset llama2-7b --type "$type" -o "$model"
    echo "== bench --device cuda, llama2-7b $type" | tee -a "$out/suite.txt"
    run "$JAVA" $flags -cp "$cp_all" org.speclab.Main bench -m "$model" --device cuda -p 64 -n 64 -r 3
    # whether the recorded decode step (CUDA graph) helps: the same decode, launched kernel by kernel
    echo "== bench --device cuda, llama2-7b $type, CUDA graphs off" | tee -a "$out/suite.txt"
    run env SPECLAB_CUDA_GRAPHS=0 "$JAVA" $flags -cp "$cp_all" org.speclab.Main bench -m "$model" --device cuda -p 0 -n 64 -r 3 --verify 0
    # a long prompt: cuBLAS where libcublas.so.12 loads (the bench's last line says which path ran)
    echo "== bench --device cuda, llama2-7b $type, 512-token prompt" | tee -a "$out/suite.txt"
    run "$JAVA" $flags -cp "$cp_all" org.speclab.Main bench -m "$model" --device cuda -p 512 -n 1 -r 3 --verify 0
done
echo "== done (exit $status); everything above is in $out/suite.txt" | tee -a "$out/suite.txt"
exit $status
