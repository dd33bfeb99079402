#!/usr/bin/env bash
# Smoke test of person-service with curl, on loopback only: starts the server on a free port,
# walks the protocol (create, details, read, free, error, live, failures), then stops it by
# closing its stdin, the way a JVM that exits would.
#
#   bench/routes/smoke-service.sh [path/to/person-service]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/person-service/target/release/person-service}
[ -x "$bin" ] || { echo "no $bin: build it first (see bench/routes/README.md)" >&2; exit 1; }

# The coprocess's stdin is our pipe: closing it is how the server learns we are done.
coproc SERVER { exec "$bin" 0; }
server_pid=$SERVER_PID
trap 'kill "$server_pid" 2>/dev/null || true' EXIT

read -r -t 10 line <&"${SERVER[0]}" || { echo "server did not start" >&2; exit 1; }
base="http://${line#listening on }"
case $base in http://127.0.0.1:*) ;; *) echo "unexpected first line: $line" >&2; exit 1 ;; esac
echo "server: $line"

fails=0
# check WHAT EXPECTED_STATUS EXPECTED_BODY curl-args...: one request, status and body compared.
check() {
  local what=$1 want_status=$2 want_body=$3; shift 3
  local out status body
  out=$(curl -sS --max-time 5 -w '\n%{http_code}' "$@")
  status=${out##*$'\n'}
  body=${out%$'\n'*}
  if [ "$status" = "$want_status" ] && { [ "$want_body" = "*" ] || [ "$body" = "$want_body" ]; }; then
    printf 'ok    %-28s %s %q\n' "$what" "$status" "$body"
  else
    printf 'FAIL  %-28s got %s %q, want %s %q\n' "$what" "$status" "$body" "$want_status" "$want_body"
    fails=$((fails + 1))
  fi
  last=$body
}

check "create Alice, 30"       200 '*' -X POST --data-binary '张三 Alice' "$base/person?age=30";  alice=$last
check "details of Alice"       200 '*' -X POST "$base/person/$alice/details";                      older=$last
check "read the copy"          200 $'31\n张三 Alice' "$base/person/$older"
check "live is 2"              200 2 "$base/live"
check "free Alice"             204 '' -X DELETE "$base/person/$alice"
check "free Alice again"       404 UnknownId -X DELETE "$base/person/$alice"
check "free the copy"          204 '' -X DELETE "$base/person/$older"
check "live is 0"              200 0 "$base/live"
check "error message"          200 $'-1\n这是一个错误' "$base/error"
check "invalid UTF-8"          400 InvalidUtf8 -X POST --data-binary $'\xff' "$base/person?age=30"
check "no age"                 400 BadRequest -X POST --data-binary 'x' "$base/person"
check "create Kid, 17"         200 '*' -X POST --data-binary 'Kid' "$base/person?age=17";         kid=$last
check "details of Kid"         422 UnderAge -X POST "$base/person/$kid/details"
check "create Old, i32::MAX"   200 '*' -X POST --data-binary 'Old' "$base/person?age=2147483647"; old=$last
check "details of Old"         422 AgeOverflow -X POST "$base/person/$old/details"
check "free Kid"               204 '' -X DELETE "$base/person/$kid"
check "free Old"               204 '' -X DELETE "$base/person/$old"
check "unknown id"             404 UnknownId "$base/person/123456789"
check "live is 0 again"        200 0 "$base/live"

# A body that does not fit tiny_http's 1 KiB write buffer leaves in two sends. Without
# TCP_NODELAY on the server, the second waits ~40 ms for a delayed ACK: 5 reads would take 200 ms.
check "create a 4000-byte name"  200 '*' -X POST --data-binary "$(printf 'n%.0s' {1..4000})" "$base/person?age=30"; long=$last
urls=$(for i in 1 2 3 4 5; do echo "url = \"$base/person/$long\""; echo "output = /dev/null"; done)
ms=$(curl -sS --max-time 10 -w '%{time_total}\n' -K - <<<"$urls" | awk '{ s += $1 } END { printf "%.1f", s * 1000 }')
if awk -v ms="$ms" 'BEGIN { exit !(ms < 100) }'; then echo "ok    5 reads of it took ${ms} ms (no Nagle stall)"; else echo "FAIL  5 reads of it took ${ms} ms: Nagle stall?"; fails=$((fails + 1)); fi
check "free it"                204 '' -X DELETE "$base/person/$long"

# One curl process, many URLs: curl reuses the connection, so this times keep-alive round trips.
n=2000
urls=$(for ((i = 0; i < n; i++)); do echo "url = \"$base/live\""; echo "output = /dev/null"; done)
start=$(date +%s%N)
curl -sS --max-time 60 -K - <<<"$urls"
end=$(date +%s%N)
echo "timing: $n keep-alive GET /live from one curl: $(( (end - start) / n / 1000 )) us per round trip"

# Close the server's stdin and wait: it must exit on its own.
exec {SERVER[1]}>&-
for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$server_pid" 2>/dev/null; then echo "FAIL  server still running after stdin closed"; fails=$((fails + 1)); else echo "ok    server exited on stdin EOF"; fi

# And the polite way: POST /shutdown answers 204, then the process exits with status 0.
coproc SERVER2 { exec "$bin" 0; }
server2_pid=$SERVER2_PID
trap 'kill "$server_pid" "$server2_pid" 2>/dev/null || true' EXIT
read -r -t 10 line <&"${SERVER2[0]}" || { echo "second server did not start" >&2; exit 1; }
check "POST /shutdown"         204 '' -X POST "http://${line#listening on }/shutdown"
if wait "$server2_pid"; then echo "ok    server exited with 0 after /shutdown"; else echo "FAIL  exit status $? after /shutdown"; fails=$((fails + 1)); fi

[ "$fails" = 0 ] && echo "all good" || { echo "$fails failures"; exit 1; }
