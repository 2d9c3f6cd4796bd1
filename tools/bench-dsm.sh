#!/usr/bin/env bash
# bench-dsm.sh: what a remote thread pays for the DSM's global locks and page faults (run as `make bench-dsm`).
# Runs build/guest/tests/dsm_latency on two emulated devices over a link of RATE and DELAY (default the paper's
# 100 Mbit/s, 2 ms), with prefetch on and off, and sets each median beside a reference from the link alone:
#   lock acquire           1.5 round trips (DynaMix's bound; the minimum is one: request, grant)
#   remote page fault      a round trip plus one 4 KiB page at line rate
#   sequential page        one 4 KiB page at line rate (the page stream is limited by the link, not the RTT)
#   cond wake-up           1.5 round trips: the master's wake-up (one way) and the mutex back (a round trip),
#                          from a signal on the master to the waiter on the other device holding its mutex
#   join                   1.5 round trips: the ended thread's wake-up of its joiner on the master (one way), and
#                          the joiner's control lock back from the thread's device (a round trip), 300 ms after
#                          the joiner began to wait (a poll would have backed off by then); one sample
# Times are emulated microseconds (the app's clock), so the host's speed does not enter; TDF 8 keeps the
# devices' CPU model honest. Writes results/bench-dsm.csv: metric,prefetch,reference_us,measured_us,ratio.
# Usage: tools/bench-dsm.sh [OUTPUT.csv]   (env: RATE_MBIT, DELAY_MS, PAGES, LOCKS, TDF)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/results/bench-dsm.csv}
rate=${RATE_MBIT:-100} delay=${DELAY_MS:-2} pages=${PAGES:-2048} locks=${LOCKS:-100} tdf=${TDF:-8}
dmx=$top/build/bin/dmx
app=$top/build/guest/tests/dsm_latency
for f in "$dmx" "$app"; do
  [ -x "$f" ] || { echo "bench-dsm: $f is missing: run make first" >&2; exit 1; }
done
dir=$(mktemp -d /tmp/dmx-bench-dsm-XXXXXX)
trap 'rm -rf "$dir"' EXIT

# Link minimums in microseconds: the round trip of two one-way delays, and a page's frames at line rate
# (4096 bytes of page in 1448-byte TCP segments, each with 66 bytes of headers on the wire).
rtt_us=$((2 * delay * 1000))
page_us=$(python3 -c "print(round((4096 + 3 * 66) * 8 / ($rate * 1e6) * 1e6))")

# median of NAME from a dsm_latency line
field() { sed -n "s/.* $1_median=\([0-9]*\).*/\1/p" <<<"$2"; }

mkdir -p "$(dirname "$out")"
echo "metric,prefetch,reference_us,measured_us,ratio" >"$out"
for prefetch in 1 0; do
  echo "bench-dsm: dsm_latency $locks locks, $pages pages, ${rate} Mbit/s, ${delay} ms, prefetch $prefetch (TDF $tdf)" >&2
  if ! line=$(DMX_PREFETCH=$prefetch "$dmx" run --app "$app" --devices 2 --link "rate ${rate}mbit delay ${delay}ms" \
                --tdf "$tdf" --out "$dir/run-$prefetch" -- "$locks" "$pages" 2>"$dir/err" | grep '^dsm_latency'); then
    echo "bench-dsm: dsm_latency printed no result; its run is in $dir/run-$prefetch:" >&2
    cat "$dir/err" >&2
    trap - EXIT
    exit 1
  fi
  echo "$line" >&2
  for m in "lock_acquire $((rtt_us * 3 / 2)) lock_acquire_us" "page_fault $((rtt_us + page_us)) page_fault_us" \
           "sequential_page $page_us sequential_fault_us" "cond_wake $((rtt_us * 3 / 2)) cond_wake_us" "join $((rtt_us * 3 / 2)) join_us"; do
    set -- $m
    v=$(field "$3" "$line")
    echo "$1,$prefetch,$2,$v,$(python3 -c "print(f'{$v / $2:.2f}')")" >>"$out"
  done
done
column -s, -t "$out"
echo "bench-dsm: wrote $out" >&2
