# Shared helpers for scripts/*: sourced, not run.
set -euo pipefail
SLUICE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export SLUICE_ROOT

say()  { printf '\033[1m==> %s\033[0m\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

# configs/lab.toml (or $1) for `sluice run --mode xdp` in the lab, on stdout: the same file with
# `[xdp] attach = "generic"`. On the lab's veths a frame sent back with XDP_TX in native mode
# did not reach the peer (docs/xdp.md, "Tests"); generic XDP transmits through the stack.
lab_xdp_config() {
  sed 's/^\[console\]/[xdp]\nattach = "generic"\n\n[console]/' "${1:-$SLUICE_ROOT/configs/lab.toml}"
}

need_root() {
  [ "$(id -u)" -eq 0 ] || die "$1 needs root (network namespaces, XDP, DPDK): run it with sudo"
}

# The `listen` value of [SECTION] in a sluice TOML file ($2), e.g. "127.0.0.1:7070"; empty
# when the section or key is absent or disabled ("").
listen_address() {
  awk -v section="[$1]" '
    /^\[/ { inside = ($1 == section) }
    inside && $1 == "listen" { value = $3; gsub(/"/, "", value); print value; exit }
  ' "$2"
}

# Phase timings for scripts/demo: `phase_done NAME` records how long since the last call
# (or since the script started); `phase_report` prints them on one line.
PHASES=()
PHASE_STARTED=$SECONDS
phase_done() {
  PHASES+=("$1 $((SECONDS - PHASE_STARTED)) s")
  PHASE_STARTED=$SECONDS
}
phase_report() {
  local IFS=,
  echo "timings: ${PHASES[*]}" | sed 's/,/, /g'
}
