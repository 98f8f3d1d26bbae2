#!/usr/bin/env bash
# Where one echo server spends its CPU: user vs system microseconds per request (from /proc/PID/stat)
# and, with -s, system calls per request (strace -f -c attached for 2 s). Not a benchmark: one server,
# one run, for explaining the figures of run-echo.sh.
#
# Usage: benchmarks/echo/probe-echo.sh [-s] loop|netty|c CONNS SIZE INFLIGHT
#   run benchmarks/echo/run-echo.sh once first (it builds the jars and the C tools into benchmarks/echo/target)
# Environment: JAVA, JVM_FLAGS, CLIENT_CPU, SERVER_CPU as for run-echo.sh.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$here/../.." && pwd)
with_strace=0
if [[ "${1:-}" == -s ]]; then
  with_strace=1
  shift
fi
[[ $# == 4 ]] || { sed -n '2,9p' "$0" >&2; exit 2; }
name=$1 conns=$2 size=$3 inflight=$4
bin="$here/target"
[[ -x "$bin/echoclient" && -x "$bin/echoserver-c" ]] || { echo "run run-echo.sh first (no $bin/echoclient)" >&2; exit 1; }
java=${JAVA:-java}
read -r -a jvm_flags <<<"${JVM_FLAGS:--Xms256m -Xmx256m -XX:+UseParallelGC}"
client_cpu=${CLIENT_CPU:-0}
server_cpu=${SERVER_CPU:-1}
loopjar=$(ls "$ROOT"/loop-core/target/loop-core-*.jar | grep -v -e '-sources\.jar$' -e '-javadoc\.jar$' | head -1)
jv=$(sed -n 's:.*<jspecify.version>\(.*\)</jspecify.version>.*:\1:p' "$ROOT/pom.xml" | head -1)
loop_cp="$ROOT/samples/target/classes:$loopjar:${M2_REPO:-$HOME/.m2/repository}/org/jspecify/jspecify/$jv/jspecify-$jv.jar"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
tmp=$(mktemp -d)

case "$name" in
  loop) taskset -c "$server_cpu" "$java" "${jvm_flags[@]}" -cp "$loop_cp" dev.loop.samples.EchoServer --port "$port" >"$tmp/server" 2>&1 & ;;
  netty) taskset -c "$server_cpu" "$java" "${jvm_flags[@]}" -cp "$ROOT/benchmarks/target/benchmarks.jar" \
           dev.loop.benchmarks.NettyEchoServer --port "$port" >"$tmp/server" 2>&1 & ;;
  c) taskset -c "$server_cpu" "$bin/echoserver-c" "$port" >"$tmp/server" 2>&1 & ;;
  *) echo "server: loop, netty or c" >&2; exit 2 ;;
esac
spid=$!
cleanup() {
  kill -TERM "$spid" 2>/dev/null || true
  wait "$spid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
for _ in $(seq 300); do
  [[ -n "$(ss -Hltn "sport = :$port")" ]] && break
  kill -0 "$spid" 2>/dev/null || { cat "$tmp/server" >&2; exit 1; }
  sleep 0.05
done

client() { # SECONDS
  timeout $(( $1 + 30 )) taskset -c "$client_cpu" "$bin/echoclient" 127.0.0.1 "$port" "$conns" "$size" "$1" "$inflight" 0
}
ticks() { # utime stime
  local s
  s=$(<"/proc/$spid/stat")
  s=${s##*) }
  read -r -a f <<<"$s"
  echo "${f[11]} ${f[12]}"
}

client 5 >/dev/null # warm-up
read -r u0 k0 < <(ticks)
client 6 >"$tmp/client"
read -r u1 k1 < <(ticks)
result=$(grep '^RESULT ' "$tmp/client")
reqs=$(grep -o ' reqs=[0-9]*' <<<"$result" | cut -d= -f2)
rps=$(grep -o ' rps=[0-9.]*' <<<"$result" | cut -d= -f2)
python3 - "$name" "$conns" "$size" "$inflight" "$rps" "$reqs" "$u0" "$u1" "$k0" "$k1" "$(getconf CLK_TCK)" <<'EOF'
import sys
name, conns, size, inflight, rps, reqs, u0, u1, k0, k1, hz = sys.argv[1:]
reqs = int(reqs); hz = float(hz)
u = (int(u1) - int(u0)) / hz * 1e6 / reqs
k = (int(k1) - int(k0)) / hz * 1e6 / reqs
print(f"{name} {conns}x{size}x{inflight}: req/s={float(rps):,.0f}  server CPU per request: "
      f"user {u:.3f} us + system {k:.3f} us = {u + k:.3f} us")
EOF

if [[ "$with_strace" == 1 ]]; then
  command -v strace >/dev/null || { echo "no strace" >&2; exit 1; }
  # strace covers the whole client run (no warm-up), so calls / the client's requests is exact
  strace -f -c -p "$spid" -o "$tmp/strace" 2>/dev/null &
  tpid=$!
  sleep 1 # attached to every thread
  client 2 >"$tmp/client2"
  kill -INT "$tpid" 2>/dev/null || true
  wait "$tpid" 2>/dev/null || true
  reqs2=$(grep -o ' reqs=[0-9]*' "$tmp/client2" | cut -d= -f2)
  echo "system calls per request under strace ($reqs2 requests; strace slows the server, the counts are what matter):"
  awk -v reqs="$reqs2" 'NR > 2 && $1 ~ /^[0-9.]+$/ && $NF != "total" && $NF != "futex" && $NF != "restart_syscall" {
      printf "  %-16s %9d calls  %6.3f per request\n", $NF, $4, $4 / reqs }' "$tmp/strace" | head -12
  echo "  (futex and restart_syscall left out: the JVM's other threads)"
fi
