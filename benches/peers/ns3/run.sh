#!/usr/bin/env bash
# ns-3 3.44 side by side with enisim on ns-3's canonical point-to-point setup:
# both simulate the same scenarios, this script checks that they agree with
# each other and with the numbers worked out by hand, and prints how fast each
# one is.
#
# Scenarios (1,000,000 packets each, 94 B on the wire = 92 B + 2 B PPP header,
# 752 ns at 1 Gb/s; every link 1 Gb/s, 1 µs delay, DropTail queue of 100
# packets), each at two constant rates, one packet every 800 ns (94% load) and
# every 700 ns (overload):
#   p2p    n0 -- n1                  expected at 800 ns: all delivered, one-way
#                                    latency 1752 ns each (752 + 1000); at 700 ns:
#                                    930,951 delivered, 69,049 dropped (the
#                                    queue holds 100 waiting + 1 on the wire)
#   chain  n0 -- n1 -- n2 -- n3      expected at 800 ns: all delivered, 5256 ns
#                                    each (3 × 1752); at 700 ns: as p2p (all
#                                    drops at the first link)
# The ns-3 side is p2p.cc beside this file: PointToPointNetDevices driven
# directly (no internet stack, no traffic-control layer, no pcap or logging),
# with zero-cost forwarding on the middle nodes of the chain. The enisim side is
# experiments/peers/ns3-p2p.toml and experiments/peers/ns3-p2p-chain.toml (a
# sweep over the two rates, path `baremetal`).
#
# It checks, for each scenario and rate and for both simulators: generated,
# delivered, dropped (and delivered + dropped = generated, nothing left in
# flight), and the one-way latency: min and max against the values above (at
# 700 ns: min = hops × 1752 ns, max = min + 100 × 752 ns; enisim's p50/max
# only to its histogram's resolution, it reports no min) and the mean, which
# both compute exactly, against hops × 1752 ns at 800 ns and enisim's against
# ns-3's at 700 ns. Every repetition must give the same outcome. It exits
# non-zero on any mismatch, naming the scenario, rate and quantity.
#
# Speed: each side is run --repeat times (default 3; the machine is noisy) and
# the medians are reported, as packets generated per wall second and the ratio
# enisim ÷ ns-3. The fair figure compares the simulators' own run time: ns-3's
# Simulator::Run() (timed inside p2p.cc) against enisim's `sim.wall_s`. Whole
# process wall times are reported too (enisim runs both rates in one process,
# with --threads 1 so that the two points run one after the other, as ns-3
# does). ns-3 is the wheel's build: a "release" profile that still has
# NS_LOG and NS_ASSERT compiled in, with the default (map) scheduler; an ns-3
# built from source with --build-profile=optimized would be somewhat faster.
#
# NOT run in CI: run it by hand. The first run creates a Python venv and
# installs the ns3==3.44.post0 wheel into it (a 69 MB download, 300 MB
# installed, without its cppyy dependency; seconds on a fast network, minutes
# on a slow one; needs network or the wheel in pip's find-links), compiles
# p2p.cc (~3 s) and builds enisim in release mode (~40 s from a clean
# build); later runs reuse all three. Each repetition then takes ~9 s (ns-3
# ~8.5 s, enisim ~0.6 s): about 30 s in all with the default --repeat 3.
#
# Usage (from anywhere; paths are relative to the repository root):
#   benches/peers/ns3/run.sh [--repeat N] [--scenario p2p|chain|all]
#                            [--ns3-only] [--keep]
#     --repeat N     runs of each side per scenario and rate (default 3)
#     --scenario S   p2p, chain or all (default all)
#     --ns3-only     run and check the ns-3 half only (no cargo, no enisim)
#     --keep         keep the raw outputs (their directory is printed)
#   Environment:
#     NS3_VENV          venv holding the wheel (default target/ns3-venv)
#     NS3_PEER_DIR      where p2p.cc is compiled to (default target/ns3-peer)
#     PYTHON            interpreter for the venv (default python3)
#     CXX               C++ compiler (default g++; needs C++20)
#     CARGO_TARGET_DIR  as for cargo; the enisim binary is looked for there

set -euo pipefail

die() {
    echo "run.sh: error: $*" >&2
    exit 2
}

