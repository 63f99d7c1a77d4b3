"""``benchmarks/bench_beyond.py --quick`` runs, and its two-method checks agree (not timings)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "bench_beyond.py"


@pytest.mark.skipif(not SCRIPT.exists(), reason="benchmarks/ is not part of this checkout")
def test_bench_beyond_quick(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, str(SCRIPT), "--quick"], capture_output=True,
                          text=True, cwd=tmp_path, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-3000:]
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| ")][1:]
    assert len(rows) == 15
    assert sum("agrees" in r for r in rows) == 4 and "DISAGREES" not in proc.stdout
    assert any(r.startswith("| audience 10 x 7 x 2, public, exact envelope |") for r in rows)
    assert any(r.startswith("| 200-node Barabási-Albert") for r in rows)
