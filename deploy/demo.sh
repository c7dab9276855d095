#!/usr/bin/env bash
# The demo on localhost, on embedded defaults: a simulated printer on a pty and a
# headless print streamed to it with live status lines. Later issues add the relay, the
# web UI and the camera. Usage: deploy/demo.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: deploy/demo.sh BUILD_DIR}
sim="$build/printer/sim/printgate-sim"
edge="$build/edge/printgate-edge"
work=$(mktemp -d "${TMPDIR:-/tmp}/printgate-demo-XXXXXX")
trap 'kill "${sim_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

# A small vase: 0.2 mm layers of short segments around a 20 mm circle, about a minute.
# It does not wait for heat (M104/M140, not M109/M190) so the demo starts at once; the
# simulated heaters rise at a real hotend's pace while it prints.
awk 'BEGIN {
  print "; printgate demo part"; print "M140 S60"; print "M104 S210"; print "G28";
  print "G90"; print "M83";
  z = 0.2; n = 0
  for (layer = 0; layer < 12; layer++) {
    printf "G1 Z%.2f F1200\n", z; z += 0.2
    for (i = 0; i < 400; i++) { a = i * 6.2832 / 400
      printf "G1 X%.3f Y%.3f E0.0157 F3000\n", 110 + 20 * cos(a), 110 + 20 * sin(a) }
  }
  print "M104 S0"; print "M140 S0"; print "G91"; print "G1 Z10"; print "G90"; print "M84"
}' > "$work/demo.gcode"

"$sim" --pty "$work/printer.tty" --hotend-tau 20 --bed-tau 30 --home-time 1 --log "$work/sim.log" \
  > "$work/sim.out" 2> "$work/sim.err" &
sim_pid=$!
for _ in $(seq 100); do grep -q ready "$work/sim.out" 2>/dev/null && break; sleep 0.1; done

echo "printgate demo: simulated printer on $work/printer.tty (a Marlin-like firmware on a real pty)"
echo "printing $(grep -c '^G1' "$work/demo.gcode") moves; Ctrl-C cancels the print"
echo
"$edge" print --port "$work/printer.tty" "$work/demo.gcode"
