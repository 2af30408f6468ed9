#!/usr/bin/env bash
# tcp-compare.sh -- mode tcp side by side on loopback:
#     direct  vs  HAProxy 2.6 (mode tcp, nbthread 1)  vs  lb copying  vs  lb splice(2)
#
# Two loads per target, interleaved round by round so that drift hits every target alike:
#   small: redis-benchmark GET/SET of small values through the listener (request rate, the cost
#          of relaying many small reads);
#   bulk:  BULK_MB MiB streamed one way (socat from /dev/zero to a socat sink writing /dev/null),
#          MiB/s and the target's CPU seconds per GiB (where splice should save the copies).
#
# Usage (from the repository root, after the jar is built, e.g. `bin/lb version`):
#   benchmarks/load/tcp-compare.sh
# Knobs (env): ROUNDS=3 REQUESTS=200000 CONNS=50 VALUE_SIZE=64 BULK_MB=4096 LB_THREADS=1
#   JAVA_OPTS="-XX:+UseParallelGC -Xss512k -Xms32m -Xmn24m" (bin/lb's defaults)
#   BASE_PORT=16370 RESULTS_DIR=benchmarks/load/results RUN_DIR=/tmp/lbbench/tcp.<pid>
# Smoke test (seconds, numbers meaningless): ROUNDS=1 REQUESTS=2000 BULK_MB=64 benchmarks/load/tcp-compare.sh
# Needs: redis-server, redis-tools, haproxy, socat, java. Run it on a quiet machine.
set -u -o pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=${ROUNDS:-3}; REQUESTS=${REQUESTS:-200000}; CONNS=${CONNS:-50}; VALUE_SIZE=${VALUE_SIZE:-64}
BULK_MB=${BULK_MB:-4096}; LB_THREADS=${LB_THREADS:-1}
JAVA_OPTS=${JAVA_OPTS:-"-XX:+UseParallelGC -Xss512k -Xms32m -Xmn24m"}
BASE_PORT=${BASE_PORT:-16370}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/benchmarks/load/results}
RUN_DIR=${RUN_DIR:-/tmp/lbbench/tcp.$$}
JAR=$ROOT/lb-server/target/lb.jar

REDIS_PORT=$BASE_PORT; SINK_PORT=$((BASE_PORT + 1))
declare -A SMALL_PORT=([direct]=$REDIS_PORT [haproxy]=$((BASE_PORT + 2)) [lb-copy]=$((BASE_PORT + 3)) \
    [lb-splice]=$((BASE_PORT + 4)))
declare -A BULK_PORT=([direct]=$SINK_PORT [haproxy]=$((BASE_PORT + 5)) [lb-copy]=$((BASE_PORT + 6)) \
    [lb-splice]=$((BASE_PORT + 7)))
TARGETS=(direct haproxy lb-copy lb-splice)
declare -A PID
PIDS=()

