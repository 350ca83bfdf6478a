#!/bin/sh
# Run on a build machine (JDK 25, Maven, network): fills gpu-carry/ (ignored by git) with what
# gpu/run-suite.sh needs on a GPU machine that has only an NVIDIA driver: a jlink'ed Java 25
# runtime, SpecLab's jar with its runtime libraries, the compiled tests, JUnit's console launcher
# and the stories260K test material from ../shared; then packs it as gpu-carry.tgz (~30 MB), which
# fits the 64 MiB a lent GPU machine accepts (run-suite.sh unpacks it there).
set -e
here=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
cd "$here"
carry=gpu-carry
rm -rf "$carry" && mkdir -p "$carry/lib" "$carry/shared/models/stories260K" "$carry/shared/reference"
mvn -q -B package -DskipTests
mvn -q -B test-compile
mvn -q -B dependency:copy-dependencies -DincludeScope=test -DexcludeGroupIds=ai.djl,org.testfx,org.openjdk.jmh,org.openjfx -DoutputDirectory="$carry/lib"
mvn -q -B dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:6.1.3 -DoutputDirectory="$carry"
cp target/speclab.jar "$carry/" && cp -r target/test-classes "$carry/"
# the modules the CLI and the tests need (no desktop, no JavaFX: the GPU suite never opens the lab)
"$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,java.management,java.xml,jdk.management,jdk.incubator.vector,jdk.unsupported,jdk.zipfs \
    --strip-debug --no-header-files --no-man-pages --compress=zip-9 --output "$carry/java"
cp ../shared/models/stories260K/stories260K.gguf "$carry/shared/models/stories260K/"
cp ../shared/reference/stories260K-greedy.txt "$carry/shared/reference/"
# one file of each family for CudaParityTest (1–3 MB each)
mkdir -p "$carry/shared/reference/arch"
for f in llama-F16 qwen2-F16 qwen2-Q4_K_M phi3-F16 gemma2-F16 qwen2-IQ4_XS; do cp "../shared/reference/arch/$f.gguf" "$carry/shared/reference/arch/"; done
tar czf gpu-carry.tgz "$carry"
du -sh "$carry" gpu-carry.tgz
