#!/bin/sh
# Side-by-side decode (tg), prefill (pp) and verify figures of SpecLab and llama.cpp's llama-bench on
# the same GGUF files, in one sitting, alternating the two tools so that a busy moment hits both:
#   bench/vs-llama-cpp.sh /path/to/llama-bench MODEL.gguf [MODEL.gguf …]
# Env: THREADS (default 2), REPS (llama-bench -r and speclab -r, default 5), ROUNDS (default 2).
# Prints one Markdown row per model: the mean over rounds of each tool's t/s and their ratio, then each tool's
# pass over 5 and 9 positions ÷ its own decode step (SpecLab: bench --verify; llama.cpp: a pp5 and a pp9 pass
# against its tg step, from the same llama-bench run).
set -e
cd "$(dirname "$0")/.."
LB=$1; shift
T=${THREADS:-2}; R=${REPS:-5}; N=${ROUNDS:-2}
echo "| model | SpecLab tg64 | llama.cpp tg64 | ratio | SpecLab pp64 | llama.cpp pp64 | ratio | SpecLab verify 5 ÷ decode | verify 9 ÷ decode | llama.cpp pp5 pass ÷ tg step | pp9 pass ÷ tg step |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for m in "$@"; do
    s_tg=0; s_pp=0; l_tg=0; l_pp=0; v5=0; v9=0; l5=0; l9=0
    for i in $(seq "$N"); do
        out=$(./speclab bench -m "$m" --threads "$T" -r "$R" --verify 5 2>/dev/null)
        s_tg=$(echo "$s_tg $(echo "$out" | awk -F'|' '/ tg64 /{print $6}' | awk '{print $1}')" | awk '{print $1+$2}')
        s_pp=$(echo "$s_pp $(echo "$out" | awk -F'|' '/ pp64 /{print $6}' | awk '{print $1}')" | awk '{print $1+$2}')
        v5=$(echo "$v5 $(echo "$out" | sed -n 's/.*ms, \([0-9.]*\)× one decode step.*/\1/p')" | awk '{print $1+$2}')
        out9=$(./speclab bench -m "$m" --threads "$T" -r 1 -p 0 -n 16 --verify 9 2>/dev/null)
        v9=$(echo "$v9 $(echo "$out9" | sed -n 's/.*ms, \([0-9.]*\)× one decode step.*/\1/p')" | awk '{print $1+$2}')
        lout=$("$LB" -m "$m" -t "$T" -r "$R" -p 64,5,9 -n 64 2>/dev/null)
        l_tg=$(echo "$l_tg $(echo "$lout" | awk -F'|' '/ tg64 /{print $8}' | awk '{print $1}')" | awk '{print $1+$2}')
        l_pp=$(echo "$l_pp $(echo "$lout" | awk -F'|' '/ pp64 /{print $8}' | awk '{print $1}')" | awk '{print $1+$2}')
        # a pass over N positions takes N / (ppN t/s) seconds, a tg step 1 / (tg t/s): the ratio is N · tg / ppN
        ltg=$(echo "$lout" | awk -F'|' '/ tg64 /{print $8}' | awk '{print $1}')
        l5=$(echo "$l5 $ltg $(echo "$lout" | awk -F'|' '/ pp5 /{print $8}' | awk '{print $1}')" | awk '{print $1 + 5 * $2 / $3}')
        l9=$(echo "$l9 $ltg $(echo "$lout" | awk -F'|' '/ pp9 /{print $8}' | awk '{print $1}')" | awk '{print $1 + 9 * $2 / $3}')
    done
    echo "$(basename "$m") $s_tg $l_tg $s_pp $l_pp $v5 $v9 $N $l5 $l9" | awk '{n=$8; printf "| %s | %.1f | %.1f | %.2f× | %.1f | %.1f | %.2f× | %.2f× | %.2f× | %.2f× | %.2f× |\n", $1, $2/n, $3/n, $2/$3, $4/n, $5/n, $4/$5, $6/n, $7/n, $9/n, $10/n}'
done