usage() {
    sed -n '/^# Usage/,/^#     CARGO_TARGET_DIR/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

REPEAT=3
SCENARIO=all
NS3_ONLY=0
KEEP=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --repeat)
            [[ $# -ge 2 ]] || die "--repeat needs a value"
            REPEAT="$2"
            shift 2
            ;;
        --repeat=*)
            REPEAT="${1#*=}"
            shift
            ;;
        --scenario)
            [[ $# -ge 2 ]] || die "--scenario needs a value"
            SCENARIO="$2"
            shift 2
            ;;
        --scenario=*)
            SCENARIO="${1#*=}"
            shift
            ;;
        --ns3-only)
            NS3_ONLY=1
            shift
            ;;
        --keep)
            KEEP=1
            shift
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            usage >&2
            die "unknown argument: $1"
            ;;
    esac
done
[[ "$REPEAT" =~ ^[1-9][0-9]*$ ]] || die "--repeat must be a positive integer (got '$REPEAT')"
case "$SCENARIO" in
    p2p | chain | all) ;;
    *) die "--scenario must be p2p, chain or all (got '$SCENARIO')" ;;
esac

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
cd "$ROOT"
[[ -f Cargo.toml && -f "$HERE/p2p.cc" ]] || die "cannot find the repository root from $HERE"

NS3_PIN="ns3==3.44.post0"
NS3_VENV="${NS3_VENV:-target/ns3-venv}"
NS3_PEER_DIR="${NS3_PEER_DIR:-target/ns3-peer}"
PYTHON="${PYTHON:-python3}"
CXX="${CXX:-g++}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
ENISIM="$TARGET_DIR/release/enisim"
EXP_P2P="experiments/peers/ns3-p2p.toml"
EXP_CHAIN="experiments/peers/ns3-p2p-chain.toml"

# ---- tools -------------------------------------------------------------------
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (install Python 3.8+, or set PYTHON)"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)' \
    || die "$PYTHON is older than 3.8"
command -v "$CXX" >/dev/null 2>&1 || die "$CXX not found (install g++ 10 or newer, or set CXX)"
if [[ $NS3_ONLY -eq 0 ]]; then
    command -v cargo >/dev/null 2>&1 || die "cargo not found (needed to build enisim; or pass --ns3-only)"
    for f in "$EXP_P2P" "$EXP_CHAIN"; do
        [[ -f "$f" ]] || die "$f not found (the enisim experiments; or pass --ns3-only)"
    done
fi

elapsed() { # seconds since $1 (a `date +%s.%N`)
    "$PYTHON" -c "import sys,time; print(f'{time.time() - float(sys.argv[1]):.1f}')" "$1"
}

