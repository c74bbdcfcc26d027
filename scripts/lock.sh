#!/usr/bin/env bash
# Refresh the locks in requirements/ from pyproject.toml, to the newest releases its ranges allow.
#
#   bash scripts/lock.sh              # everything to the newest allowed release
#   bash scripts/lock.sh -P fastapi   # only fastapi (extra arguments go to `uv pip compile`)
#
# Writes three files (resolved for Python 3.11 and newer, on every platform):
#   requirements/run.txt     the runtime dependencies, with hashes (README's first command)
#   requirements/test.txt    run.txt plus the test, lint and docs tools, with hashes (README's test command, .ci/run)
#   requirements/lowest.txt  every direct dependency at the lower bound pyproject.toml names (.ci/run
#                            runs the quick suite on it, so the lower bounds are ones we test)
# Then test the refreshed locks before committing them: `bash .ci/run` installs exactly these files into
# new virtual environments and runs everything.
set -euo pipefail
cd "$(dirname "$0")/.."
uv=$(command -v uv || true)
if [ -z "$uv" ]; then
  tools=${TMPDIR:-/tmp}/feedindex-lock-tools
  [ -x "$tools/bin/uv" ] || { python3 -m venv "$tools" && "$tools/bin/python" -m pip install -q 'uv>=0.9'; }
  uv=$tools/bin/uv
fi
common=(--universal --python-version 3.11 --no-header --quiet)
upgrade=(--upgrade)
[ "$#" -gt 0 ] && upgrade=("$@")
"$uv" pip compile pyproject.toml "${common[@]}" --generate-hashes "${upgrade[@]}" -o requirements/run.txt
"$uv" pip compile pyproject.toml --extra test -c requirements/run.txt "${common[@]}" --generate-hashes "${upgrade[@]}" \
  -o requirements/test.txt
# No hashes here: pip's hash-checking mode refuses the `pkg[extra]` requirements some old releases declare.
"$uv" pip compile pyproject.toml --extra test --resolution lowest-direct "${common[@]}" "${upgrade[@]}" \
  -o requirements/lowest.txt
echo "requirements/{run,test,lowest}.txt written; now run: bash .ci/run" >&2
