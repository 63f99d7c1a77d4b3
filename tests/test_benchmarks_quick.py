"""``benchmarks/bench_core.py --quick`` runs and produces its report (not timings)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "bench_core.py"


def _cells(line: str) -> list[str]:
    """The cells of a Markdown table row (``\\|`` is an escaped bar, not a border)."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]


@pytest.mark.skipif(not SCRIPT.exists(), reason="benchmarks/ is not part of this checkout")
def test_bench_core_quick_writes_a_markdown_report(tmp_path):
    out = tmp_path / "bench.md"
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--out", str(out)],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = out.read_text(encoding="utf-8")
    assert report in proc.stdout  # the same report is printed
    # provenance and the machine are recorded
    assert "Versions: bayespersuade" in report and "highspy" in report
    assert "Machine: " in report and "base seed 20260101" in report
    # the float table has one row per quick size, each with two positive times
    header = next(line for line in report.splitlines() if line.startswith("| Size (states"))
    assert "cvxpy + HiGHS" in header and "Speed-up" in header
    for size in ("2 × 7", "10 × 10"):
        row = next(line for line in report.splitlines() if line.startswith(f"| {size} |"))
        cells = _cells(row)
        assert len(cells) == len(_cells(header)) == 11
        times = [c for c in cells if re.fullmatch(r"[0-9.]+ (µs|ms|s)", c)]
        assert len(times) == 2
        assert re.fullmatch(r"[0-9.]+×", cells[7])
    # the other sections and the target check are there
    for heading in ("## 2. Batch", "## 3. Exact certification", "## 4. Peak memory",
                    "## Targets"):
        assert heading in report
    assert re.search(r"\| 10 × 10 \| \d+ \| .* \| yes \|", report)  # certified exactly
    assert "(extrapolated)" in report  # --quick extrapolates the loops, and says so
