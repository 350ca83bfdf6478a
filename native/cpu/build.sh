#!/bin/sh
# Builds SpecLab's CPU integer kernels (native/cpu/*.c) into the shared library the jar carries:
#   $1/libspeclabcpu.so   (default: target/classes/native/linux-x86_64)
# with the system C compiler, on x86-64 Linux. Anywhere else, or without a compiler, it builds
# nothing and says so: SpecLab then runs its pure-Java kernels (the tested fallback).
# The kernels are compiled once per instruction set (AVX2; AVX2 with AVX-VNNI; AVX-512 VNNI; AVX-512 VNNI with AMX tiles) and picked at load time,
# so the library runs on any x86-64 CPU from Haswell on, not only the one it was built on.
set -e
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
out=${1:-"$here/../../target/classes/native/linux-x86_64"}
CC=${CC:-cc}
if [ "$(uname -s)" != Linux ] || [ "$(uname -m)" != x86_64 ]; then
    echo "native/cpu/build.sh: $(uname -s) $(uname -m): no native kernels (the Java kernels run)"; exit 0
fi
if ! command -v "$CC" >/dev/null 2>&1; then
    echo "native/cpu/build.sh: no C compiler ($CC): no native kernels (the Java kernels run)"; exit 0
fi
if [ -f "$out/libspeclabcpu.so" ] && [ -z "$(find "$here" -newer "$out/libspeclabcpu.so" -type f | head -n 1)" ]; then
    exit 0 # up to date
fi
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# -ffp-contract=off: every float operation exactly as written, the same in every copy of a kernel
flags="-O3 -fPIC -std=c11 -ffp-contract=off -fno-math-errno -Wall -Werror"
"$CC" $flags -mavx2 -mfma -mf16c -c "$here/kernels.c" -o "$tmp/avx2.o"
"$CC" $flags -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512vnni -DSL_VNNI -c "$here/kernels.c" -o "$tmp/vnni.o"
"$CC" $flags -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512vnni -mamx-tile -mamx-int8 -DSL_VNNI -DSL_AMX -c "$here/kernels.c" -o "$tmp/amx.o"
"$CC" $flags -mavx2 -mfma -mf16c -mavxvnni -DSL_AVXVNNI -c "$here/kernels.c" -o "$tmp/avxvnni.o"
"$CC" $flags -c "$here/dispatch.c" -o "$tmp/dispatch.o"
"$CC" -shared -o "$tmp/libspeclabcpu.so" "$tmp/avx2.o" "$tmp/vnni.o" "$tmp/avxvnni.o" "$tmp/amx.o" "$tmp/dispatch.o"
mv "$tmp/libspeclabcpu.so" "$out/libspeclabcpu.so"
echo "native/cpu/build.sh: wrote $out/libspeclabcpu.so"
