"""Benchmark: ceilings of all 907 PERSPECTRUM claims, batch vs one LP per instance.

Run::

    python benchmarks/bench_ceilings.py [--split all] [--repeat 3] [--no-lp]
                                        [--data-dir PATH] [--out results.csv]

For each instance family and loss it builds every claim's prior (after
loading, which is not timed), then times

* **batch**: :func:`bayespersuade.instances.ceilings.ceiling_table` with
  ``method="batch"`` (one concave envelope for all claims; best of
  ``--repeat`` runs), against the issue's target of one second;
* **lp**: the same table with ``method="lp"``, one revelation-principle LP per
  claim (one run);

and reports their ratio and the largest difference between the two tables'
``V`` and ceilings (a correctness check that runs with every benchmark).
Each row is printed, and appended to ``--out``, as soon as it is measured.
"""

from __future__ import annotations

import argparse
import csv
import platform
import sys
import time
from pathlib import Path

import numpy as np

from bayespersuade.datasets import load_embedded, load_perspectrum
from bayespersuade.instances.ceilings import ceiling_table

CONFIGS = [
    ("evidence-stance", "quadratic"), ("evidence-stance", "absolute"),
    ("binary-truth", "quadratic"), ("binary-truth", "absolute"),
    ("normative-position", "quadratic"), ("normative-position", "absolute"),
]
TARGET_S = 1.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="all", choices=("all", "train", "dev", "test"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-lp", action="store_true", help="skip the one-LP-per-instance runs")
    ap.add_argument("--data-dir", default=None,
                    help="upstream PERSPECTRUM folder (default: the bundled copy)")
    ap.add_argument("--out", default=None, help="append rows to this CSV as they are measured")
    args = ap.parse_args(argv)

    res = (load_perspectrum(args.data_dir, split=args.split, strict=True) if args.data_dir
           else load_embedded("perspectrum", split=args.split))
    records = res.records
    print(f"PERSPECTRUM ({args.split}): {len(records)} claims; Python "
          f"{platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    ceiling_table(records[:5], "normative-position")  # warm imports and caches, untimed
    header = ["family", "loss", "n", "batch_s", "batch_method", "under_1s", "lp_s", "ratio",
              "max_abs_diff_V", "max_abs_diff_ceiling", "mean_ceiling"]
    print(f"{'family':20s} {'loss':9s} {'n':>5s} {'batch s':>9s} {'<1 s':>5s} {'lp s':>8s} "
          f"{'lp/batch':>9s} {'max|dV|':>9s}  batch method")
    writer = None
    if args.out:
        new = not Path(args.out).exists()
        fh = open(args.out, "a", newline="")  # noqa: SIM115
        writer = csv.writer(fh)
        if new:
            writer.writerow(header)
    for family, loss in CONFIGS:
        times = []
        for _ in range(max(1, args.repeat)):
            t0 = time.perf_counter()
            batch = ceiling_table(records, family, loss=loss)
            times.append(time.perf_counter() - t0)
        tb = min(times)
        if args.no_lp:
            tl = ratio = dv = dc = float("nan")
        else:
            t0 = time.perf_counter()
            lp = ceiling_table(records, family, loss=loss, method="lp")
            tl = time.perf_counter() - t0
            ratio = tl / tb
            dv = float(np.abs(batch["V"].to_numpy() - lp["V"].to_numpy()).max())
            dc = float(np.abs(batch["ceiling"].to_numpy() - lp["ceiling"].to_numpy()).max())
        row = [family, loss, len(batch), round(tb, 4), batch.attrs["method"],
               "yes" if tb < TARGET_S else "NO", round(tl, 3), round(ratio, 1), f"{dv:.1e}",
               f"{dc:.1e}", round(float(batch["ceiling"].mean()), 6)]
        print(f"{family:20s} {loss:9s} {len(batch):5d} {tb:9.4f} {row[5]:>5s} {tl:8.3f} "
              f"{ratio:9.1f} {dv:9.1e}  {batch.attrs['method']}", flush=True)
        if writer is not None:
            writer.writerow(row)
            fh.flush()
    if writer is not None:
        fh.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
