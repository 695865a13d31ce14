#!/usr/bin/env bash
# Instruction counts of the native core's kernels under valgrind's callgrind: the noise-free figure beside the
# timings (perf's counters are not available in this VM). Each kernel runs once and three times in its own process;
# the difference, halved, is one operation without the setup. Prints JSON (one line) on stdout.
#   base64: decode_base64 of 8 MiB of base64 (6 MiB out); images: parse_images_response of a 16 MiB response in
#   place (two images, plus the 16 MiB refill memcpy); stream: a chat stream with one 8 MiB image in 64 KiB chunks.
# Usage: scripts/bench/instructions.sh [native-bench-binary]
set -euo pipefail
bin=${1:-build/bench/imagegate_bench_native}
command -v valgrind >/dev/null || { echo "instructions: valgrind not found (apt-get install valgrind)" >&2; exit 1; }
[[ -x $bin ]] || { echo "instructions: $bin not built (scripts/bench.sh builds it)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/imagegate-callgrind.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
ir() {  # total instructions of `bin --ops $1 $2`
  valgrind --tool=callgrind --callgrind-out-file="$tmp/out" "$bin" --ops "$1" "$2" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; return 1; }
  sed -n 's/^summary: *//p' "$tmp/out" | head -1
}
rows=()
for k in base64 images stream; do
  one=$(ir "$k" 1); three=$(ir "$k" 3)
  rows+=("\"$k\":$(( (three - one) / 2 ))")
done
echo "{\"bench\":\"instructions\",\"tool\":\"callgrind\",$(IFS=,; echo "${rows[*]}")}"
