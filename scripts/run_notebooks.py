#!/usr/bin/env python
"""Execute the notebooks kept as jupytext "percent" scripts, failing loudly.

The repository keeps each notebook only as a plain-text source,
``notebooks/NN_name.py`` in jupytext's percent format.  This script converts
each source to a notebook, executes it top to bottom with nbclient in a
``python3`` kernel of the active environment, and exits non-zero if any cell
raises, printing the notebook, the failing cell's source and the error.

Usage::

    python scripts/run_notebooks.py notebooks                # all notebooks
    python scripts/run_notebooks.py notebooks/01_quickstart.py
    python scripts/run_notebooks.py notebooks --out executed  # keep the .ipynb files

Executed notebooks are written to ``--out`` (default: a temporary folder
that is removed afterwards).  Each notebook runs in its own folder's copy,
so notebooks that write files leave nothing behind in the repository.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _sources(paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(q for q in p.glob("*.py") if not q.name.startswith("_")))
        elif p.is_file() and p.suffix == ".py":
            out.append(p)
        else:
            raise SystemExit(f"run_notebooks: {p} is neither a folder nor a .py notebook source")
    if not out:
        raise SystemExit(f"run_notebooks: no notebook sources (*.py) in {', '.join(paths)}")
    return out


def _failing_cell(nb, exc) -> tuple[int | None, str]:
    """The index and source of the cell that raised (nbclient records it on the error)."""
    idx = getattr(exc, "cell_index", None)
    if idx is None:
        for i, cell in enumerate(nb.cells):
            for o in cell.get("outputs", []):
                if o.get("output_type") == "error":
                    idx = i
    if idx is None:
        return None, ""
    return idx, nb.cells[idx].source


def run_one(src: Path, out_dir: Path, timeout: int, kernel: str) -> float:
    import jupytext
    import nbformat
    from jupyter_client import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = jupytext.read(src, fmt="py:percent")
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": "Python 3",
                                 "language": "python"}
    work = Path(tempfile.mkdtemp(prefix=f"nb-{src.stem}-"))
    env_backend = os.environ.get("MPLBACKEND")
    # Headless, but figures still land in the executed notebook: the kernel
    # inherits this (CI exports MPLBACKEND=Agg, which would drop them).
    os.environ["MPLBACKEND"] = INLINE_BACKEND
    # IPC sockets rather than TCP on loopback: nothing listens on a port, and
    # recent kernels warn about unencrypted TCP.  (Unix socket paths are limited
    # to about 100 bytes; a very long temporary folder falls back to TCP.)
    ipc = str(work / "kernel-ipc")
    km = (KernelManager(kernel_name=kernel, transport="ipc", ip=ipc) if len(ipc) < 80
          else KernelManager(kernel_name=kernel))
    client = NotebookClient(nb, km=km, timeout=timeout, kernel_name=kernel,
                            resources={"metadata": {"path": str(work)}})
    t0 = time.perf_counter()
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        idx, source = _failing_cell(nb, exc)
        failed = out_dir / f"{src.stem}.FAILED.ipynb"
        nbformat.write(nb, failed)
        bar = "=" * 78
        message = _ANSI.sub("", str(exc))
        where = f", cell {idx}" if idx is not None else ""
        print(f"\n{bar}\nNOTEBOOK FAILED: {src}{where}", file=sys.stderr)
        if idx is not None and source not in message:
            print(f"{'-' * 78}\n{source}\n{'-' * 78}", file=sys.stderr)
        print(message, file=sys.stderr)
        print(f"{bar}\npartially executed notebook: {failed}", file=sys.stderr)
        raise
    finally:
        if km.has_kernel:  # nbclient shuts down only kernels it started itself
            km.shutdown_kernel(now=True)
        if env_backend is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = env_backend
        shutil.rmtree(work, ignore_errors=True)
    elapsed = time.perf_counter() - t0
    nbformat.write(nb, out_dir / f"{src.stem}.ipynb")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+", help="notebook sources (*.py) or folders of them")
    ap.add_argument("--out", help="write the executed .ipynb files here (default: a temp dir)")
    ap.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    ap.add_argument("--kernel", default="python3", help="Jupyter kernel name (default python3)")
    args = ap.parse_args(argv)

    sources = _sources(args.paths)
    tmp = None
    if args.out:
        out_dir = Path(args.out)
        out_dir.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.mkdtemp(prefix="executed-notebooks-")
        out_dir = Path(tmp)
    failures = []
    try:
        for src in sources:
            print(f"[notebooks] {src} ...", flush=True)
            try:
                secs = run_one(src.resolve(), out_dir, args.timeout, args.kernel)
            except Exception as exc:  # report every notebook, then fail
                failures.append((src, exc))
                continue
            print(f"[notebooks] {src}: ok in {secs:.1f} s", flush=True)
    finally:
        if tmp is not None and not failures:
            shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print(f"[notebooks] {len(failures)} of {len(sources)} notebook(s) failed: "
              + ", ".join(str(s) for s, _ in failures), file=sys.stderr)
        return 1
    if args.out:
        print(f"[notebooks] executed notebooks written to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
