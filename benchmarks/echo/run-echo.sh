#!/usr/bin/env bash
# TCP echo benchmark: Loop's echo server (dev.loop.samples.EchoServer) against a Netty 4.2 NIO echo
# server with one event loop (dev.loop.benchmarks.NettyEchoServer) and a one-thread C epoll echo
# server (the practical limit of this machine), all driven by the same C epoll load client. On
# request (-s) also Loop's Reactor bridge (dev.loop.benchmarks.ReactorEchoServer: serve/receive/send
# on one loop) and reactor-netty 1.3 on one NIO event loop (dev.loop.benchmarks.ReactorNettyEchoServer).
#
# Usage: benchmarks/echo/run-echo.sh [-r ROUNDS] [-d SECONDS] [-w WARMUP] [-c "CONFIGS"] [-s "SERVERS"] [-o DIR]
#   -r ROUNDS   rounds (default 3); every round runs every configuration on every server, in the
#               order of -s (A B C A B C ...)
#   -d SECONDS  measured seconds per run (default 8)
#   -w WARMUP   client warm-up seconds per run, not measured (default 3)
#   -c CONFIGS  space-separated CONNSxSIZExINFLIGHT (default "1x64x1 16x1024x1 16x16384x1 16x1024x16":
#               1 connection x 64 B ping-pong; 16 x 1 KiB ping-pong; 16 x 16 KiB ping-pong;
#               16 x 1 KiB with 16 messages in flight per connection)
#   -s SERVERS  which servers, in order, separated by spaces or commas, from: loop netty c reactor
#               reactor-netty (default "loop netty c"; e.g. -s loop,reactor,reactor-netty,netty)
#   -o DIR      where results-<stamp>.csv/.md and the run logs go (default benchmarks/echo)
# Environment:
#   SHARED_TOOLS  directory with echoclient.c and echoserver-c.c (default: $ROOT/../shared/tools)
#   JAVA          java for the Java servers (default: java on the PATH)
#   JVM_FLAGS     flags for the Java servers (default: -Xms256m -Xmx256m -XX:+UseParallelGC)
#   BUILD=0|1     never / always build the jars (default: build when missing or older than sources)
#   MVN_FLAGS     extra flags for mvn (e.g. -o)
#   CLIENT_CPU / SERVER_CPU   the cores to pin to (default 0 and 1)
#
# Each run: a fresh server pinned with taskset to SERVER_CPU, the client pinned to CLIENT_CPU; the
# server's CPU time (utime+stime of the whole process from /proc/PID/stat) is read when the client's
# warm-up ends and when the client exits, and divided by the requests the client counted. Every run
# is bounded (server start 30 s, client warm-up + seconds + 30 s); servers are killed on exit (trap).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$here/../.." && pwd)

rounds=3
duration=8
warmup=3
configs="1x64x1 16x1024x1 16x16384x1 16x1024x16"
servers="loop netty c"
outdir="$here"
while getopts "r:d:w:c:s:o:h" opt; do
  case "$opt" in
    r) rounds=$OPTARG ;;
    d) duration=$OPTARG ;;
    w) warmup=$OPTARG ;;
    c) configs=$OPTARG ;;
    s) servers=$OPTARG ;;
    o) outdir=$OPTARG ;;
    h) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "usage: $0 [-r ROUNDS] [-d SECONDS] [-w WARMUP] [-c CONFIGS] [-s SERVERS] [-o DIR]" >&2; exit 2 ;;
  esac
done

fail() {
  echo "run-echo.sh: $*" >&2
  exit 1
}

[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || fail "-r must be a positive integer: $rounds"
[[ "$duration" =~ ^[1-9][0-9]*$ ]] || fail "-d must be a positive integer: $duration"
[[ "$warmup" =~ ^[0-9]+$ ]] || fail "-w must be a non-negative integer: $warmup"
servers=${servers//,/ }
for s in $servers; do
  case "$s" in
    loop | netty | c | reactor | reactor-netty) ;;
    *) fail "unknown server '$s' (loop, netty, c, reactor, reactor-netty)" ;;
  esac
done
[[ -n "${servers// /}" ]] || fail "-s names no server"

for cfg in $configs; do
  [[ "$cfg" =~ ^[0-9]+x[0-9]+x[0-9]+$ ]] || fail "bad configuration '$cfg' (CONNSxSIZExINFLIGHT)"
done

for tool in gcc taskset python3 ss; do
  command -v "$tool" >/dev/null || fail "'$tool' is needed and not on the PATH"
done
java=${JAVA:-java}
command -v "$java" >/dev/null || fail "no java: set JAVA"
read -r -a jvm_flags <<<"${JVM_FLAGS:--Xms256m -Xmx256m -XX:+UseParallelGC}"
read -r -a mvn_flags <<<"${MVN_FLAGS:-}"
client_cpu=${CLIENT_CPU:-0}
server_cpu=${SERVER_CPU:-1}

