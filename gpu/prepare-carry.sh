#!/bin/sh
# Run on a build machine (JDK 25, Maven, network): fills gpu-carry/ (ignored by git) with what
# gpu/run-suite.sh needs on a GPU machine that has only an NVIDIA driver: a jlink'ed Java 25
# runtime, SpecLab's jar with its runtime libraries, the compiled tests, JUnit's console launcher
# and the stories260K test material from ../shared.
set -e
here=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
cd "$here"
carry=gpu-carry
rm -rf "$carry" && mkdir -p "$carry/lib" "$carry/shared/models/stories260K" "$carry/shared/reference"
mvn -q -B package -DskipTests
mvn -q -B test-compile
mvn -q -B dependency:copy-dependencies -DincludeScope=test -DexcludeGroupIds=ai.djl,org.testfx,org.openjdk.jmh -DoutputDirectory="$carry/lib"
mvn -q -B dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:6.1.3 -DoutputDirectory="$carry"
cp target/speclab.jar "$carry/" && cp -r target/test-classes "$carry/"
"$JAVA_HOME/bin/jlink" --add-modules java.se,jdk.incubator.vector,jdk.unsupported,jdk.management,jdk.crypto.ec,jdk.zipfs \
    --strip-debug --no-header-files --no-man-pages --compress=zip-9 --output "$carry/java"
cp ../shared/models/stories260K/stories260K.gguf "$carry/shared/models/stories260K/"
cp ../shared/reference/stories260K-greedy.txt "$carry/shared/reference/"
du -sh "$carry"