# ---- ns-3: venv and wheel ----------------------------------------------------
# The wheel's headers and libraries are all that is needed: install it without
# its cppyy dependency (Python bindings, unused here), and find it by globbing
# site-packages rather than importing it (importing loads cppyy).
find_ns3() {
    local d
    for d in "$NS3_VENV"/lib/python3*/site-packages/ns3 "$NS3_VENV"/lib64/python3*/site-packages/ns3; do
        if [[ -f "$d/include/ns3/simulator.h" ]] && compgen -G "$d/lib*/libns3.44-core.so" >/dev/null; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

t_setup=$(date +%s.%N)
if ! NS3_DIR="$(find_ns3)"; then
    if [[ ! -x "$NS3_VENV/bin/python" ]]; then
        echo "== creating venv $NS3_VENV"
        "$PYTHON" -m venv "$NS3_VENV" \
            || die "could not create a venv with '$PYTHON -m venv' (on Debian/Ubuntu: apt-get install python3-venv)"
    fi
    "$NS3_VENV/bin/python" -m pip --version >/dev/null 2>&1 \
        || die "the venv $NS3_VENV has no pip (on Debian/Ubuntu: apt-get install python3-venv; then delete $NS3_VENV)"
    echo "== installing $NS3_PIN into $NS3_VENV (a few minutes the first time)"
    t0=$(date +%s.%N)
    "$NS3_VENV/bin/python" -m pip install --disable-pip-version-check --no-deps "$NS3_PIN" \
        || die "pip install $NS3_PIN failed (no network? no wheel for this Python? try PYTHON=python3.11)"
    echo "   installed in $(elapsed "$t0") s"
    NS3_DIR="$(find_ns3)" || die "installed $NS3_PIN but found no include/ns3 and lib*/libns3.44-core.so under $NS3_VENV"
fi
NS3_INC="$NS3_DIR/include"
NS3_LIB="$(dirname "$(compgen -G "$NS3_DIR/lib*/libns3.44-core.so" | head -n1)")"
NS3_LIB="$(cd "$NS3_LIB" && pwd)"
echo "== ns-3: $NS3_DIR"

# ---- ns-3: compile the scenario ---------------------------------------------
# Same compile definitions as the wheel's own build (its ns3Targets.cmake: a
# "release" profile with NS3_LOG_ENABLE and NS3_ASSERT_ENABLE still on).
mkdir -p "$NS3_PEER_DIR"
NS3_BIN="$NS3_PEER_DIR/p2p"
CXXFLAGS_NS3=(-O3 -std=c++20 -DNS3_BUILD_PROFILE_RELEASE -DNS3_LOG_ENABLE -DNS3_ASSERT_ENABLE)
LDFLAGS_NS3=(-L"$NS3_LIB" -Wl,-rpath,"$NS3_LIB" -lns3.44-point-to-point -lns3.44-network -lns3.44-core)
STAMP="$NS3_PEER_DIR/p2p.build"
want_stamp="$CXX ${CXXFLAGS_NS3[*]} -I$NS3_INC ${LDFLAGS_NS3[*]}"
if [[ ! -x "$NS3_BIN" || "$HERE/p2p.cc" -nt "$NS3_BIN" || ! -f "$STAMP" || "$(cat "$STAMP")" != "$want_stamp" ]]; then
    echo "== compiling $HERE/p2p.cc -> $NS3_BIN"
    t0=$(date +%s.%N)
    "$CXX" "${CXXFLAGS_NS3[@]}" -I"$NS3_INC" "$HERE/p2p.cc" -o "$NS3_BIN.tmp" "${LDFLAGS_NS3[@]}" \
        || die "compiling p2p.cc failed"
    mv -f "$NS3_BIN.tmp" "$NS3_BIN"
    echo "$want_stamp" >"$STAMP"
    echo "   compiled in $(elapsed "$t0") s"
fi
"$NS3_BIN" --packets=10 >/dev/null || die "$NS3_BIN does not run (missing shared libraries? see ldd $NS3_BIN)"

# ---- enisim --------------------------------------------------------------------
if [[ $NS3_ONLY -eq 0 ]]; then
    echo "== cargo build --release"
    t0=$(date +%s.%N)
    cargo build --release --quiet || die "cargo build --release failed"
    [[ -x "$ENISIM" ]] || die "$ENISIM not found after cargo build (CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-unset})"
    echo "   built in $(elapsed "$t0") s"
fi
echo "== setup took $(elapsed "$t_setup") s"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/enisim-ns3-peer.XXXXXX")"
if [[ $KEEP -eq 1 ]]; then
    echo "== raw outputs kept in $WORK"
else
    trap 'rm -rf "$WORK"' EXIT
fi

# ---- run, check, report ------------------------------------------------------
t_runs=$(date +%s.%N)
status=0
NS3_BIN="$NS3_BIN" ENISIM="$ENISIM" WORK="$WORK" REPEAT="$REPEAT" SCENARIO="$SCENARIO" \
    NS3_ONLY="$NS3_ONLY" EXP_P2P="$EXP_P2P" EXP_CHAIN="$EXP_CHAIN" \
    "$PYTHON" - <<'PY' || status=$?
import json
import os
import statistics
import subprocess
import sys
import time

NS3_BIN = os.environ["NS3_BIN"]
ENISIM = os.environ["ENISIM"]
WORK = os.environ["WORK"]
REPEAT = int(os.environ["REPEAT"])
NS3_ONLY = os.environ["NS3_ONLY"] == "1"
EXPERIMENTS = {"p2p": os.environ["EXP_P2P"], "chain": os.environ["EXP_CHAIN"]}
SCENARIOS = ["p2p", "chain"] if os.environ["SCENARIO"] == "all" else [os.environ["SCENARIO"]]
RATES = [800, 700]  # interval between packets [ns]
PACKETS = 1_000_000

# What each scenario must give, worked out by hand.
HOP_NS = 752 + 1000  # serialization of 94 B at 1 Gb/s + propagation
HOPS = {"p2p": 1, "chain": 3}
EXPECTED = {}
for s in HOPS:
    # 800 ns: the link is never busy when a packet comes, so every packet takes
    # exactly hops × 1752 ns.
    lat = HOPS[s] * HOP_NS
    EXPECTED[(s, 800)] = dict(generated=PACKETS, delivered=PACKETS, dropped=0,
                              lat_min=lat, lat_max=lat, lat_mean=float(lat), text=f"{lat} ns")
    # 700 ns: the first packet finds the link idle (min = hops × 1752 ns); the
    # latest-admitted one waits behind 99 queued packets and one that has just
    # started (max = min + 100 × 752 ns). The mean is checked against ns-3.
    EXPECTED[(s, 700)] = dict(generated=PACKETS, delivered=930_951, dropped=69_049,
                              lat_min=lat, lat_max=lat + 100 * 752, lat_mean=None,
                              text=f"latency {lat}..{lat + 100 * 752} ns")

failures = []


def fail(scenario, rate, side, what):
    failures.append(f"{scenario} @ {rate} ns, {side}: {what}")


def hdr_bucket_top(v):
    """Largest value HdrHistogram (3 significant digits) reports for v."""
    unit = 1
    while v >= 2048 * unit:
        unit *= 2
    return v - v % unit + unit - 1


def run_ns3(scenario, rate):
    cmd = [NS3_BIN, f"--scenario={scenario}", f"--interval={rate}", f"--packets={PACKETS}"]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"run.sh: error: {' '.join(cmd)} failed ({p.returncode}):\n{p.stderr}")
    kv = dict(f.split("=", 1) for f in p.stdout.split())
    return dict(
        generated=int(kv["generated"]),
        delivered=int(kv["delivered"]),
        dropped=int(kv["dropped"]),
        in_flight=int(kv["queued"]),
        lat_min=int(kv["lat_min_ns"]),
        lat_p50=None,
        lat_max=int(kv["lat_max_ns"]),
        lat_mean=float(kv["lat_mean_ns"]),
        sim_wall=float(kv["wall_s"]),
        events=int(kv["events"]),
        detail=f"unmatched={kv['unmatched']} dropped_fwd={kv['dropped_fwd']}",
        proc_wall=wall,
    )


