#!/usr/bin/env bash
# Smoke test of a built DVW bundle (make bundle-test): run it with no Python on PATH, check that its manifest is the
# source tree's, that the self-test passes (writing the IQ/OQ record), that the demo gives both verdicts and that the
# GUI opens and closes under Xvfb. Prints the bundle's size and start-up times.
#   installer/smoke_test.sh BUNDLE_DIR SOURCE_MANIFEST_JSON
set -euo pipefail
bundle="$(cd "$1" && pwd)"
source_manifest="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
dvw="$bundle/dvw"
work="$(mktemp -d -t dvw-bundle-test-XXXXXX)"
trap 'rm -rf "$work"' EXIT
# No Python anywhere the bundle could find one: a bare PATH, no PYTHON* variables, a fresh HOME and, where a private
# mount namespace can be made (root), every Python installation on the machine hidden under an empty tmpfs and every
# python executable replaced by /dev/null.
repo="$(cd "$(dirname "$0")/.." && pwd)"
cat > "$work/no-python.sh" <<SCRIPT
#!/bin/sh
set -e
for d in /usr/lib/python3* /usr/local/lib/python3* /root/.pyenv /opt/python* "$repo/.venv"; do
  [ -d "\$d" ] && mount -t tmpfs none "\$d"
done
for f in /usr/bin/python* /usr/local/bin/python*; do
  [ -e "\$f" ] && mount --bind /dev/null "\$f"
done
exec "\$@"
SCRIPT
chmod +x "$work/no-python.sh"
if unshare -m --propagation private "$work/no-python.sh" sh -c '! python3 -c 1 2>/dev/null' 2>/dev/null; then
  hide=(unshare -m --propagation private "$work/no-python.sh")
  echo "python: every installation hidden (private mount namespace)"
else
  hide=()
  echo "python: not hidden (no mount namespace here); bare environment only"
fi
run() {
  "${hide[@]}" env -i PATH=/usr/bin:/bin HOME="$work" LANG=C.UTF-8 ${DISPLAY:+DISPLAY="$DISPLAY"} \
    ${XAUTHORITY:+XAUTHORITY="$XAUTHORITY"} "$dvw" --home "$work/home" "$@"
}
seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N); echo "$end - $start" | bc; }

echo "bundle: $bundle ($(du -sh "$bundle" | cut -f1), $(find "$bundle" -type f | wc -l) files)"
if ldd "$bundle/_internal/libpython"* >/dev/null 2>&1; then echo "libpython: bundled"; fi
echo "start-up: dvw --version $(seconds run --version) s (first), $(seconds run --version) s (again)"
run --version

run manifest --json > "$work/bundle-manifest.json"
python_free_compare() {
  # Compare with jq-free shell tools: one "path hash" line per file, and the library versions, must be identical.
  local a="$1" b="$2"
  diff <(tr ',' '\n' < "$a" | grep -E '"[^"]+": "[0-9a-f]{64}"' | sort) \
       <(tr ',' '\n' < "$b" | grep -E '"[^"]+": "[0-9a-f]{64}"' | sort)
}
if ! python_free_compare "$work/bundle-manifest.json" "$source_manifest" >/dev/null; then
  echo "FAIL: the bundle's files differ from the source tree's:" >&2
  python_free_compare "$work/bundle-manifest.json" "$source_manifest" >&2 || true
  exit 1
fi
bundle_id=$(grep -o '"manifest_id": "[0-9a-f]*"' "$work/bundle-manifest.json")
source_id=$(grep -o '"manifest_id": "[0-9a-f]*"' "$source_manifest")
echo "manifest: bundle $bundle_id, source $source_id"
[ "$bundle_id" = "$source_id" ] || { echo "FAIL: manifest IDs differ (version or library versions)" >&2; exit 1; }

# The workstation is set up with its administrator, who runs the self-test and records the demo's cases.
printf 'smoke-test-password\n' | run setup --admin smoke --name "Bundle smoke test" --password-stdin
printf 'smoke-test-password\n' | run selftest --user smoke --password-stdin --report "$work/iq-oq.pdf" | tail -2
[ -s "$work/iq-oq.pdf" ] || { echo "FAIL: no IQ/OQ record" >&2; exit 1; }
run manifest --json | grep -q '"validated": true' || { echo "FAIL: not validated after selftest" >&2; exit 1; }

printf 'smoke-test-password\n' | run demo --out "$work/demo" --user smoke --password-stdin > "$work/demo.txt" 2>&1
grep -q "WITHIN" "$work/demo.txt" && grep -q "OUT_OF_ENVELOPE" "$work/demo.txt" \
  || { cat "$work/demo.txt" >&2; echo "FAIL: the demo did not give both verdicts" >&2; exit 1; }
echo "demo: both verdicts ($(grep -c . "$work/demo.txt") lines of output)"
# The GUI: `dvw` with no arguments opens the window; it closes itself after 4 s (a user closing it).
if [ -n "${DISPLAY:-}" ]; then
  start=$(date +%s.%N)
  run_gui_code=0
  "${hide[@]}" env -i PATH=/usr/bin:/bin HOME="$work" LANG=C.UTF-8 DISPLAY="$DISPLAY" \
    ${XAUTHORITY:+XAUTHORITY="$XAUTHORITY"} DVW_GUI_QUIT_AFTER_MS=4000 DVW_HOME="$work/home" "$dvw" \
    > "$work/gui.txt" 2>&1 || run_gui_code=$?
  end=$(date +%s.%N)
  [ "$run_gui_code" = 0 ] || { cat "$work/gui.txt" >&2; echo "FAIL: the GUI exited with $run_gui_code" >&2; exit 1; }
  echo "gui: opened and closed in $(echo "$end - $start" | bc) s (4 s of it open), exit 0"
else
  echo "FAIL: no X display for the GUI check (run under xvfb-run)" >&2; exit 1
fi
echo "PASS: bundle smoke test"
