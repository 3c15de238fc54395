#!/usr/bin/env bash
# Regenerates results/: every experiment in experiments/ (not the bench), run
# with its own seed into results/<experiment>/ (summary.json, summary.csv,
# .hgrm histograms), then its report (report.html, report.md, plots/*.svg),
# and for the reference comparison, the load sweep and the rack the
# explanation of sriov vs emulated, for the noisy neighbour sriov vs emulated and virtio,
# for the TCP streams sriov vs virtio and emulated, for the application
# sriov vs passthrough (explain.txt); then the validation suite
# (experiments/validation → results/validation).
# Usage: bash regenerate-results.sh
set -euo pipefail
cd "$(dirname "$0")"
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/enisim"
for f in experiments/*.toml; do
  name=$(basename "$f" .toml)
  case "$name" in bench | bench-*) continue ;; esac
  echo "== $name"
  rm -rf "results/$name"
  "$bin" run "$f" --out "results/$name" >"results/.$name.txt"
  mv "results/.$name.txt" "results/$name/table.txt"
  "$bin" report "results/$name" >/dev/null
done
for name in compare load-sweep rack; do
  "$bin" explain "results/$name" >"results/$name/explain.txt"
done
"$bin" explain results/noisy-neighbour --pair sriov,emulated --pair sriov,virtio \
  >results/noisy-neighbour/explain.txt
"$bin" explain results/compare-stream --pair sriov,virtio --pair sriov,emulated \
  >results/compare-stream/explain.txt
"$bin" explain results/app-interrupts --pair baremetal,sriov \
  >results/app-interrupts/explain.txt
echo "== validation"
"$bin" validate-model experiments/validation --out results/validation >/dev/null