def rate_axis(summary):
    for i, ax in enumerate(summary.get("axes", [])):
        if any(k.endswith("rate_pps") for k in ax.get("keys", [])):
            return i
    sys.exit("run.sh: error: the enisim summary.json has no sweep axis over a rate_pps key")


def run_enisim(scenario, rep):
    out = os.path.join(WORK, f"enisim-{scenario}-{rep}")
    cmd = [ENISIM, "run", EXPERIMENTS[scenario], "--threads", "1", "--out", out]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"run.sh: error: {' '.join(cmd)} failed ({p.returncode}):\n{p.stderr}{p.stdout}")
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    axis = rate_axis(summary)
    res = {}
    for point in summary["points"]:
        rate_pps = float(point["values"][axis])
        rate = round(1e9 / rate_pps)
        runs = [r for path in point["paths"] for r in path["runs"]]
        if len(runs) != 1:
            sys.exit(f"run.sh: error: {EXPERIMENTS[scenario]}: point {point['label']} has {len(runs)} runs, expected 1 (one path, one replication)")
        r = runs[0]
        lat = r["latency_ns"]
        dropped = r["dropped"]
        res[rate] = dict(
            generated=int(r["generated"]),
            delivered=int(r["delivered"]),
            dropped=sum(dropped.values()) if isinstance(dropped, dict) else int(dropped),
            in_flight=int(r.get("in_flight", 0)),
            lat_min=lat.get("min"),
            lat_p50=lat.get("p50"),
            lat_max=lat.get("max"),
            lat_mean=float(lat["mean"]),
            sim_wall=float(r["sim"]["wall_s"]),
            events=r["sim"].get("events"),
            detail=", ".join(f"{k}={v}" for k, v in sorted(dropped.items()) if v) if isinstance(dropped, dict) else "",
            rate_pps=rate_pps,
        )
    missing = [x for x in RATES if x not in res]
    if missing:
        sys.exit(f"run.sh: error: {EXPERIMENTS[scenario]} has no point at {missing} ns between packets "
                 f"(rates found: {sorted(res)} ns)")
    return res, wall


