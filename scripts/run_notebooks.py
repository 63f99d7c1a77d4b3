#!/usr/bin/env python
"""Execute the example notebooks and fail loudly if any cell fails.

The notebooks are kept in the repository as plain-text sources
(``notebooks/NN_name.py``, jupytext "percent" format); no ``.ipynb`` with
outputs is committed.  This script converts each source to a notebook with
jupytext, executes it top to bottom with nbclient in a ``python3`` kernel
running *this* interpreter (the active virtual environment), and

* prints one line per notebook with its wall-clock time;
* on an error, prints the notebook, the failing cell's source and the
  traceback, goes on with the remaining notebooks, and exits with status 1;
* writes every executed notebook (also a failed one, up to the failing cell)
  as ``.ipynb`` into ``--out`` (default: a temporary folder, removed at the
  end unless ``--keep``).

Usage::

    python scripts/run_notebooks.py notebooks              # all notebooks/NN_*.py
    python scripts/run_notebooks.py notebooks/01_quickstart.py --out build/nb

Each notebook runs with its own folder as working directory, as it would in
Jupyter.  ``--max-seconds`` (default 120) turns a notebook that runs longer
into a failure, so that the notebooks stay small enough for CI.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _sources(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(sorted(q for q in p.glob("[0-9][0-9]_*.py") if q.is_file()))
        elif p.is_file() and p.suffix == ".py":
            found.append(p)
        else:
            raise SystemExit(f"run_notebooks: error: {p} is neither a folder nor a .py notebook")
    if not found:
        raise SystemExit(f"run_notebooks: error: no notebooks (NN_name.py) in {', '.join(paths)}")
    return found


def _kernel_dir(root: Path) -> Path:
    """A ``python3`` kernel spec that runs this interpreter (put first on JUPYTER_PATH)."""
    spec = root / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python 3 ({sys.prefix})",
        "language": "python",
        "metadata": {"debugger": False},
    }), encoding="utf-8")
    return root


def _run_one(src: Path, out_dir: Path, timeout: int, max_seconds: float) -> tuple[bool, float]:
    import jupytext
    import nbformat
    from jupyter_client import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = jupytext.read(src)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    # The kernel talks over Unix sockets in a private folder rather than TCP on
    # loopback: no port is opened, and ipykernel does not warn about
    # unencrypted TCP.  Socket paths are limited to about 100 bytes, so a very
    # long temporary folder falls back to TCP.
    sockets = Path(tempfile.mkdtemp(prefix="bp-kernel-"))
    ipc = str(sockets / "k")
    km = (KernelManager(kernel_name="python3", transport="ipc", ip=ipc) if len(ipc) < 80
          else KernelManager(kernel_name="python3"))
    client = NotebookClient(nb, km=km, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(src.parent.resolve())}})
    t0 = time.perf_counter()
    ok = True
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        ok = False
        failing = next((c for c in nb.cells if c.cell_type == "code" and any(
            o.get("output_type") == "error" for o in c.get("outputs", []))), None)
        print(f"\n{'=' * 78}\nFAILED: {src}", file=sys.stderr)
        if failing is not None:
            print(f"--- failing cell (execution count {failing.get('execution_count')}):",
                  file=sys.stderr)
            print(failing.source, file=sys.stderr)
        print("--- error:", file=sys.stderr)
        print(_ANSI.sub("", str(exc)), file=sys.stderr)
        print("=" * 78, file=sys.stderr)
    except Exception:  # the kernel did not start, or nbclient itself failed
        ok = False
        print(f"\n{'=' * 78}\nFAILED: {src} (could not execute it)", file=sys.stderr)
        traceback.print_exc()
        print("=" * 78, file=sys.stderr)
    finally:
        if km.has_kernel:  # nbclient shuts down only the kernels it started itself
            km.shutdown_kernel(now=True)
        shutil.rmtree(sockets, ignore_errors=True)
    elapsed = time.perf_counter() - t0
    target = out_dir / (src.stem + ".ipynb")
    nbformat.write(nb, target)
    if ok and elapsed > max_seconds:
        ok = False
        print(f"FAILED: {src} ran {elapsed:.1f} s, longer than --max-seconds {max_seconds:g}",
              file=sys.stderr)
    return ok, elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", help="notebook sources, or folders holding them")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="write the executed notebooks (.ipynb) here "
                             "(default: a temporary folder)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder and print its path")
    parser.add_argument("--timeout", type=int, default=600,
                        help="seconds allowed to one cell (default 600)")
    parser.add_argument("--max-seconds", type=float, default=120.0,
                        help="seconds allowed to one notebook (default 120)")
    args = parser.parse_args(argv)

    sources = _sources(args.paths)
    tmp = Path(tempfile.mkdtemp(prefix="bp-notebooks-"))
    out_dir = Path(args.out) if args.out else tmp / "executed"
    out_dir.mkdir(parents=True, exist_ok=True)
    jupyter_path = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(_kernel_dir(tmp / "jupyter"))] + ([jupyter_path] if jupyter_path else []))
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    # Figures go into the executed notebooks (matplotlib's inline backend is
    # headless); CI exports MPLBACKEND=Agg, which the kernel would inherit and
    # which would drop them.
    mpl_backend = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    failed = []
    try:
        for src in sources:
            ok, elapsed = _run_one(src, out_dir, args.timeout, args.max_seconds)
            print(f"{'ok    ' if ok else 'FAILED'} {elapsed:6.1f} s  {src}", flush=True)
            if not ok:
                failed.append(src)
    finally:
        if mpl_backend is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = mpl_backend
        if jupyter_path is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = jupyter_path
        shutil.rmtree(tmp / "jupyter", ignore_errors=True)
        if args.out is None and (args.keep or failed):
            print(f"executed notebooks in {out_dir}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if failed:
        print(f"{len(failed)} of {len(sources)} notebook(s) failed: "
              + ", ".join(str(s) for s in failed), file=sys.stderr)
        return 1
    print(f"all {len(sources)} notebook(s) ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
