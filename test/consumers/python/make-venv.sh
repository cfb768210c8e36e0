#!/usr/bin/env bash
# Creates (or reuses) the consumer's virtual environment and installs into it the pinned CDK
# dependencies and the freshly built wheel of the library from dist/python/.
#   test/consumers/python/make-venv.sh [VENV_DIR]     (default: test/consumers/python/.venv)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
venv="${1:-$here/.venv}"

shopt -s nullglob
wheels=("$root"/dist/python/cdk_multi_region_delivery_pipeline-*.whl)
if [ "${#wheels[@]}" -ne 1 ]; then
  echo "make-venv: expected exactly one wheel in dist/python/, found ${#wheels[@]}; run 'npx projen package:python' first" >&2
  exit 1
fi

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip --quiet --disable-pip-version-check)
# the pinned dependencies, then the library (its own dependencies resolve against the pins)
"${pip[@]}" install -r "$here/requirements.txt" "${wheels[0]}"
# the wheel's version (0.0.0 in development) does not change between builds: pip would keep an
# older build installed, so reinstall the library itself every time
"${pip[@]}" install --force-reinstall --no-deps "${wheels[0]}"
"$venv/bin/python" - "${wheels[0]}" <<'PY'
import sys, importlib.metadata as md
print(f"make-venv: {sys.argv[1].rsplit('/', 1)[-1]} installed; "
      f"aws-cdk-lib {md.version('aws-cdk-lib')}, constructs {md.version('constructs')}, jsii {md.version('jsii')}")
PY