# ---- run ----------------------------------------------------------------------
# results[(scenario, rate, side)] = list of per-repetition dicts
results = {}
proc_wall = {}  # (scenario, side) -> list of whole-process wall [s], both rates
for rep in range(REPEAT):
    for s in SCENARIOS:
        ns3_total = 0.0
        for rate in RATES:
            print(f"   [{rep + 1}/{REPEAT}] ns-3   {s:5} {rate} ns", flush=True)
            r = run_ns3(s, rate)
            ns3_total += r["proc_wall"]
            results.setdefault((s, rate, "ns-3"), []).append(r)
        proc_wall.setdefault((s, "ns-3"), []).append(ns3_total)
        if not NS3_ONLY:
            print(f"   [{rep + 1}/{REPEAT}] enisim {s:5} {'+'.join(map(str, RATES))} ns", flush=True)
            res, wall = run_enisim(s, rep)
            for rate in RATES:
                results.setdefault((s, rate, "enisim"), []).append(res[rate])
            proc_wall.setdefault((s, "enisim"), []).append(wall)

# ---- check ------------------------------------------------------------------
SIDES = ["ns-3"] if NS3_ONLY else ["ns-3", "enisim"]
OUTCOME = ("generated", "delivered", "dropped", "in_flight", "lat_min", "lat_p50", "lat_max", "lat_mean")


def check(s, rate, side, r, ns3_ref):
    exp = EXPECTED[(s, rate)]
    for k in ("generated", "delivered", "dropped"):
        if r[k] != exp[k]:
            fail(s, rate, side, f"{k} = {r[k]:,}, expected {exp[k]:,}")
    if r["delivered"] + r["dropped"] + r["in_flight"] != r["generated"]:
        fail(s, rate, side, f"delivered + dropped + in flight = {r['delivered'] + r['dropped'] + r['in_flight']:,} "
                            f"!= generated {r['generated']:,}")
    if r["in_flight"] != 0:
        fail(s, rate, side, f"{r['in_flight']} packets still in flight at the end")
    # Latency: min and max against the hand-worked values; the mean against
    # them at 800 ns, against ns-3 at 700 ns.
    want = dict(lat_min=exp["lat_min"], lat_p50=exp["lat_min"] if exp["lat_mean"] is not None else None,
                lat_max=exp["lat_max"])
    if exp["lat_mean"] is not None:
        want_mean, source = exp["lat_mean"], "expected"
    elif ns3_ref is not None:
        want_mean, source = ns3_ref["lat_mean"], "ns-3"
    else:
        want_mean, source = None, None
    if side == "ns-3":
        for k in ("lat_min", "lat_max"):
            if r[k] != want[k]:
                fail(s, rate, side, f"latency {k[4:]} = {r[k]} ns, expected {want[k]} ns")
        if want_mean is not None and abs(r["lat_mean"] - want_mean) > 1e-3:
            fail(s, rate, side, f"latency mean = {r['lat_mean']:.3f} ns, {source} {want_mean:.3f} ns")
        return
    # enisim: the mean is exact; p50 and max come from an HdrHistogram with 3
    # significant digits, which reports the top of the value's bucket.
    if want_mean is not None and abs(r["lat_mean"] - want_mean) > 0.5:
        fail(s, rate, side, f"latency mean = {r['lat_mean']:.3f} ns, {source} {want_mean:.3f} ns")
    for k in ("lat_min", "lat_p50", "lat_max"):
        if r[k] is not None and want[k] is not None and not (want[k] <= r[k] <= hdr_bucket_top(want[k])):
            fail(s, rate, side, f"latency {k[4:]} = {r[k]} ns, expected {want[k]} ns "
                                f"(histogram bucket {want[k]}..{hdr_bucket_top(want[k])})")


for s in SCENARIOS:
    for rate in RATES:
        ns3_first = results[(s, rate, "ns-3")][0]
        for side in SIDES:
            runs = results[(s, rate, side)]
            for i, r in enumerate(runs[1:], 2):
                diff = [k for k in OUTCOME if r[k] != runs[0][k]]
                if diff:
                    fail(s, rate, side, f"repetition {i} differs from the first in {', '.join(diff)} (not deterministic)")
            check(s, rate, side, runs[0], ns3_first if side != "ns-3" else None)

# ---- report -----------------------------------------------------------------
def fmt(v, spec=""):
    return "-" if v is None else format(v, spec)


med = statistics.median
print()
print(f"Outcome ({PACKETS:,} packets per run; latency = one-way, ns; enisim's p50/max are histogram "
      f"bucket tops, its mean is exact)")
