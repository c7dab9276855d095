#!/usr/bin/env bash
# The demo on localhost, on embedded defaults (no configuration file, state in a temporary
# folder): the relay, the simulated printer on a real pty, and an edge paired to the relay
# over the real pairing protocol, driving the printer and streaming the test camera through
# the tunnel. Prints the address to open. Usage: deploy/demo.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: deploy/demo.sh BUILD_DIR}
build=$(cd "$build" && pwd)
sim="$build/printer/sim/printgate-sim"
edge="$build/edge/printgate-edge"
relay="$build/relay/printgate-relay"
work=$(mktemp -d "${TMPDIR:-/tmp}/printgate-demo-XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits until FILE has a line starting with PREFIX (or the process PID ended) and prints it.
wait_line() {
  local file=$1 prefix=$2 pid=$3
  for _ in $(seq 300); do
    local line
    line=$(grep -m1 "^$prefix" "$file" 2>/dev/null || true)
    if [ -n "$line" ]; then echo "$line"; return 0; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "demo: '$prefix' never came; the log says:" >&2
  tail -n 20 "${file%.out}.err" >&2 || true
  return 1
}

# 1. The relay: tunnel and HTTPS listeners on loopback, zone localhost, its own CA.
"$relay" serve --demo --state-dir "$work/relay" > "$work/relay.out" 2> "$work/relay.err" &
pids+=($!)
ready=$(wait_line "$work/relay.out" "printgate-relay ready" "${pids[-1]}")
https=${ready##*https=}
https_port=${https##*:}

# 2. A pairing code for printer1, and the edge pairs with it (key made on the device, CSR
#    over TLS pinned to the relay's CA fingerprint carried in the code).
code=$("$relay" device add printer1 --state-dir "$work/relay" 2> /dev/null)
"$edge" pair "$code" --state-dir "$work/edge" > /dev/null

# 3. The edge: simulated printer on a pty, test camera, the tunnel to the relay.
"$edge" run --demo --state-dir "$work/edge" --sim-binary "$sim" --tunnel-backoff-max-ms 2000 \
  > "$work/edge.out" 2> "$work/edge.err" &
pids+=($!)
edge_ready=$(wait_line "$work/edge.out" "printgate-edge ready" "${pids[-1]}")
edge_http=${edge_ready#*http=}
edge_http=${edge_http%% *}

# 4. A small vase to print, sent like a slicer would (OctoPrint upload with print=true).
awk 'BEGIN {
  print "; printgate demo part"; print "M140 S60"; print "M104 S210"; print "G28";
  print "G90"; print "M83";
  z = 0.2
  for (layer = 0; layer < 40; layer++) {
    printf ";LAYER:%d\nG1 Z%.2f F1200\n", layer, z; z += 0.2
    for (i = 0; i < 400; i++) { a = i * 6.2832 / 400
      printf "G1 X%.3f Y%.3f E0.0157 F3000\n", 110 + 20 * cos(a), 110 + 20 * sin(a) }
  }
  print "M104 S0"; print "M140 S0"; print "G91"; print "G1 Z10"; print "G90"; print "M84"
}' > "$work/demo-vase.gcode"
if command -v curl > /dev/null; then
  key=$(cat "$work/edge/api_key")
  # The edge is ready before its printer is: the upload's print=true only starts a print on
  # an operational printer (otherwise the file is kept and "printing" is false). Wait up to
  # 20 s for the simulator's handshake.
  for _ in $(seq 200); do
    curl -fsS -H "X-Api-Key: $key" "http://$edge_http/api/v1/state" 2> /dev/null \
      | grep -q '"state":"operational"' && break
    sleep 0.1
  done
  answer=$(curl -fsS -H "X-Api-Key: $key" -F "file=@$work/demo-vase.gcode" -F print=true \
    "http://$edge_http/api/files/local" 2> /dev/null || true)
  case $answer in
    *'"printing":true'*) started="a demo print is running" ;;
    *) started="the demo print could not be started (see $work/edge.err)" ;;
  esac
else
  started="install curl to have the demo start a print"
fi

setup=$(grep -m1 '^printgate-relay setup ' "$work/relay.out" | cut -d' ' -f3- || true)
url="https://printer1.localhost:$https_port"
echo
echo "printgate demo: relay, edge, simulated printer and test camera on this machine; $started."
echo
if [ -n "$setup" ]; then
  cat <<TEXT
  1. Create the owner account (one-time link; a password, then an authenticator app):
                      $setup
  2. Then open the printer, through the login gate, the relay and the tunnel:
TEXT
else
  echo "  Open the printer, through the relay and the tunnel:"
fi
cat <<TEXT
     the printer      $url/   (state, camera, job; the full web UI is not written yet)
     its API          $url/api/v1/state   $url/api/v1/files   $url/api/v1/job
     camera           $url/webcam/?action=stream

The certificates come from the demo relay's own CA ($work/relay/ca.pem): the browser warns
once; accept it, or import that file. The edge's local API (no tunnel) is http://$edge_http
with the key in $work/edge/api_key. Logs: $work/*.err. Ctrl-C stops everything.
TEXT
wait -n "${pids[@]}"
echo "demo: a process ended; see $work/relay.err and $work/edge.err" >&2
