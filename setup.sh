#!/usr/bin/env bash
# Set up the course in a local virtual environment (.venv) and open JupyterLab on your
# own working copies of the notebooks (my_work/).
#
#   bash setup.sh            # install (first time), make my_work/, open JupyterLab there
#   bash setup.sh --no-lab   # install and make my_work/ only
#   bash setup.sh --test     # also install the test tools (run_tests.sh does this)
#
# my_work/ holds your copies of the student notebooks (notebooks/student/). It is ignored
# by git and never overwritten: after `git pull`, run `bash setup.sh` again and any NEW
# notebook is copied in; to take the new version of a notebook you already have, rename
# your copy (e.g. to 05_mine.ipynb) and run setup.sh again.
#
# Re-running is cheap: packages are reinstalled only when requirements change.
# Environment: PYTHON (interpreter to build the venv with, default python3; 3.11 to 3.13),
# TORCH_VERSION (default 2.13.0). On Linux without an NVIDIA GPU torch is the CPU build
# (never a multi-GB CUDA build), and the script checks that this is what was installed.
# Windows: use WSL (then this script inside it), or conda: see environment.yml.
set -euo pipefail
cd "$(dirname "$0")"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
die() { printf 'setup.sh: %s\n' "$1" >&2; shift; if [ $# -gt 0 ]; then printf '%s\n' "$@" >&2; fi; exit 1; }

launch_lab=1
extras=""
for arg in "$@"; do
  case "$arg" in
    --no-lab) launch_lab=0 ;;
    --test) extras="[test]" ;;
    -h|--help) usage; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (use --no-lab, --test or --help)" >&2; exit 2 ;;
  esac
done
[ -n "${CI:-}" ] && launch_lab=0

case "$(uname -s)" in
  MINGW*|MSYS*|CYGWIN*)
    die "this script does not run on Windows itself. Either install WSL (https://learn.microsoft.com/windows/wsl/install)," \
        "  open an Ubuntu terminal, clone the course there and run 'bash setup.sh'; or use conda:" \
        "  conda env create -f environment.yml && conda activate wgan-course && jupyter lab my_work" ;;
esac

PYTHON=${PYTHON:-python3}
TORCH_VERSION=${TORCH_VERSION:-2.13.0}
CPU_INDEX=https://download.pytorch.org/whl/cpu

# --- the interpreter -------------------------------------------------------------------
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  die "'$PYTHON' was not found. Install Python 3.11, 3.12 or 3.13 and run e.g. PYTHON=python3.12 bash setup.sh"
fi
if ! version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); then
  where=$(command -v "$PYTHON")
  if [[ "$where" == */shims/* ]] && command -v pyenv >/dev/null 2>&1; then
    have=$(pyenv whence "$(basename "$PYTHON")" 2>/dev/null | head -n 1 || true)
    die "'$PYTHON' is a pyenv shim, but its Python is not active in this folder." \
        "  Run: pyenv shell ${have:-<version>}   (or: pyenv local ${have:-<version>}), then bash setup.sh again;" \
        "  or point PYTHON at the interpreter itself: PYTHON=$(pyenv root)/versions/${have:-<version>}/bin/python bash setup.sh"
  fi
  die "'$PYTHON' ($where) does not run. Point PYTHON at a working Python 3.11 to 3.13."
fi
case "$version" in
  3.11|3.12|3.13) ;;
  3.14) die "Python 3.14: torch $TORCH_VERSION has 3.14 wheels, but the course has not been run on 3.14 yet." \
            "  Use Python 3.11 to 3.13, e.g. PYTHON=python3.13 bash setup.sh" ;;
  *) die "the course needs Python 3.11, 3.12 or 3.13; '$PYTHON' is Python $version." \
         "  Point PYTHON at a suitable interpreter, e.g. PYTHON=python3.12 bash setup.sh" ;;
esac

if [ ! -x .venv/bin/python ]; then
  echo ">> creating .venv with Python $version"
  "$PYTHON" -m venv .venv || die "could not create .venv. On Debian/Ubuntu: sudo apt install python${version}-venv"
fi
PY=.venv/bin/python
PIP="$PY -m pip --disable-pip-version-check"

# --- torch: the CPU build where there is no NVIDIA GPU, and check what arrived -----------
want_cpu=0
if [ "$(uname -s)" = "Linux" ] && ! command -v nvidia-smi >/dev/null 2>&1; then
  want_cpu=1
fi
if ! $PY -c "import torch" 2>/dev/null; then
  if [ "$want_cpu" = 1 ]; then
    echo ">> installing torch $TORCH_VERSION (CPU build: no NVIDIA GPU found)"
    # the +cpu pin makes pip fail, instead of silently taking the CUDA build, when the CPU index is out of reach
    $PIP install -q "torch==$TORCH_VERSION+cpu" --extra-index-url "$CPU_INDEX" --retries 2 --timeout 30 ||
      die "could not install the CPU build of torch $TORCH_VERSION from $CPU_INDEX." \
          "  Check the network (a proxy: export HTTPS_PROXY=...), then run bash setup.sh again."
  else
    echo ">> installing torch $TORCH_VERSION"
    $PIP install -q "torch==$TORCH_VERSION"
  fi
fi
if [ "$want_cpu" = 1 ]; then
  cuda=$($PY -W ignore -c "import torch; print(torch.version.cuda or '')")
  if [ -n "$cuda" ]; then
    size=$(du -sh .venv 2>/dev/null | cut -f1)
    die "the CUDA $cuda build of torch is installed in .venv ($size), but this machine has no NVIDIA GPU." \
        "  Replace it with the CPU build (about 200 MB instead of several GB):" \
        "    $PY -m pip uninstall -y torch \$($PY -m pip list --format=freeze | grep -o '^nvidia-[^=]*')" \
        "    $PY -m pip install 'torch==$TORCH_VERSION+cpu' --index-url $CPU_INDEX" \
        "  then run bash setup.sh again."
  fi
fi

# --- the course's requirements -----------------------------------------------------------
stamp=.venv/.course-installed
want="$(cat requirements.txt pyproject.toml | cksum)$extras"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo ">> installing the course's requirements${extras:+ and test tools}"
  $PIP install -q -r requirements.txt
  $PIP install -q -e ".$extras"
  echo "$want" > "$stamp"
fi
$PY -c "import course_utils, torch; print(f'>> ready: course_utils {course_utils.__version__}, torch {torch.__version__}')"

# --- your working copies -------------------------------------------------------------------
mkdir -p my_work
copied=()
for nb in notebooks/student/[0-9][0-9]_*.ipynb; do
  [ -e "my_work/$(basename "$nb")" ] || { cp "$nb" my_work/; copied+=("$(basename "$nb")"); }
done
if [ "${#copied[@]}" -gt 0 ]; then
  echo ">> my_work/: copied ${copied[*]}"
fi
echo ">> your notebooks are in my_work/ (yours to edit; git ignores them and updates never overwrite them)"

if [ "$launch_lab" = 1 ]; then
  lab_args=()
  if [ "$(id -u)" = 0 ]; then
    echo ">> running as root (a container or cloud VM?): starting JupyterLab with --allow-root"
    lab_args+=(--allow-root)
  fi
  exec .venv/bin/jupyter lab ${lab_args[@]+"${lab_args[@]}"} my_work/
fi