hdr = f"{'scenario':8} {'gap':>6} {'side':7} {'generated':>10} {'delivered':>10} {'dropped':>8} " \
      f"{'lat min':>8} {'lat p50':>8} {'lat max':>8} {'lat mean':>10}  expected"
print(hdr)
print("-" * len(hdr))
for s in SCENARIOS:
    for rate in RATES:
        exp = EXPECTED[(s, rate)]
        for side in SIDES:
            r = results[(s, rate, side)][0]
            bad = [f for f in failures if f.startswith(f"{s} @ {rate} ns, {side}:")]
            ex = (f"{exp['delivered']:,} delivered, {exp['dropped']:,} dropped, {exp['text']}"
                  + (", mean as ns-3" if exp["lat_mean"] is None and side != "ns-3" else ""))
            print(f"{s:8} {str(rate) + 'ns':>6} {side:7} {r['generated']:>10,} {r['delivered']:>10,} "
                  f"{r['dropped']:>8,} {fmt(r['lat_min']):>8} {fmt(r['lat_p50']):>8} {fmt(r['lat_max']):>8} "
                  f"{r['lat_mean']:>10.3f}  {'MISMATCH' if bad else 'ok'} ({ex})")
        if not NS3_ONLY:
            d = results[(s, rate, "enisim")][0]["detail"]
            if d:
                print(f"{'':8} {'':6} {'':7} enisim drops by reason: {d}")

print()
print(f"Speed: median of {REPEAT} run(s); simulator run time only (ns-3: Simulator::Run(); "
      f"enisim: sim.wall_s); packets generated per wall second")
hdr = f"{'scenario':8} {'gap':>6} {'ns-3 s':>8} {'enisim s':>8} {'ns-3 pkt/s':>12} {'enisim pkt/s':>13} " \
      f"{'enisim/ns-3':>11} {'ns-3 events':>11} {'enisim events':>13}"
print(hdr)
print("-" * len(hdr))
for s in SCENARIOS:
    for rate in RATES:
        n = results[(s, rate, "ns-3")]
        nw = med(r["sim_wall"] for r in n)
        npps = n[0]["generated"] / nw
        if NS3_ONLY:
            print(f"{s:8} {str(rate) + 'ns':>6} {nw:>8.3f} {'-':>8} {npps:>12,.0f} {'-':>13} {'-':>11} "
                  f"{n[0]['events']:>11,} {'-':>13}")
            continue
        e = results[(s, rate, "enisim")]
        ew = med(r["sim_wall"] for r in e)
        epps = e[0]["generated"] / ew
        print(f"{s:8} {str(rate) + 'ns':>6} {nw:>8.3f} {ew:>8.3f} {npps:>12,.0f} {epps:>13,.0f} "
              f"{epps / npps:>10.1f}x {n[0]['events']:>11,} {fmt(e[0]['events'], ','):>13}")

print()
print(f"Whole process wall time, both rates ({2 * PACKETS:,} packets), median of {REPEAT}: ns-3 = two "
      f"processes, enisim = one `enisim run --threads 1` (setup, both points, report files)")
hdr = f"{'scenario':8} {'ns-3 s':>8} {'enisim s':>8} {'ns-3 pkt/s':>12} {'enisim pkt/s':>13} {'enisim/ns-3':>11}"
print(hdr)
print("-" * len(hdr))
for s in SCENARIOS:
    nw = med(proc_wall[(s, "ns-3")])
    if NS3_ONLY:
        print(f"{s:8} {nw:>8.3f} {'-':>8} {2 * PACKETS / nw:>12,.0f} {'-':>13} {'-':>11}")
        continue
    ew = med(proc_wall[(s, "enisim")])
    print(f"{s:8} {nw:>8.3f} {ew:>8.3f} {2 * PACKETS / nw:>12,.0f} {2 * PACKETS / ew:>13,.0f} {nw / ew:>10.1f}x")

print()
if failures:
    print(f"FAILED: {len(failures)} mismatch(es):")
    for f in failures:
        print(f"  - {f}")
    sys.exit(1)
print("OK: " + ("ns-3 matches" if NS3_ONLY else "ns-3 and enisim match")
      + " the expected delivered, dropped and latency in every scenario and rate")
PY
echo "== runs took $(elapsed "$t_runs") s"
exit "$status"
