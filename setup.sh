#!/usr/bin/env bash
# Set up the course in a local virtual environment (.venv) and open JupyterLab.
#
#   bash setup.sh            # install (first time) and open JupyterLab on notebooks/
#   bash setup.sh --no-lab   # install only
#   bash setup.sh --test     # also install the test tools (run_tests.sh does this)
#
# Re-running is cheap: packages are reinstalled only when requirements change.
# Environment: PYTHON (interpreter to build the venv with, default python3),
# TORCH_VERSION (default 2.13.0). Torch is installed first, as a CPU build on
# Linux machines without an NVIDIA GPU, so pip never pulls a multi-GB CUDA build there.
set -euo pipefail
cd "$(dirname "$0")"

launch_lab=1
extras=""
for arg in "$@"; do
  case "$arg" in
    --no-lab) launch_lab=0 ;;
    --test) extras="[test]" ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (use --no-lab, --test or --help)" >&2; exit 2 ;;
  esac
done
[ -n "${CI:-}" ] && launch_lab=0

PYTHON=${PYTHON:-python3}
TORCH_VERSION=${TORCH_VERSION:-2.13.0}

if ! "$PYTHON" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] <= (3, 13)))' 2>/dev/null; then
  echo "setup.sh: the course needs Python 3.11, 3.12 or 3.13; '$PYTHON' is $("$PYTHON" --version 2>&1)." >&2
  echo "          Point PYTHON at a suitable interpreter, e.g. PYTHON=python3.12 bash setup.sh" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo ">> creating .venv with $("$PYTHON" --version)"
  "$PYTHON" -m venv .venv
fi
PY=.venv/bin/python
PIP="$PY -m pip --disable-pip-version-check"

if ! $PY -c "import torch" 2>/dev/null; then
  if [ "$(uname -s)" = "Linux" ] && ! command -v nvidia-smi >/dev/null 2>&1; then
    echo ">> installing torch $TORCH_VERSION (CPU build: no NVIDIA GPU found)"
    $PIP install -q "torch==$TORCH_VERSION" --extra-index-url https://download.pytorch.org/whl/cpu --retries 1 --timeout 15
  else
    echo ">> installing torch $TORCH_VERSION"
    $PIP install -q "torch==$TORCH_VERSION"
  fi
fi

stamp=.venv/.course-installed
want="$(cat requirements.txt pyproject.toml | cksum)$extras"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo ">> installing the course's requirements${extras:+ and test tools}"
  $PIP install -q -r requirements.txt
  $PIP install -q -e ".$extras"
  echo "$want" > "$stamp"
fi
$PY -c "import course_utils, torch; print(f'>> ready: course_utils {course_utils.__version__}, torch {torch.__version__}')"

if [ "$launch_lab" = 1 ]; then
  exec .venv/bin/jupyter lab notebooks/
fi
