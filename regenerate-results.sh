#!/usr/bin/env bash
# Regenerates results/: every experiment in experiments/ (not the bench), run
# with its own seed, written to results/<experiment>/summary.{json,csv}.
# Usage: bash regenerate-results.sh
set -euo pipefail
cd "$(dirname "$0")"
cargo build --release --quiet
for f in experiments/*.toml; do
  name=$(basename "$f" .toml)
  [ "$name" = bench ] && continue
  echo "== $name"
  ./target/release/enisim run "$f" --out "results/$name" >/dev/null
done
