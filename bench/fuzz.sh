#!/usr/bin/env bash
# Coverage-guided fuzzing (Jazzer) of one file reader, seeded with the real file from ../shared.
#   bench/fuzz.sh READER [RUNS] [SEED]
# READER: gguf, llama2c-checkpoint, llama2c-tokenizer, sentencepiece, tokenizer-json, safetensors, hf-config,
#         gpt2-encoder, gpt2-merges (seeded with the first 512 pieces of ../shared's Llama-3.2 files),
#         settings-json, experiments-json, jobs-json (seeded with files the lab's own writers make).
# RUNS: inputs to try (default 1000000). The corpus grows in target/fuzz/READER/corpus; a finding
# (an exception other than the one-line format error, an error, a hang over 2 s, over 4 GB of memory)
# is written to target/fuzz/READER/ and ends the run with a non-zero status. Needs JDK 25 and Maven.
set -euo pipefail
cd "$(dirname "$0")/.."
reader=${1:?usage: bench/fuzz.sh READER [RUNS] [SEED]}
runs=${2:-1000000}
seed=${3:-}
case "$reader" in
    gguf) src=reference/arch/llama-Q4_K_M.gguf ;;
    llama2c-checkpoint) src=models/stories260K/stories260K.bin ;;
    llama2c-tokenizer) src=models/stories260K/tok512.bin ;;
    sentencepiece) src=models/stories260K/tok512.model ;;
    tokenizer-json) src=models/hf-real/tiny_tokenizer.json ;;
    safetensors) src=models/hf-real/qwen3-tiny/model.safetensors ;;
    hf-config) src=models/hf-real/qwen3-tiny/config.json ;;
    gpt2-encoder|gpt2-merges) src=tokenizers/llama3.2-bpe/encoder.json; generated=1 ;;
    settings-json|experiments-json|jobs-json) src=; generated=1 ;;
    *) echo "bench/fuzz.sh: unknown reader '$reader'" >&2; exit 2 ;;
esac
shared=${SPECLAB_SHARED:-../shared}
[ -z "$src" ] || [ -f "$shared/$src" ] || { echo "bench/fuzz.sh: $shared/$src is missing (the seed file)" >&2; exit 2; }
. ./bench/java-env.sh
JAVA=$JAVA_HOME/bin/java
if [ ! -f target/fuzz-classpath.txt ] || [ pom.xml -nt target/fuzz-classpath.txt ] || [ ! -d target/test-classes ]; then
    mvn -B -q test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/fuzz-classpath.txt
fi
out=target/fuzz/$reader
mkdir -p "$out/corpus" "$out/seeds"
rm -f "$out"/seeds/*
# the target writes a generated seed into the empty seeds folder itself
[ -n "${generated:-}" ] || cp "$shared/$src" "$out/seeds/"
cd "$out"
exec env SPECLAB_SHARED="$(cd ../../../"$shared" && pwd)" "$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx3g \
    -Dspeclab.fuzz.reader="$reader" \
    -cp "../../classes:../../test-classes:$(cat ../../fuzz-classpath.txt)" com.code_intelligence.jazzer.Jazzer \
    --target_class=org.speclab.reliability.ReaderFuzzTarget --instrumentation_includes='org.speclab.**' \
    -runs="$runs" -timeout=2 -rss_limit_mb=4096 -print_final_stats=1 ${seed:+-seed=$seed} corpus seeds
