#!/usr/bin/env bash
# Run the whole test suite: lint, notebook hygiene, unit tests, and every notebook
# executed top to bottom (nbval) in quick mode. Sets up .venv first if needed.
#
#   bash run_tests.sh            # everything
#   bash run_tests.sh -k checks  # extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")"
start=$(date +%s)

bash setup.sh --no-lab --test
PY=.venv/bin/python

echo ">> ruff"
$PY -m ruff check course_utils tests tools

echo ">> notebook hygiene (no outputs, kernelspec, nbgrader metadata)"
$PY -m tools.nbtools check notebooks/[0-9]*.ipynb
$PY -m course_utils.student --check

echo ">> pytest: unit tests and notebooks (quick mode)"
export WGAN_COURSE_QUICK=1 MPLBACKEND=Agg
set +e
$PY -m pytest tests notebooks/[0-9]*.ipynb --nbval-lax --nbval-current-env --nbval-cell-timeout=900 \
  -n "${PYTEST_WORKERS:-2}" --dist loadfile -p no:cacheprovider --durations=25 "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "run_tests.sh: pytest collected no tests; the test paths or filters are wrong." >&2
fi
echo ">> finished in $(( $(date +%s) - start )) s with exit code $rc"
exit "$rc"
