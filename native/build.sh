#!/bin/sh
# Builds native/kernels.cu into the PTX that ships in the jar:
#   src/main/resources/org/speclab/engine/cuda/kernels.ptx   (or into the folder given as $1)
# Users need only an NVIDIA driver: the driver compiles this PTX for their GPU when it loads it.
#
# Why compute_75 and ".version 8.0": the PTX must load on drivers of CUDA 12.0 and newer, whose JIT
# reads PTX ISA up to 8.0, but nvcc 13 writes ISA 9.0 and targets compute_75 at the lowest. The
# kernels use nothing newer than ISA 6.x (plain loads, stores, cvt, bar.sync, float math), so the
# version line is lowered to 8.0, and ptxas then assembles the lowered file as a check that
# nothing in it needs more. CudaPtxTest checks the line and that the shipped file is this
# script's output for the current sources.
set -e
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
out=${1:-"$here/../src/main/resources/org/speclab/engine/cuda"}
NVCC=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
PTXAS=${PTXAS:-$(dirname "$NVCC")/ptxas}
mkdir -p "$out"
tmp="$out/kernels.ptx.tmp"
# -lineinfo off and no host paths in the output: the file is the same on every machine
"$NVCC" -ptx -arch=compute_75 -O3 -o "$tmp" "$here/kernels.cu"
sed -i 's/^\.version [0-9.]*$/.version 8.0/' "$tmp"
grep -q '^\.version 8\.0$' "$tmp" || { echo "build.sh: no .version line to lower in $tmp" >&2; exit 1; }
"$PTXAS" -arch=sm_75 -o /dev/null "$tmp"
mv "$tmp" "$out/kernels.ptx"
echo "wrote $out/kernels.ptx ($("$NVCC" --version | tail -n 1))"