# ------------------------------------------------------------------ the C client and server

shared=${SHARED_TOOLS:-$ROOT/../shared/tools}
if [[ ! -f "$shared/echoclient.c" || ! -f "$shared/echoserver-c.c" ]]; then
  fail "the shared load tools are missing: expected echoclient.c and echoserver-c.c in $shared
  (the directory 'shared/tools' next to the project root; set SHARED_TOOLS to point elsewhere)"
fi
bin="$here/target"
mkdir -p "$bin"
for name in echoclient echoserver-c; do
  if [[ ! -x "$bin/$name" || "$shared/$name.c" -nt "$bin/$name" ]]; then
    gcc -O2 -o "$bin/$name" "$shared/$name.c" || fail "gcc failed on $shared/$name.c"
  fi
done

# ------------------------------------------------------------------ the jars

uberjar="$ROOT/benchmarks/target/benchmarks.jar"
samples_classes="$ROOT/samples/target/classes"
loop_jar() { ls "$ROOT"/loop-core/target/loop-core-*.jar 2>/dev/null | grep -v -e '-sources\.jar$' -e '-javadoc\.jar$' | head -1 || true; }

need_build=${BUILD:-}
if [[ -z "$need_build" ]]; then
  need_build=0
  if [[ ! -f "$uberjar" || ! -f "$samples_classes/dev/loop/samples/EchoServer.class" || -z "$(loop_jar)" ]]; then
    need_build=1
  elif [[ -n "$(find "$ROOT/loop-core/src/main" "$ROOT/loop-reactor/src/main" "$ROOT/samples/src/main" \
      "$ROOT/benchmarks/src/main" "$ROOT/pom.xml" "$ROOT/loop-core/pom.xml" "$ROOT/loop-reactor/pom.xml" \
      "$ROOT/samples/pom.xml" "$ROOT/benchmarks/pom.xml" -newer "$uberjar" -print -quit)" ]]; then
    need_build=1
  fi
fi
if [[ "$need_build" == 1 ]]; then
  echo "building: mvn -q ${mvn_flags[*]} -pl samples,benchmarks -am package -DskipTests"
  (cd "$ROOT" && mvn -q "${mvn_flags[@]}" -pl samples,benchmarks -am package -DskipTests) || fail "the build failed"
fi
[[ -f "$samples_classes/dev/loop/samples/EchoServer.class" ]] \
  || fail "no $samples_classes/dev/loop/samples/EchoServer.class after the build (is samples/EchoServer.java there?)"
[[ -f "$uberjar" ]] || fail "no $uberjar after the build"
loopjar=$(loop_jar)
[[ -n "$loopjar" ]] || fail "no loop-core jar in $ROOT/loop-core/target"
jspecify_version=$(sed -n 's:.*<jspecify.version>\(.*\)</jspecify.version>.*:\1:p' "$ROOT/pom.xml" | head -1)
jspecify_jar="${M2_REPO:-$HOME/.m2/repository}/org/jspecify/jspecify/$jspecify_version/jspecify-$jspecify_version.jar"
[[ -f "$jspecify_jar" ]] || fail "no jspecify jar at $jspecify_jar (set M2_REPO)"
loop_cp="$samples_classes:$loopjar:$jspecify_jar"

# ------------------------------------------------------------------ processes

server_pid=""
client_pid=""

# Ends a process we started: TERM, up to 5 s, then KILL.
stop_pid() {
  local pid=$1
  [[ -n "$pid" ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  stop_pid "$client_pid"
  client_pid=""
  stop_pid "$server_pid"
  server_pid=""
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# utime + stime of a process, in clock ticks
cpu_ticks() {
  # the command name (field 2) may hold spaces: cut after its closing parenthesis
  local stat
  stat=$(<"/proc/$1/stat")
  stat=${stat##*) }
  read -r -a f <<<"$stat"
  echo $(( f[11] + f[12] )) # fields 14 and 15 of the full line
}
clk_tck=$(getconf CLK_TCK)

# start_server NAME PORT LOG: starts it pinned to the server core; sets server_pid; waits until it listens
start_server() {
  local name=$1 port=$2 log=$3
  case "$name" in
    loop)
      taskset -c "$server_cpu" "$java" "${jvm_flags[@]}" -cp "$loop_cp" dev.loop.samples.EchoServer \
        --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
      ;;
    netty)
      taskset -c "$server_cpu" "$java" "${jvm_flags[@]}" -cp "$uberjar" dev.loop.benchmarks.NettyEchoServer \
        --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
      ;;
    reactor)
      taskset -c "$server_cpu" "$java" "${jvm_flags[@]}" -cp "$uberjar" dev.loop.benchmarks.ReactorEchoServer \
        --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
      ;;
    reactor-netty)
      taskset -c "$server_cpu" "$java" "${jvm_flags[@]}" -cp "$uberjar" dev.loop.benchmarks.ReactorNettyEchoServer \
        --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
      ;;
    c)
      taskset -c "$server_cpu" "$bin/echoserver-c" "$port" >"$log" 2>&1 &
      ;;
  esac
  server_pid=$!
  local deadline=$(( $(date +%s) + 30 ))
  while :; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "server $name exited at start-up:" >&2
      cat "$log" >&2
      return 1
    fi
    if [[ "$name" == c ]]; then
      # the C server prints nothing: wait for its listening socket
      [[ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]] && break
    else
      grep -q "^listening on 127.0.0.1:$port" "$log" 2>/dev/null && break
    fi
    if (( $(date +%s) >= deadline )); then
      echo "server $name did not listen on $port within 30 s:" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.05
  done
}