die() { echo "tcp-compare: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT INT TERM
for c in redis-server redis-benchmark haproxy socat java; do
    command -v "$c" >/dev/null || die "$c is missing (apt-get install redis-server redis-tools haproxy socat)"
done
[[ -f $JAR ]] || die "$JAR is missing: build it first (bin/lb version)"
wait_port() { # port
    for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
    return 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
mkdir -p "$RUN_DIR" "$RESULTS_DIR"
STAMP=$(date +%Y%m%d-%H%M%S)
TSV=$RESULTS_DIR/tcp-compare-$STAMP.tsv
SUMMARY=$RESULTS_DIR/tcp-compare-$STAMP.txt
HZ=$(getconf CLK_TCK)

# ------------------------------------------------------------------ peers
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$RUN_DIR" \
    >"$RUN_DIR/redis.log" 2>&1 &
PIDS+=($!)
socat -u "TCP-LISTEN:$SINK_PORT,bind=127.0.0.1,reuseaddr,fork" OPEN:/dev/null >"$RUN_DIR/sink.log" 2>&1 &
PIDS+=($!)
wait_port "$REDIS_PORT" && wait_port "$SINK_PORT" || die "redis or the sink did not start"

cfg() { # small_port bulk_port
    cat <<CFG
global
    nbthread 1
    maxconn 4096
defaults
    mode tcp
    timeout connect 5s
    timeout client 1m
    timeout server 1m
listen small
    bind 127.0.0.1:$1
    server redis 127.0.0.1:$REDIS_PORT
listen bulk
    bind 127.0.0.1:$2
    server sink 127.0.0.1:$SINK_PORT
CFG
}
cfg "${SMALL_PORT[haproxy]}" "${BULK_PORT[haproxy]}" >"$RUN_DIR/haproxy.cfg"
haproxy -db -f "$RUN_DIR/haproxy.cfg" >"$RUN_DIR/haproxy.log" 2>&1 &
PID[haproxy]=$!; PIDS+=($!)
for mode in copy splice; do
    t=lb-$mode
    cfg "${SMALL_PORT[$t]}" "${BULK_PORT[$t]}" >"$RUN_DIR/$t.cfg"
    # Each lb gets its own admin bind so the two can run side by side.
    env LB_THREADS="$LB_THREADS" LB_ADMIN_BIND="127.0.0.1:$((BASE_PORT + 20 + ${#PIDS[@]}))" \
        LB_ADMIN_SOCKET="$RUN_DIR/$t.sock" \
        java $JAVA_OPTS -Dlb.tcp.splice=$([[ $mode == splice ]] && echo true || echo false) \
        -jar "$JAR" -f "$RUN_DIR/$t.cfg" >"$RUN_DIR/$t.log" 2>&1 &
    PID[$t]=$!; PIDS+=($!)
done
for t in haproxy lb-copy lb-splice; do
    wait_port "${SMALL_PORT[$t]}" && wait_port "${BULK_PORT[$t]}" || die "$t did not listen (see $RUN_DIR/$t.log)"
done
log "peers up; results in $SUMMARY"

# ------------------------------------------------------------------ loads
small() { # target -> "rps_set rps_get"
    redis-benchmark -h 127.0.0.1 -p "${SMALL_PORT[$1]}" -n "$REQUESTS" -c "$CONNS" -d "$VALUE_SIZE" \
        -t set,get --csv 2>/dev/null | awk -F'"' '/^"SET"/{s=$4} /^"GET"/{g=$4} END{print s, g}'
}
bulk() { # target -> "MiB/s cpu_s_per_GiB"
    local p=${PID[$1]:-} c0=0 c1=0 t0 t1
    [[ -n $p ]] && c0=$(cpu_ticks "$p")
    t0=$(date +%s.%N)
    head -c "$((BULK_MB * 1024 * 1024))" /dev/zero | socat -u -b 262144 - "TCP:127.0.0.1:${BULK_PORT[$1]}"
    t1=$(date +%s.%N)
    [[ -n $p ]] && c1=$(cpu_ticks "$p")
    awk -v mb="$BULK_MB" -v t0="$t0" -v t1="$t1" -v c="$((c1 - c0))" -v hz="$HZ" \
        'BEGIN{printf "%.0f %.3f\n", mb / (t1 - t0), (c / hz) / (mb / 1024)}'
}

# warm-up: JIT for the two lbs (and the same for the others, to keep the order fair)
for t in "${TARGETS[@]}"; do
    REQUESTS=$((REQUESTS / 10 + 1)) small "$t" >/dev/null
    BULK_MB=$((BULK_MB / 8 + 1)) bulk "$t" >/dev/null
done

printf 'round\ttarget\tset_rps\tget_rps\tbulk_mib_s\tbulk_cpu_s_per_gib\n' >"$TSV"
for r in $(seq 1 "$ROUNDS"); do
    for t in "${TARGETS[@]}"; do
        read -r s g < <(small "$t")
        read -r mbs cpu < <(bulk "$t")
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$t" "$s" "$g" "$mbs" "$cpu" >>"$TSV"
        log "round $r $t: SET $s/s GET $g/s, bulk $mbs MiB/s, $cpu CPU s/GiB"
    done
done

# ------------------------------------------------------------------ summary: medians, ratios to HAProxy
{
    echo "tcp-compare $STAMP on $(hostname) ($(nproc) cpus, $(uname -r)); rounds $ROUNDS, requests $REQUESTS,"
    echo "conns $CONNS, value $VALUE_SIZE B, bulk $BULK_MB MiB, lb threads $LB_THREADS, java opts: $JAVA_OPTS"
    echo "$(haproxy -v | head -1)"
    awk -F'\t' 'NR > 1 { k = $2; n[k]++; s[k, n[k]] = $3; g[k, n[k]] = $4; b[k, n[k]] = $5; c[k, n[k]] = $6 }
        function med(arr, k, cnt,   i, j, t, v) {
            for (i = 1; i <= cnt; i++) v[i] = arr[k, i] + 0
            for (i = 1; i <= cnt; i++) for (j = i + 1; j <= cnt; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
            return cnt % 2 ? v[(cnt + 1) / 2] : (v[cnt / 2] + v[cnt / 2 + 1]) / 2
        }
        END {
            printf "%-10s %12s %12s %12s %14s %10s %10s %10s\n", "target", "SET/s", "GET/s", "bulk MiB/s", "CPU s/GiB",
                "SET/hap", "GET/hap", "bulk/hap"
            split("direct haproxy lb-copy lb-splice", order, " ")
            hs = med(s, "haproxy", n["haproxy"]); hg = med(g, "haproxy", n["haproxy"]); hb = med(b, "haproxy", n["haproxy"])
            for (i = 1; i <= 4; i++) { k = order[i]; if (!n[k]) continue
                ms = med(s, k, n[k]); mg = med(g, k, n[k]); mb = med(b, k, n[k]); mc = med(c, k, n[k])
                printf "%-10s %12.0f %12.0f %12.0f %14.3f %10.2f %10.2f %10.2f\n", k, ms, mg, mb, mc,
                    hs ? ms / hs : 0, hg ? mg / hg : 0, hb ? mb / hb : 0 }
        }' "$TSV"
} | tee "$SUMMARY"
