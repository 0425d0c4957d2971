#!/usr/bin/env bash
# Checks packaging/nginx/varde.conf against a live varde: starts `varde serve` on a loaded store and Debian's nginx
# with a copy of the server block (listen moved to a free loopback port, a self-signed certificate, logs and
# temporary files in a temporary folder; nothing else changed), then asks through https and prints one
# PASS or FAIL line per check. Exit status 0 only if every check passed.
#
#   packaging/nginx/try.sh VARDE_BINARY STORE          # STORE: a store already loaded (varde load)
#
# Needs nginx (Debian `nginx`), openssl and curl. Runs without systemd and as root or not (CI runs it as root in a
# container): nginx runs in the foreground (`daemon off;`) with its pid, logs and *_temp_path folders under the
# temporary folder. Only the processes it started are stopped, by their process ids, when it exits.
set -euo pipefail
if [[ $# -ne 2 ]]; then echo "usage: $0 VARDE_BINARY STORE" >&2; exit 64; fi
varde=$1 store=$2
conf="$(cd "$(dirname "$0")" && pwd)/varde.conf"
nginx=$(command -v nginx || echo /usr/sbin/nginx)
for tool in "$nginx" openssl curl; do
  command -v "$tool" >/dev/null || { echo "FAIL $tool is not installed (apt-get install -y nginx openssl curl)"; exit 1; }
done
[[ -x "$varde" ]] || { echo "FAIL $varde is not an executable"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/varde-nginx-try.XXXXXX")
pids=()
cleanup() {
  for p in ${pids[@]+"${pids[@]}"}; do kill -TERM "$p" 2>/dev/null || true; done
  for p in ${pids[@]+"${pids[@]}"}; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
# nginx's workers drop to an unprivileged user when it runs as root: they must be able to reach the folder.
chmod 0755 "$tmp"

failures=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

# A port nothing listens on (a connection to it is refused).
free_port() {
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 40000))
    if [[ $p != "${1:-}" ]] && ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}
vport=$(free_port) nport=$(free_port "$vport")

# A self-signed certificate for localhost, the key owner-only in an owner-only folder (nginx's master reads it).
install -d -m 0700 "$tmp/tls"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$tmp/tls/key.pem" -out "$tmp/tls/cert.pem" 2>"$tmp/openssl.log"
chmod 0600 "$tmp/tls/key.pem"

# varde: behind the proxy (trustedProxies), a small address budget so that the budget check below is quick, a
# registered token, and its own audit log (not beside the caller's store).
token=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
printf '[{"name": "try-registered", "sha256": "%s", "role": "registered"}]\n' \
  "$(printf %s "$token" | sha256sum | cut -d' ' -f1)" > "$tmp/tokens.json"
budget=8
cat > "$tmp/varde.json" <<JSON
{"trustedProxies": ["127.0.0.1"], "requestsPerAddressPerWindow": $budget, "budgetWindowSeconds": 600,
 "tokensFile": "$tmp/tokens.json", "auditLog": "$tmp/audit.jsonl"}
JSON
log_format=()
if "$varde" serve --help 2>&1 | grep -q -- '--log-format'; then
  log_format=(--log-format json)
  pass "varde serve has --log-format (json log lines)"
else
  fail "varde serve has no --log-format option: its log is checked as text"
fi
"$varde" serve --store "$store" --config "$tmp/varde.json" --host 127.0.0.1 --port "$vport" ${log_format[@]+"${log_format[@]}"} \
  >"$tmp/varde.out" 2>"$tmp/varde.log" &
pids+=($!)

# nginx: the server block as shipped, with only its listen address, certificate paths, upstream port and log paths
# changed, inside a minimal main configuration.
sed -e "s|listen 443 ssl;|listen 127.0.0.1:$nport ssl;|" \
    -e '/listen \[::\]:443 ssl;/d' \
    -e "s|/etc/varde/tls/fullchain.pem|$tmp/tls/cert.pem|" \
    -e "s|/etc/varde/tls/privkey.pem|$tmp/tls/key.pem|" \
    -e "s|server 127.0.0.1:8080;|server 127.0.0.1:$vport;|" \
    -e "s|/var/log/nginx/varde.access.log|$tmp/access.log|" \
    -e "s|/var/log/nginx/varde.error.log|$tmp/error.log|" \
    "$conf" > "$tmp/varde.conf"
if grep -q "listen 127.0.0.1:$nport ssl;" "$tmp/varde.conf" && grep -q "server 127.0.0.1:$vport;" "$tmp/varde.conf" \
   && ! grep -v '^[[:space:]]*#' "$tmp/varde.conf" | grep -Eq ':443|/etc/varde/tls|127\.0\.0\.1:8080|/var/log/nginx'; then
  pass "varde.conf adapted to 127.0.0.1:$nport -> varde on 127.0.0.1:$vport"
else
  fail "varde.conf no longer has the lines this script rewrites (listen 443, /etc/varde/tls, 127.0.0.1:8080, /var/log/nginx)"
  exit 1
fi
cat > "$tmp/nginx.conf" <<NGINX
daemon off;
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/error.log info;
events { worker_connections 64; }
http {
    client_body_temp_path $tmp/client_body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    access_log off;
    include $tmp/varde.conf;
}
NGINX
if "$nginx" -t -q -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/error.log" 2>"$tmp/nginx-t.log"; then
  pass "nginx -t accepts the server block"
else
  fail "nginx -t: $(tr '\n' ' ' < "$tmp/nginx-t.log")"
  exit 1
fi
"$nginx" -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/error.log" 2>>"$tmp/nginx.stderr" &
pids+=($!)

base=https://localhost:$nport
# curl through nginx, trusting only the temporary certificate; extra arguments first (e.g. --interface 127.0.0.2 to
# come from another loopback address). Writes headers to $tmp/h and the body to $tmp/b, prints the status.
get() { curl -sS --max-time 20 --cacert "$tmp/tls/cert.pem" --resolve "localhost:$nport:127.0.0.1" \
          -D "$tmp/h" -o "$tmp/b" -w '%{http_code}' "$@" 2>>"$tmp/curl.log" || echo 000; }
header() { tr -d '\r' < "$tmp/h" | awk -v name="$1" 'BEGIN{FS=": "} tolower($1)==tolower(name) {sub(/^[^:]*: /, ""); print; exit}'; }

# Both processes up: /health through nginx answers once varde listens; /ready once the store is open.
status=000
for _ in $(seq 300); do status=$(get "$base/health"); [[ $status == 200 ]] && break; sleep 0.1; done
if [[ $status == 200 ]] && grep -q '"ok"' "$tmp/b"; then pass "GET /health through nginx: 200 $(cat "$tmp/b")"
else fail "GET /health through nginx: $status $(cat "$tmp/b" 2>/dev/null)"; fi
if [[ "$(header Strict-Transport-Security)" == max-age=* ]]; then pass "HSTS: $(header Strict-Transport-Security)"
else fail "no Strict-Transport-Security header"; fi
for _ in $(seq 600); do status=$(get "$base/ready"); [[ $status == 200 ]] && break; sleep 0.1; done
if [[ $status == 200 ]] && grep -q '"ready"' "$tmp/b"; then pass "GET /ready through nginx: 200 $(cat "$tmp/b")"
else fail "GET /ready through nginx: $status $(cat "$tmp/b" 2>/dev/null)"; fi

# TLS versions: 1.2 and 1.3 answer; 1.1 is refused (offered with the client's security level lowered, so that
# the refusal is the server's).
for v in tls1_2 tls1_3; do
  if openssl s_client -connect "127.0.0.1:$nport" -servername localhost -"$v" </dev/null >"$tmp/s_client" 2>&1 \
     && grep -q '^New, TLSv1\.[23],' "$tmp/s_client"; then pass "TLS handshake with -$v: $(grep -m1 '^New, ' "$tmp/s_client")"
  else fail "TLS handshake with -$v failed"; fi
done
if openssl s_client -connect "127.0.0.1:$nport" -servername localhost -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null >"$tmp/s_client" 2>&1; then
  fail "a TLS 1.1 handshake succeeded"
else pass "TLS 1.1 refused"; fi

# A Beacon query by allele (anonymous, GET), its X-Request-Id, and the same id in varde's log and audit lines.
query="referenceName=22&start=16050114&referenceBases=G&alternateBases=A"
status=$(get "$base/g_variants?$query")
if [[ $status == 200 ]] && grep -q '"responseSummary"' "$tmp/b"; then
  pass "GET /g_variants?$query: 200 $(grep -o '"responseSummary":{[^}]*}' "$tmp/b")"
else fail "GET /g_variants?$query: $status $(head -c 300 "$tmp/b")"; fi
request_id=$(header X-Request-Id)
if [[ -n $request_id ]]; then
  pass "X-Request-Id: $request_id"
  sleep 0.5
  if grep -q "\"request\":\"$request_id\"" "$tmp/audit.jsonl" 2>/dev/null; then pass "the audit line has \"request\":\"$request_id\""
  else fail "no audit line with \"request\":\"$request_id\""; fi
  if grep -q "$request_id" "$tmp/varde.log"; then pass "varde's log line names $request_id: $(grep -m1 "$request_id" "$tmp/varde.log" | head -c 300)"
  else fail "varde's log has no line naming $request_id"; fi
  if grep -q "varde_request=$request_id" "$tmp/access.log"; then pass "nginx's access log names varde_request=$request_id"
  else fail "nginx's access log has no varde_request=$request_id"; fi
else
  fail "no X-Request-Id header on the /g_variants answer"
fi
if grep -q "16050114" "$tmp/access.log"; then fail "nginx's access log holds the query string"
else pass "nginx's access log leaves the query string out"; fi

# A registered count query (the Authorization header passes through) and a POST.
status=$(get -H "Authorization: Bearer $token" "$base/g_variants?referenceName=22&start=16050000&end=16052000&requestedGranularity=count")
if [[ $status == 200 ]] && grep -q '"returnedGranularity":"count"' "$tmp/b"; then
  pass "registered count query: 200 $(grep -o '"responseSummary":{[^}]*}' "$tmp/b")"
else fail "registered count query: $status $(head -c 300 "$tmp/b")"; fi
body='{"meta":{"apiVersion":"v2.1.1"},"query":{"requestParameters":{"referenceName":"22","start":[16050114],"referenceBases":"G","alternateBases":"A"}}}'
status=$(get -H 'Content-Type: application/json' --data "$body" "$base/g_variants")
if [[ $status == 200 ]] && grep -q '"responseSummary"' "$tmp/b"; then pass "POST /g_variants: 200 $(grep -o '"responseSummary":{[^}]*}' "$tmp/b")"
else fail "POST /g_variants: $status $(head -c 300 "$tmp/b")"; fi
head -c 100000 /dev/zero | tr '\0' ' ' > "$tmp/large.json"
status=$(get -H 'Content-Type: application/json' --data-binary "@$tmp/large.json" "$base/g_variants")
if [[ $status == 413 ]]; then pass "a 100 kB POST body: 413 from nginx"; else fail "a 100 kB POST body: $status (expected 413)"; fi

# The web UI's sign-in through the proxy: the Origin check passes (Host keeps the port) and the cookie is Secure.
status=$(get -H "Origin: $base" --data-urlencode "token=$token" "$base/ui/login")
cookie=$(header Set-Cookie)
if [[ $status == 303 ]] && [[ $cookie == *"; Secure"* || $cookie == *"; secure"* ]]; then pass "UI sign-in: 303, cookie flags: ${cookie#*; }"
else fail "UI sign-in: $status, Set-Cookie: ${cookie:-none}"; fi

# /metrics: from the allowed loopback address, not from another (127.0.0.2 is not in the allow list).
status=$(get "$base/metrics")
if [[ $status == 200 ]] && grep -q '^varde_http_requests_total' "$tmp/b"; then pass "GET /metrics from 127.0.0.1: 200, $(grep -c '^varde_' "$tmp/b") varde_ samples"
else fail "GET /metrics from 127.0.0.1: $status"; fi
status=$(get --interface 127.0.0.2 "$base/metrics")
if [[ $status == 403 ]]; then pass "GET /metrics from 127.0.0.2: 403"; else fail "GET /metrics from 127.0.0.2: $status (expected 403)"; fi

# Budgets behind the proxy: 127.0.0.3 spends its own address budget; a forged X-Forwarded-For does not escape it
# (nginx replaces the header); 127.0.0.4 still has its own budget; the audit names the real client, never the forgery.
ok=0
for _ in $(seq "$budget"); do [[ $(get --interface 127.0.0.3 "$base/info") == 200 ]] && ok=$((ok + 1)); done
status=$(get --interface 127.0.0.3 -H 'X-Forwarded-For: 198.51.100.7' "$base/info")
if [[ $ok == "$budget" && $status == 429 ]]; then pass "127.0.0.3: $budget answers, then 429 with a forged X-Forwarded-For (Retry-After: $(header Retry-After))"
else fail "127.0.0.3: $ok of $budget answered, then $status (expected 429)"; fi
status=$(get --interface 127.0.0.4 "$base/info")
if [[ $status == 200 ]]; then pass "127.0.0.4 has its own budget: 200"; else fail "127.0.0.4: $status (expected 200: one budget per client)"; fi
# A client whose own address is a trusted proxy's (here 127.0.0.1; in production a host inside a trusted block):
# with the header replaced, its forged address never reaches varde; appended, varde would skip the trusted hop and
# charge the forged one.
get -H 'X-Forwarded-For: 203.0.113.9' "$base/info" >/dev/null
sleep 0.5
if grep -q '"client":"127.0.0.3"' "$tmp/audit.jsonl" 2>/dev/null && ! grep -Eq '198\.51\.100\.7|203\.0\.113\.9' "$tmp/audit.jsonl"; then
  pass "the audit log names the clients (127.0.0.3, 127.0.0.1), never a forged X-Forwarded-For"
else fail "the audit log's client addresses are wrong: $(grep -o '"client":"[^"]*"' "$tmp/audit.jsonl" 2>/dev/null | sort | uniq -c | tr '\n' ' ')"; fi

if (( failures > 0 )); then
  { echo "--- varde log (last lines)"; tail -n 20 "$tmp/varde.log"; echo "--- nginx error log (last lines)"; tail -n 20 "$tmp/error.log"; } >&2 || true
  echo "FAIL $failures check(s) failed"
  exit 1
fi
echo "PASS all checks"