# ------------------------------------------------------------------ the runs

stamp=$(date -u +%Y-%m-%dT%H%MZ)
mkdir -p "$outdir"
csv="$outdir/results-$stamp.csv"
md="$outdir/results-$stamp.md"
logs="$outdir/target/logs-$stamp"
mkdir -p "$logs"
quiet="no"
[[ -e /tmp/quiet-machine ]] && quiet="yes"

{
  echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) cores, $(uname -srm)"
  echo "# $("$java" -version 2>&1 | head -1); JVM flags: ${jvm_flags[*]}"
  echo "# rounds=$rounds seconds=$duration warmup=$warmup configs='$configs' servers='$servers' client cpu $client_cpu, server cpu $server_cpu"
  echo "# /tmp/quiet-machine present at start: $quiet; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "round,config,conns,size,inflight,server,rps,mbps,p50_us,p99_us,p999_us,max_us,client_cpu,server_cpu_s,server_cpu_us_per_req,reqs,secs,status"
} >"$csv"

runs_total=$(( rounds * $(wc -w <<<"$configs") * $(wc -w <<<"$servers") ))
run_no=0
for round in $(seq 1 "$rounds"); do
  for cfg in $configs; do
    IFS=x read -r conns size inflight <<<"$cfg"
    for server in $servers; do
      run_no=$((run_no + 1))
      port=$(free_port)
      slog="$logs/r$round-$cfg-$server.server.log"
      clog="$logs/r$round-$cfg-$server.client.log"
      status=ok
      result=""
      cpu_s=""
      if start_server "$server" "$port" "$slog"; then
        timeout $(( warmup + duration + 30 )) taskset -c "$client_cpu" "$bin/echoclient" \
          127.0.0.1 "$port" "$conns" "$size" "$duration" "$inflight" "$warmup" >"$clog" 2>&1 &
        client_pid=$!
        sleep "$warmup"
        t0=$(cpu_ticks "$server_pid" 2>/dev/null || echo "")
        if wait "$client_pid"; then
          t1=$(cpu_ticks "$server_pid" 2>/dev/null || echo "")
          result=$(grep '^RESULT ' "$clog" | tail -1 || true)
          [[ -n "$result" && -n "$t0" && -n "$t1" ]] || status=no-result
          [[ -n "$t0" && -n "$t1" ]] && cpu_s=$(python3 -c "print(($t1 - $t0) / $clk_tck)")
        else
          status="client-failed($?)"
        fi
        client_pid=""
      else
        status=server-failed
      fi
      stop_pid "$server_pid"
      server_pid=""

      # RESULT key=value ... -> fields
      declare -A r=()
      for kv in $result; do
        [[ "$kv" == *=* ]] && r[${kv%%=*}]=${kv#*=}
      done
      per_req=""
      if [[ "$status" == ok && -n "${r[reqs]:-}" && "${r[reqs]}" != 0 ]]; then
        per_req=$(python3 -c "print(round($cpu_s * 1e6 / ${r[reqs]}, 3))")
      elif [[ "$status" == ok ]]; then
        status=no-requests
      fi
      echo "$round,$cfg,$conns,$size,$inflight,$server,${r[rps]:-},${r[mbps]:-},${r[p50_us]:-},${r[p99_us]:-},${r[p999_us]:-},${r[max_us]:-},${r[client_cpu]:-},$cpu_s,$per_req,${r[reqs]:-},${r[secs]:-},$status" >>"$csv"
      printf '[%d/%d] round %d  %-11s %-5s  req/s=%-10s p50=%-7s p99=%-8s server CPU/req=%s us  %s\n' \
        "$run_no" "$runs_total" "$round" "$cfg" "$server" "${r[rps]:-?}" "${r[p50_us]:-?}" "${r[p99_us]:-?}" "${per_req:-?}" "$status"
      unset r
    done
  done
done
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$csv"

python3 "$here/summarize-echo.py" "$csv" >"$md"
cat "$md"
echo
echo "results: $csv"
echo "         $md"
