#!/usr/bin/env bash
# Run the whole test suite: lint, notebook hygiene, unit tests, every notebook executed top to
# bottom (nbval) in quick mode AND in full mode (what learners run), a Colab-like run of every
# student notebook and a real browser (JupyterLab in headless Chromium). Sets up .venv first.
#
#   bash run_tests.sh                 # everything
#   bash run_tests.sh -k checks       # extra arguments go to the first pytest run (unit tests + quick mode)
#   TEST_FULL_MODE=0 bash run_tests.sh   # skip the full-mode notebooks and the end-to-end tests
set -euo pipefail
cd "$(dirname "$0")"
start=$(date +%s)

# System tools the tests need: bubblewrap (the grader's sandbox) and Chromium (the browser test).
need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || need+=(chromium)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo ">> installing ${need[*]} (apt-get)"
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
  else
    echo "run_tests.sh: please install ${need[*]} (e.g. sudo apt-get install ${need[*]})" >&2
  fi
fi

bash setup.sh --no-lab --test
PY=.venv/bin/python

echo ">> ruff"
$PY -m ruff check course_utils course_tools tests

echo ">> notebook hygiene (no outputs, kernelspec, nbgrader metadata, student versions up to date)"
$PY -m course_tools nb check notebooks/[0-9]*.ipynb
$PY -m course_tools student --check

export MPLBACKEND=Agg
NBVAL=(--nbval-lax --nbval-current-env --nbval-cell-timeout=900 -p no:cacheprovider)
set +e
echo ">> pytest: unit tests and notebooks (quick mode)"
WGAN_COURSE_QUICK=1 $PY -m pytest tests notebooks/[0-9]*.ipynb "${NBVAL[@]}" \
  -n "${PYTEST_WORKERS:-2}" --dist loadfile --durations=15 "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "run_tests.sh: pytest collected no tests; the test paths or filters are wrong." >&2
fi
if [ "${TEST_FULL_MODE:-1}" != 0 ]; then
  echo ">> notebooks in FULL mode (what learners run; one at a time, so no notebook competes for the CPU)"
  WGAN_COURSE_QUICK=0 $PY -m pytest notebooks/[0-9]*.ipynb "${NBVAL[@]}" --durations=10
  rc_full=$?; [ "$rc" -eq 0 ] && rc=$rc_full
  echo ">> end to end: Colab-like run of every student notebook, JupyterLab in headless Chromium"
  $PY -m pytest tests/e2e/colab_like.py tests/e2e/browser.py -p no:cacheprovider -q
  rc_e2e=$?; [ "$rc" -eq 0 ] && rc=$rc_e2e
fi
set -e
echo ">> finished in $(( $(date +%s) - start )) s with exit code $rc"
exit "$rc"
