#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up, lint, tests (doctests and the
# SmolLM2 smoke test included), the documentation build and the notebooks.
#   bash scripts/test.sh            everything
#   bash scripts/test.sh --quick    lint + tests without the slow SmolLM2 smoke test
EXTRAS="llm,openai,inspect,rl,test,docs,notebooks"
# shellcheck source=scripts/_env.sh
. "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1

echo "[test] ruff"
ruff check .

echo "[test] pytest"
if [ "$QUICK" = 1 ]; then
  python -m pytest -q -m "not smollm2"
else
  python -m pytest -q
fi

if [ "$QUICK" = 0 ]; then
  if [ -f docs/conf.py ]; then
    echo "[test] documentation (warnings are errors)"
    python -m sphinx -W --keep-going -q -b html docs docs/_build/html
    python -m sphinx -W --keep-going -q -b doctest docs docs/_build/doctest
  fi
  if ls notebooks/*.py >/dev/null 2>&1; then
    echo "[test] notebooks"
    python scripts/run_notebooks.py notebooks
  fi
  echo "[test] CITATION.cff"
  if [ ! -x .venv-cff/bin/cffconvert ]; then
    python -m venv .venv-cff
    .venv-cff/bin/python -m pip install -q cffconvert==2.0.0 \
      2> >(grep -v "^WARNING: Location 'file://" >&2)
  fi
  .venv-cff/bin/cffconvert --validate -i CITATION.cff
fi
echo "[test] all passed"
