#!/usr/bin/env bash
# rtt_baseline.sh: where the RTT bias of netem/bench.sh comes from. Pings between two namespaces:
#   veth        a plain veth pair (the kernel's own floor: no TAP, no userspace hop)
#   medium@0    through dmx-medium with a perfect link (TAP -> medium -> TAP, both directions)
#   medium@1ms  through dmx-medium with delay 1ms (configured RTT 2 ms)
# Prints "path count avg_ms mdev_ms min_ms" per line. Needs root, ping. Usage: netem/rtt_baseline.sh [COUNT]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
count=${1:-300}
tag=dmxrtt-$$
dir=$(mktemp -d /tmp/$tag-XXXXXX)
sock=$dir/medium.sock
mpid=
cleanup() {
  set +e
  [ -n "$mpid" ] && kill "$mpid" 2>/dev/null && wait "$mpid" 2>/dev/null
  for i in 1 2 3 4; do ip netns pids "$tag-$i" 2>/dev/null | xargs -r kill -9 2>/dev/null; ip netns del "$tag-$i" 2>/dev/null; done
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM
stats() { # label, netns, target
  ip netns exec "$2" ping -q -c "$count" -i 0.01 -W 2 "$3" | python3 -c "
import re, sys
t = sys.stdin.read(); m = re.search(r'= ([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+) ms', t)
print('%-11s %5d %7.3f %7.3f %7.3f' % ('$1', $count, float(m.group(2)), float(m.group(4)), float(m.group(1))))"
}
echo "path        count  avg_ms mdev_ms  min_ms"
# veth
ip netns add "$tag-3"; ip netns add "$tag-4"
ip link add "v$$a" netns "$tag-3" type veth peer name "v$$b" netns "$tag-4"
ip -n "$tag-3" addr add 10.78.0.1/24 dev "v$$a"; ip -n "$tag-3" link set "v$$a" up
ip -n "$tag-4" addr add 10.78.0.2/24 dev "v$$b"; ip -n "$tag-4" link set "v$$b" up
ip netns exec "$tag-3" ping -q -c 3 -i 0.1 10.78.0.2 >/dev/null
stats veth "$tag-3" 10.78.0.2
# medium
"$top/build/bin/dmx-medium" --control "$sock" 2>"$dir/medium.log" &
mpid=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
for i in 1 2; do
  ip netns add "$tag-$i"
  "$top/build/bin/dmx-medium-ctl" --control "$sock" attach "dev$i" "$tag-$i" >/dev/null
  for _ in $(seq 20); do ip -n "$tag-$i" link show dmx0 >/dev/null 2>&1 && break; sleep 0.1; done
  ip -n "$tag-$i" link set dmx0 address "02:dd:00:00:00:0$i"
  ip -n "$tag-$i" addr add "10.77.0.$i/24" dev dmx0
  ip -n "$tag-$i" link set dmx0 up
done
ip netns exec "$tag-1" ping -q -c 3 -i 0.1 10.77.0.2 >/dev/null
stats medium@0 "$tag-1" 10.77.0.2
"$top/build/bin/dmx-medium-ctl" --control "$sock" link '*' '*' "delay 1ms" >/dev/null
stats medium@1ms "$tag-1" 10.77.0.2
echo "# medium timer lateness: $("$top/build/bin/dmx-medium-ctl" --control "$sock" stats | python3 -c "import json,sys; d=json.loads(sys.stdin.read()); print('mean %.1f us, max %.1f us' % (d['timer_late_mean_us'], d['timer_late_max_us']))")"
