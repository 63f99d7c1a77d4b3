"""Local Hugging Face ``transformers`` causal language models.

``torch`` and ``transformers`` are imported only when a model is loaded (they
live behind the ``llm`` extra: ``pip install torch==2.13.0`` for the CPU wheel,
then ``pip install 'bayespersuade[llm]'``).

* **Generation** batches chats with left padding.  Sampling is plain
  temperature sampling (no top-k/top-p) with one ``torch.Generator`` per chat,
  seeded by that chat's seed, so a chat's sample does not depend on the other
  chats' seeds; at temperature 0 decoding is greedy.  The model's own
  ``generation_config`` sampling settings are *not* used: what is recorded is
  what was done.
* **Scoring** computes the exact log-probability of each candidate answer as
  the first tokens of the assistant reply: ``Σ_j log P(o_j | chat, o_<j)``,
  the chat rendered by the tokenizer's chat template with the generation
  prompt.  One forward pass scores every single-token option of a chat; a
  multi-token option costs one more sequence.  Sequences are batched with left
  padding and explicit position ids, and only the needed positions' logits are
  computed.
* **Prefix reuse.**  Chats that share a beginning (the two belief questions
  after one transcript; a dynamic dialogue, whose transcript only grows) share
  key/value caches: within one scoring call, the common prefix is encoded once;
  across calls, an LRU store keeps the caches of recent prompts (up to
  ``prefix_cache_tokens`` tokens in all) and a new prompt only encodes what
  follows its longest stored prefix.  On CPU, where batching does not speed
  anything up, generation also reuses stored prefixes (one chat at a time);
  on other devices generation stays batched.  Reuse changes nothing but
  speed; the tests check it against direct computation.
* **Concurrent callers.**  Several instance threads may share one backend
  (``concurrent_safe``; the runner's ``concurrency``).  Each thread has its own
  prefix store (so an instance reuses only its own prompts' caches, as when
  instances run one after another).  With ``batching="off"`` calls run one at
  a time, computed exactly as from a single thread.  Otherwise a coordinator
  (``bayespersuade.llm.backends._batching``) merges the pending calls of
  different threads, of the kinds ``batching`` names (default ``"off"``, so
  that records never depend on thread timing; see ``docs/llm-benchmark.md``),
  into one padded batch:

  - *scoring* pools the plain sequences of every call, and the suffixes of
    every shared-prefix group, whose prefix caches (each from its own
    thread's store) are stacked with left padding;
  - *generation* encodes each prompt from its own thread's store, then
    decodes all rows together (their key/value caches stacked with left
    padding, explicit position ids), each row with its own token limit and
    temperature, sampled with its own ``torch.Generator`` seeded by its
    request's seed, each stopping at its own end-of-sequence token or
    ``max_new_tokens`` (so a sender's turn and a receiver's answer can share
    a batch).

  A call that arrives alone (always the case at concurrency 1) is computed by
  the unbatched code.  What is guaranteed: a request's result does not
  depend on which other requests shared its batch *up to floating-point
  rounding* (padded batched matrix products are not bitwise equal to
  unbatched ones: log-probabilities agree to about 1e-5, 2.4e-5 at most in
  the SmolLM2 benchmark, and a greedy or sampled token can differ where two
  tokens are within rounding of each other, which then changes the rest of
  that reply); the same batch composition gives identical results; a lone
  call gives exactly the unbatched result.  ``batching="off"`` makes every
  concurrency give identical records.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import json
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ...exceptions import BackendError, missing_dependency
from ._batching import Coordinator
from .base import (
    Backend,
    Chat,
    GenerationRequest,
    OptionScores,
    ScoreRequest,
    check_chat,
    check_generation_args,
    check_options,
)

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = ["BATCHING", "DEFAULT_BATCHING", "TransformersBackend", "import_torch",
           "import_transformers"]

#: Values of ``TransformersBackend(batching=...)``: which concurrent calls are merged.
BATCHING = ("all", "score", "generate", "off")
#: The default (from the measurements in ``docs/llm-benchmark.md``).
DEFAULT_BATCHING = "off"


def import_torch():
    """Import ``torch``, or raise :class:`MissingDependencyError` naming the ``llm`` extra.

    Examples
    --------
    With the ``llm`` extra installed (not run as a doctest)::

        torch = import_torch()
    """
    try:
        import torch
    except ImportError:
        raise missing_dependency("torch", "llm") from None
    return torch


def import_transformers():
    """Import ``transformers``, or raise :class:`MissingDependencyError` naming the extra.

    Examples
    --------
    With the ``llm`` extra installed (not run as a doctest)::

        transformers = import_transformers()
    """
    import_torch()
    try:
        import transformers
    except ImportError:
        raise missing_dependency("transformers", "llm") from None
    return transformers


def _eos_ids(model: Any, tokenizer: Any) -> list[int]:
    ids: set[int] = set()
    gc = getattr(model, "generation_config", None)
    for src in (getattr(gc, "eos_token_id", None), getattr(tokenizer, "eos_token_id", None)):
        if src is None:
            continue
        if isinstance(src, int):
            ids.add(src)
        else:
            ids.update(int(x) for x in src)
    return sorted(ids)


class TransformersBackend(Backend):
    """A local ``transformers`` causal LM with its tokenizer.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        A causal language model (``AutoModelForCausalLM``).
    tokenizer : transformers.PreTrainedTokenizerBase
        Its tokenizer, with a chat template (or pass ``chat_template``).
    name : str
        Recorded with every result.
    chat_template : str, optional
        A Jinja chat template to use instead of the tokenizer's own.
    batch_size : int, default 8
        Most chats (or scoring sequences) per forward pass.
    prefix_cache_tokens : int, default 8192
        Token budget of the store of prompt key/value caches (0 disables
        reuse across calls), per calling thread.  Memory is about this many
        tokens' keys and values per thread (46 kB a token for SmolLM2-135M in
        float32: 0.38 GB at most for each concurrent instance).
    info : dict, optional
        Extra facts recorded by :meth:`describe` (path, file hash...).
    batching : {"all", "score", "generate", "off"}, optional
        Which calls of *concurrent* callers (instance threads) are merged into
        one padded batch (see the module docstring; a lone call is never
        affected).  Default :data:`DEFAULT_BATCHING` (``"off"``): which calls
        meet in a batch depends on thread timing, and a merged batch changes
        log-probabilities in the rounding (``docs/llm-benchmark.md``), so only
        ``"off"`` makes a run's records reproducible and independent of the
        concurrency.  ``"all"`` is the fastest with several instances at once
        (1.3-1.7x at concurrency 4 on a CPU, in that benchmark).
    batch_window_s : float, default 0.01
        Longest wait for other callers' requests before a batch starts (it
        starts at once when every active caller has a request pending).

    Attributes
    ----------
    concurrent_safe : bool
        True: several threads may call the backend at once (see the module
        docstring for what batching changes).

    Examples
    --------
    See :meth:`from_pretrained`; tests build a tiny random Llama in code.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        name: str,
        chat_template: str | None = None,
        batch_size: int = 8,
        prefix_cache_tokens: int = 8192,
        info: dict | None = None,
        batching: str | None = None,
        batch_window_s: float = 0.01,
    ) -> None:
        torch = import_torch()
        if chat_template is not None:
            tokenizer.chat_template = chat_template
        if not getattr(tokenizer, "chat_template", None):
            raise BackendError(
                f"the tokenizer of {name!r} has no chat template; pass chat_template= "
                f"(a Jinja template) to use it as a chat model"
            )
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise BackendError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.name = name
        self.batch_size = batch_size
        self._info = dict(info or {})
        self._eos = _eos_ids(model, tokenizer)
        if not self._eos:
            raise BackendError(f"model {name!r} has no end-of-sequence token id")
        pad = tokenizer.pad_token_id
        self._pad = int(pad) if pad is not None else self._eos[0]
        self._device = next(model.parameters()).device
        self._torch = torch
        self._option_cache: dict[str, list[int]] = {}
        if isinstance(prefix_cache_tokens, bool) or not isinstance(prefix_cache_tokens, int) \
                or prefix_cache_tokens < 0:
            raise BackendError(f"prefix_cache_tokens must be an integer >= 0, got "
                               f"{prefix_cache_tokens!r}")
        batching = DEFAULT_BATCHING if batching is None else batching
        if batching not in BATCHING:
            raise BackendError(f"batching must be one of {', '.join(BATCHING)}, got "
                               f"{batching!r}")
        if isinstance(batch_window_s, bool) or not isinstance(batch_window_s, int | float) \
                or not 0 <= batch_window_s <= 10:
            raise BackendError(f"batch_window_s must be a number of seconds in [0, 10], got "
                               f"{batch_window_s!r}")
        self.batching = batching
        self._prefix_budget = prefix_cache_tokens
        self._local = threading.local()  # each calling thread's prefix store
        self._lock = threading.Lock()  # one computation at a time
        # A fast tokenizer may refuse concurrent use ("Already borrowed").
        self._tok_lock = threading.Lock()
        # The coordinator holds the backend only weakly, so that a dropped backend
        # is freed (its idle worker thread ends by itself).
        ref = weakref.ref(self)
        self._coordinator = Coordinator(
            lambda key, jobs: _alive(ref)._run_jobs(key, jobs), max_rows=batch_size,
            window_s=float(batch_window_s))
        # transformers >= 5.x calls the key/value cache `cache`; earlier, `past_key_values`.
        params = inspect.signature(model.forward).parameters
        self._cache_kw = "cache" if "cache" in params else "past_key_values"

    # --------------------------------------------------------------- loading
    @classmethod
    def from_pretrained(
        cls,
        path: str | os.PathLike,
        *,
        gguf_file: str | None = None,
        dtype: str = "float32",
        device: str = "cpu",
        name: str | None = None,
        chat_template: str | None = None,
        batch_size: int = 8,
        prefix_cache_tokens: int = 8192,
        batching: str | None = None,
    ) -> TransformersBackend:
        """Load a model directory (or a GGUF file in it) with ``transformers``.

        Parameters
        ----------
        path : path-like
            A directory with ``config.json`` and weights, or holding
            ``gguf_file``.
        gguf_file : str, optional
            A GGUF file name inside ``path``; ``transformers`` dequantises it
            on load (needs the ``gguf`` package, in the ``llm`` extra).
        dtype : str, default "float32"
            Parameter dtype (``"float32"``, ``"bfloat16"``, ``"float16"``).
        device : str, default "cpu"
        name, chat_template, batch_size, prefix_cache_tokens, batching
            As in the constructor; ``name`` defaults to the path.

        Raises
        ------
        MissingDependencyError
            If ``torch``/``transformers`` are not installed.
        BackendError
            If the model cannot be loaded.

        Examples
        --------
        With the ``llm`` extra and a model on disk (not run as a doctest)::

            b = TransformersBackend.from_pretrained("/models/Llama-3.2-1B-Instruct")
            b.generate([{"role": "user", "content": "Hi"}], max_new_tokens=8)
        """
        torch = import_torch()
        transformers = import_transformers()
        p = Path(path)
        if not p.is_dir():
            raise BackendError(f"model directory {str(p)!r} does not exist")
        if gguf_file is not None and not (p / gguf_file).is_file():
            raise BackendError(f"GGUF file {str(p / gguf_file)!r} does not exist")
        try:
            torch_dtype = getattr(torch, dtype)
        except AttributeError:
            raise BackendError(f"unknown dtype {dtype!r}") from None
        kw: dict[str, Any] = {"gguf_file": gguf_file} if gguf_file else {}
        try:
            tok = transformers.AutoTokenizer.from_pretrained(str(p), **kw)
            model = transformers.AutoModelForCausalLM.from_pretrained(
                str(p), dtype=torch_dtype, **kw)
        except (OSError, ValueError, RuntimeError, KeyError, ImportError) as e:
            raise BackendError(f"could not load a causal LM from {str(p)!r}"
                               f"{' / ' + gguf_file if gguf_file else ''}: {e}") from e
        model.to(device)
        info = {"path": str(p.resolve()), "gguf_file": gguf_file, "dtype": dtype,
                "device": device}
        return cls(model, tok, name=name or str(p), chat_template=chat_template,
                   batch_size=batch_size, prefix_cache_tokens=prefix_cache_tokens, info=info,
                   batching=batching)

    #: Several threads may call at once (see the module docstring).
    concurrent_safe = True

    @property
    def _store(self) -> _PrefixStore:
        """The calling thread's store of prompt key/value caches."""
        store = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = _PrefixStore(self._prefix_budget)
        return store

    def clear_cache(self) -> None:
        """Empty the calling thread's store of prompt key/value caches."""
        self._store.clear()

    def cancel(self) -> None:
        """Fail the requests waiting for a batch; stop a batch that is decoding."""
        self._coordinator.cancel()

    def close(self) -> None:
        """Stop the batching worker thread (the model stays usable one call at a time)."""
        self._coordinator.close()

    def describe(self) -> dict:
        """Backend, model, versions and chat-template hash, recorded with results."""
        import transformers

        tmpl = self.tokenizer.chat_template or ""
        if isinstance(tmpl, dict):  # some tokenizers keep several named templates
            tmpl = repr(sorted(tmpl.items()))
        return {
            "backend": "transformers",
            "name": self.name,
            **self._info,
            "model_type": getattr(self.model.config, "model_type", None),
            "n_parameters": int(sum(p.numel() for p in self.model.parameters())),
            "chat_template_sha256": hashlib.sha256(tmpl.encode("utf-8")).hexdigest()[:16],
            "transformers": transformers.__version__,
            "torch": self._torch.__version__,
            "sampling": "temperature only (no top-k/top-p), one torch.Generator per chat",
            "prefix_cache_tokens": self._prefix_budget,
            "batching": self.batching,
        }

    # ------------------------------------------------------------ rendering
    def _prompt_ids(self, messages: Chat, prefix: str = "") -> list[int]:
        msgs = check_chat(messages)
        try:
            text = self.tokenizer.apply_chat_template(
                msgs, add_generation_prompt=True, tokenize=False)
        except Exception as e:  # jinja errors (for example a template without system role)
            raise BackendError(f"chat template of {self.name!r} failed: {e}") from e
        with self._tok_lock:
            ids = self.tokenizer(text + prefix, add_special_tokens=False)["input_ids"]
        if not ids:
            raise BackendError("the rendered chat is empty")
        return list(ids)

    def _decode(self, ids: Any) -> str:
        with self._tok_lock:
            return self.tokenizer.decode(ids, skip_special_tokens=True).rstrip()

    def _option_ids(self, option: str) -> list[int]:
        ids = self._option_cache.get(option)
        if ids is None:
            with self._tok_lock:
                ids = list(self.tokenizer(option, add_special_tokens=False)["input_ids"])
            if not ids:
                raise BackendError(f"option {option!r} tokenizes to nothing")
            self._option_cache[option] = ids
        return ids

    def _pad_left(self, seqs: list[list[int]]):
        torch = self._torch
        n = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), n), self._pad, dtype=torch.long)
        mask = torch.zeros((len(seqs), n), dtype=torch.long)
        for i, s in enumerate(seqs):
            ids[i, n - len(s):] = torch.tensor(s, dtype=torch.long)
            mask[i, n - len(s):] = 1
        return ids.to(self._device), mask.to(self._device)

    # ------------------------------------------------------------ dispatch
    def _call(self, kind: str, key: tuple, job: Any, rows: int) -> Any:
        """Run one caller's job: through the coordinator, or alone."""
        if self.batching in ("all", kind) and not self._coordinator.closed:
            return self._coordinator.submit((kind, *key), job, rows)
        return self._compute((kind, *key), [job])[0]

    def _run_jobs(self, key: tuple, jobs: Sequence[Any]) -> list[Any]:
        """The coordinator's ``run``: compute the jobs' payloads together."""
        return self._compute(key, [j.payload for j in jobs])

    def _compute(self, key: tuple, payloads: Sequence[Any]) -> list[Any]:
        """Several callers' calls of one kind, one computation at a time."""
        with self._lock, self._torch.inference_mode():
            if key[0] == "generate":
                return self._generate_jobs(payloads)
            return self._score_jobs(payloads)

    # ------------------------------------------------------------ generation
    def generate(self, messages: Chat, *, max_new_tokens: int, temperature: float = 0.0,
                 seed: int | None = None, prefix: str = "") -> str:
        """Write the assistant's reply (see :meth:`generate_batch`)."""
        return self.generate_batch([GenerationRequest(messages, seed, prefix)],
                                   max_new_tokens=max_new_tokens, temperature=temperature)[0]

    def generate_batch(self, requests: Sequence[GenerationRequest], *, max_new_tokens: int,
                       temperature: float = 0.0) -> list[str]:
        """Replies to several chats, batched, each sampled with its own seed."""
        check_generation_args(max_new_tokens, temperature)
        prompts = [self._prompt_ids(r.messages, r.prefix) for r in requests]
        if not prompts:
            return []
        job = _GenJob(prompts, [r.seed for r in requests], self._store, max_new_tokens,
                      float(temperature))
        out = self._call("generate", (), job, len(prompts))
        return [r.prefix + text if r.prefix else text.strip() for r, text in zip(requests, out)]

    def _generate_jobs(self, jobs: Sequence[_GenJob]) -> list[list[str]]:
        reuse = self._prefix_budget > 0 and self._device.type == "cpu"
        if len(jobs) == 1:  # the unbatched computation
            job = jobs[0]
            max_new_tokens, temperature = job.max_new_tokens, job.temperature
            if reuse:
                return [[self._generate_reusing(ids, seed, max_new_tokens, temperature,
                                                job.store)
                         for ids, seed in zip(job.prompts, job.seeds)]]
            out: list[str] = []
            for start in range(0, len(job.prompts), self.batch_size):
                out.extend(self._generate_chunk(job.prompts[start:start + self.batch_size],
                                                job.seeds[start:start + self.batch_size],
                                                max_new_tokens, temperature))
            return [out]
        rows = [_Row(ids, seed, job.store, job.max_new_tokens, job.temperature)
                for job in jobs for ids, seed in zip(job.prompts, job.seeds)]
        # Without prefix reuse, rows with one setting decode with ``generate``;
        # otherwise each row is encoded alone, then all decode together.
        uniform = len({(r.max_new_tokens, r.temperature) for r in rows}) == 1
        texts: list[str] = []
        for start in range(0, len(rows), self.batch_size):
            chunk = rows[start:start + self.batch_size]
            if reuse or not uniform:
                texts.extend(self._generate_rows(chunk))
            else:
                texts.extend(self._generate_chunk([r.ids for r in chunk],
                                                  [r.seed for r in chunk],
                                                  chunk[0].max_new_tokens, chunk[0].temperature))
        res, k = [], 0
        for job in jobs:
            res.append(texts[k:k + len(job.prompts)])
            k += len(job.prompts)
        return res

    def _generate_chunk(self, prompts: list[list[int]], seeds: list[int | None],
                        max_new_tokens: int, temperature: float) -> list[str]:
        torch = self._torch
        transformers = import_transformers()
        ids, mask = self._pad_left(prompts)
        processors = transformers.LogitsProcessorList()
        if temperature > 0:
            processors.append(_SeededSampler(seeds, temperature, torch))
        config = transformers.GenerationConfig(
            max_new_tokens=max_new_tokens, do_sample=False, num_beams=1,
            eos_token_id=self._eos, pad_token_id=self._pad,
        )
        try:
            with torch.inference_mode():
                gen = self.model.generate(
                    input_ids=ids, attention_mask=mask, generation_config=config,
                    logits_processor=processors,
                )
        except RuntimeError as e:
            raise BackendError(f"generation with {self.name!r} failed: {e}") from e
        new = gen[:, ids.shape[1]:]
        return [self._decode(row) for row in new]

    def _generate_reusing(self, ids: list[int], seed: int | None, max_new_tokens: int,
                          temperature: float, store: _PrefixStore | None = None) -> str:
        """Generate for one prompt, starting from its longest stored prefix."""
        torch = self._torch
        transformers = import_transformers()
        store = store if store is not None else self._store
        _, cache = store.best(ids, limit=len(ids) - 1)
        processors = transformers.LogitsProcessorList()
        if temperature > 0:
            processors.append(_SeededSampler([seed], temperature, torch))
        config = transformers.GenerationConfig(
            max_new_tokens=max_new_tokens, do_sample=False, num_beams=1,
            eos_token_id=self._eos, pad_token_id=self._pad, return_dict_in_generate=True,
        )
        x = torch.tensor([ids], dtype=torch.long, device=self._device)
        kw = {self._cache_kw: cache} if cache is not None else {}
        try:
            with torch.inference_mode():
                res = self.model.generate(input_ids=x, attention_mask=torch.ones_like(x),
                                          generation_config=config,
                                          logits_processor=processors, **kw)
        except RuntimeError as e:
            raise BackendError(f"generation with {self.name!r} failed: {e}") from e
        kv = res.get("cache", None) if hasattr(res, "get") else None
        kv = kv if kv is not None else getattr(res, "past_key_values", None)
        if kv is not None:
            extra = kv.get_seq_length() - len(ids)
            if extra > 0:
                kv.crop(-extra)
            store.put(ids, kv)
        new = res.sequences[0, len(ids):]
        return self._decode(new)

    def _encode(self, ids: list[int], store: _PrefixStore, limit: int) -> tuple[Any, Any]:
        """``(cache, last logits)`` of one prompt, from its longest stored prefix.

        Only the tokens after the stored prefix (at most ``limit`` tokens of it)
        are encoded; the prompt's cache is stored and returned (callers do not
        modify it).
        """
        torch = self._torch
        n, cache = store.best(ids, limit=limit)
        rest = torch.tensor([ids[n:]], dtype=torch.long, device=self._device)
        pos = torch.arange(n, len(ids), device=self._device)[None]
        kw = {self._cache_kw: cache} if cache is not None else {}
        try:
            out = self.model(input_ids=rest, position_ids=pos, use_cache=True, logits_to_keep=1,
                             **kw)
        except RuntimeError as e:
            raise BackendError(f"generation with {self.name!r} failed: {e}") from e
        cache = getattr(out, self._cache_kw)
        store.put(ids, cache)
        return cache, out.logits[0, -1].float()

    def _generate_rows(self, rows: list[_Row]) -> list[str]:
        """Several prompts' replies: each encoded alone (reusing its store), decoded together.

        Every row has its own token limit and temperature, and samples with
        its own ``torch.Generator`` (seeded by its request), one draw per
        token, as :class:`_SeededSampler` does for one chat; finished rows
        leave the batch.
        """
        torch = self._torch
        eos = set(self._eos)
        gens = [_generator(torch, r.seed) if r.temperature > 0 else None for r in rows]
        caches, tokens = [], []
        for r, g in zip(rows, gens):
            cache, logits = self._encode(r.ids, r.store, limit=len(r.ids) - 1)
            caches.append(cache)
            tokens.append([_pick(torch, logits, r.temperature, g)])
        lens = [len(r.ids) for r in rows]
        active = [i for i, t in enumerate(tokens)
                  if t[0] not in eos and rows[i].max_new_tokens > 1]
        if active:
            cache, mask = self._stack([caches[i] for i in active], [lens[i] for i in active])
            for step in range(1, max(rows[i].max_new_tokens for i in active)):
                if self._coordinator.cancelled.is_set():
                    raise BackendError("request cancelled")
                n = len(active)
                x = torch.tensor([[tokens[i][-1]] for i in active], dtype=torch.long,
                                 device=self._device)
                mask = torch.cat([mask, torch.ones((n, 1), dtype=torch.long,
                                                   device=self._device)], dim=1)
                pos = torch.tensor([[lens[i] + step - 1] for i in active], device=self._device)
                try:
                    out = self.model(input_ids=x, attention_mask=mask, position_ids=pos,
                                     use_cache=True, **{self._cache_kw: cache})
                except RuntimeError as e:
                    raise BackendError(f"generation with {self.name!r} failed: {e}") from e
                cache = getattr(out, self._cache_kw)
                logits = out.logits[:, -1].float()
                keep = []
                for row, i in enumerate(active):
                    t = _pick(torch, logits[row], rows[i].temperature, gens[i])
                    tokens[i].append(t)
                    if t not in eos and step + 1 < rows[i].max_new_tokens:
                        keep.append(row)
                if not keep:
                    break
                if len(keep) < n:
                    sel = torch.tensor(keep, device=self._device)
                    cache.batch_select_indices(sel)
                    mask = mask[sel]
                    active = [active[r] for r in keep]
        return [self._decode(t) for t in tokens]

    def _stack(self, caches: list[Any], lens: list[int]) -> tuple[Any, Any]:
        """One batched key/value cache of single-row caches, left-padded; and its mask."""
        torch = self._torch
        width = max(lens)
        pairs = []
        for layer in range(len(_kv_layers(caches[0]))):
            ks, vs = [], []
            for c, n in zip(caches, lens):
                k, v = _kv_layers(c)[layer]
                k, v = k[..., :n, :], v[..., :n, :]
                if n < width:
                    k = torch.nn.functional.pad(k, (0, 0, width - n, 0))
                    v = torch.nn.functional.pad(v, (0, 0, width - n, 0))
                ks.append(k)
                vs.append(v)
            pairs.append((torch.cat(ks, dim=0), torch.cat(vs, dim=0)))
        mask = torch.zeros((len(lens), width), dtype=torch.long, device=self._device)
        for i, n in enumerate(lens):
            mask[i, width - n:] = 1
        return _make_cache(pairs), mask

    # --------------------------------------------------------------- scoring
    def score_options(self, messages: Chat, options: Sequence[str]) -> OptionScores:
        """Exact log-probabilities of the options as the reply's first tokens."""
        return self.score_options_batch([ScoreRequest(messages, tuple(options))])[0]

    def score_options_batch(self, requests: Sequence[ScoreRequest]) -> list[OptionScores]:
        """:meth:`score_options` for several chats, batched, sharing chat prefixes.

        Requests whose chats differ only in their last message (the protocol
        asks two belief questions after the same transcript) share one forward
        pass over their common token prefix: its key/value cache is computed
        once and reused for each question (and each multi-token option).
        Other sequences are batched with left padding.  The tests check every
        path against a direct, unbatched computation.
        """
        if not requests:
            return []
        plan = self._score_plan(requests)
        return self._call("score", (), plan, len(plan.seqs))

    def _score_plan(self, requests: Sequence[ScoreRequest]) -> _ScorePlan:
        """Tokenize and check the requests (in the caller's thread)."""
        # One sequence per chat (its prompt) scores every option's first token;
        # a multi-token option o adds the sequence prompt + o[:-1].
        seqs: list[list[int]] = []
        plan: list[list[tuple[int, list[int]]]] = []  # per request: (seq index, option ids)
        groups: dict[str, list[int]] = {}
        for r in requests:
            opts = check_options(r.options)
            msgs = check_chat(r.messages)
            prompt = self._prompt_ids(msgs)
            base = len(seqs)
            seqs.append(prompt)
            members = groups.setdefault(json.dumps(msgs[:-1]), [])
            members.append(base)
            entries = []
            for o in opts:
                oid = self._option_ids(o)
                if len(oid) == 1:
                    entries.append((base, oid))
                else:
                    seqs.append(prompt + oid[:-1])
                    members.append(len(seqs) - 1)
                    entries.append((len(seqs) - 1, oid))
            plan.append(entries)
        need = [1] * len(seqs)
        for entries in plan:
            for si, oid in entries:
                need[si] = max(need[si], len(oid))
        return _ScorePlan([tuple(r.options) for r in requests], seqs, plan,
                          list(groups.values()), need, self._store)

    def _score_jobs(self, plans: Sequence[_ScorePlan]) -> list[list[OptionScores]]:
        """Score several callers' plans; one plan alone is the unbatched computation."""
        seqs: list[list[int]] = []
        need: list[int] = []
        groups: list[tuple[list[int], _PrefixStore]] = []
        offsets = []
        for pl in plans:
            off = len(seqs)
            offsets.append(off)
            seqs.extend(pl.seqs)
            need.extend(pl.need)
            groups.extend(([off + i for i in m], pl.store) for m in pl.groups)
        kept: list[Any] = [None] * len(seqs)
        plain: list[int] = []
        shared: list[tuple[list[int], int, _PrefixStore]] = []
        for members, store in groups:
            if len(members) > 1:
                p = _common_prefix([seqs[i] for i in members])
                p = min(p, *(len(seqs[i]) - need[i] for i in members))
                if p >= self.min_shared_prefix:
                    shared.append((members, p, store))
                    continue
            plain.extend(members)
        if len(plans) == 1:
            for members, p, store in shared:
                self._forward_shared(seqs, members, p, need, kept, store)
        elif shared:
            self._forward_shared_pooled(seqs, shared, need, kept)
        order = sorted(plain, key=lambda i: len(seqs[i]))
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            ids, mask = self._pad_left([seqs[i] for i in idx])
            pos = (mask.cumsum(-1) - 1).clamp(min=0)
            self._keep(idx, need, kept, input_ids=ids, attention_mask=mask, position_ids=pos)
        results = []
        for pl, off in zip(plans, offsets):
            res = []
            for options, entries in zip(pl.options, pl.plan):
                lps = []
                for si, oid in entries:
                    lp = kept[off + si]  # shape (need, vocab); last len(oid) rows predict oid
                    rows = lp[lp.shape[0] - len(oid):]
                    lps.append(float(sum(rows[j, t].item() for j, t in enumerate(oid))))
                res.append(OptionScores.complete(options, np.array(lps)))
            results.append(res)
        return results

    #: Shortest common token prefix worth a shared forward pass.
    min_shared_prefix = 32

    def _keep(self, idx: list[int], need: list[int], kept: list, **inputs: Any) -> None:
        """Forward pass; store each row's log-softmax over its last ``need`` positions."""
        torch = self._torch
        keep = max(need[i] for i in idx)
        try:
            with torch.inference_mode():
                logits = self.model(**inputs, logits_to_keep=keep).logits
        except RuntimeError as e:
            raise BackendError(f"scoring with {self.name!r} failed: {e}") from e
        logp = torch.log_softmax(logits.float(), dim=-1)
        for row, i in enumerate(idx):
            kept[i] = logp[row, keep - need[i]:, :]

    def _forward_shared(self, seqs: list[list[int]], members: list[int], p: int,
                        need: list[int], kept: list, store: _PrefixStore | None = None) -> None:
        """Score sequences sharing their first ``p`` tokens with one prefix pass."""
        torch = self._torch
        kw = self._cache_kw
        cache = self._prefix_cache(seqs[members[0]][:p], store)
        for start in range(0, len(members), self.batch_size):
            idx = members[start:start + self.batch_size]
            ids, smask = self._pad_left([seqs[i][p:] for i in idx])
            n = len(idx)
            mask = torch.cat([torch.ones((n, p), dtype=torch.long, device=self._device), smask],
                             dim=1)
            pos = p + (smask.cumsum(-1) - 1).clamp(min=0)
            c = copy.deepcopy(cache)
            if n > 1:
                c.batch_repeat_interleave(n)
            self._keep(idx, need, kept, input_ids=ids, attention_mask=mask, position_ids=pos,
                       use_cache=True, **{kw: c})

    def _forward_shared_pooled(self, seqs: list[list[int]],
                               shared: list[tuple[list[int], int, _PrefixStore]],
                               need: list[int], kept: list) -> None:
        """Several groups' suffixes in common batches, their prefix caches stacked.

        Each row attends to its own group's prefix (left-padded to the longest
        prefix of the batch), then to its own suffix (left-padded to the
        longest suffix): the mask has two runs of padding, and position ids
        follow each row's own tokens.
        """
        torch = self._torch
        rows = []
        for members, p, store in shared:
            cache = self._prefix_cache(seqs[members[0]][:p], store)
            rows.extend((i, cache, p) for i in members)
        for start in range(0, len(rows), self.batch_size):
            chunk = rows[start:start + self.batch_size]
            idx = [i for i, _, _ in chunk]
            cache, pmask = self._stack([c for _, c, _ in chunk], [p for _, _, p in chunk])
            ids, smask = self._pad_left([seqs[i][p:] for i, _, p in chunk])
            mask = torch.cat([pmask, smask], dim=1)
            offs = torch.tensor([[p] for _, _, p in chunk], device=self._device)
            pos = offs + (smask.cumsum(-1) - 1).clamp(min=0)
            self._keep(idx, need, kept, input_ids=ids, attention_mask=mask, position_ids=pos,
                       use_cache=True, **{self._cache_kw: cache})

    def _prefix_cache(self, ids: list[int], store: _PrefixStore | None = None) -> Any:
        """The key/value cache of ``ids``, from the longest stored prefix (stored after).

        The returned cache belongs to the store: callers copy it before use.
        """
        torch = self._torch
        store = store if store is not None else self._store
        n, cache = store.best(ids, limit=len(ids))
        if n == len(ids):
            return cache
        rest = torch.tensor([ids[n:]], dtype=torch.long, device=self._device)
        pos = torch.arange(n, len(ids), device=self._device)[None]
        kw = {self._cache_kw: cache} if cache is not None else {}
        try:
            with torch.inference_mode():
                out = self.model(input_ids=rest, position_ids=pos, use_cache=True,
                                 logits_to_keep=1, **kw)
        except RuntimeError as e:
            raise BackendError(f"scoring with {self.name!r} failed: {e}") from e
        cache = getattr(out, self._cache_kw)
        store.put(ids, cache)
        return cache


class _GenJob:
    """One caller's generation call: token prompts, seeds, the caller's prefix store."""

    __slots__ = ("max_new_tokens", "prompts", "seeds", "store", "temperature")

    def __init__(self, prompts: list[list[int]], seeds: list[int | None],
                 store: _PrefixStore, max_new_tokens: int, temperature: float) -> None:
        self.prompts, self.seeds, self.store = prompts, seeds, store
        self.max_new_tokens, self.temperature = max_new_tokens, temperature


class _Row(NamedTuple):
    """One prompt of a merged generation batch."""

    ids: list[int]
    seed: int | None
    store: _PrefixStore
    max_new_tokens: int
    temperature: float


class _ScorePlan:
    """One caller's scoring call, tokenized: sequences, what each option reads, groups."""

    __slots__ = ("groups", "need", "options", "plan", "seqs", "store")

    def __init__(self, options, seqs, plan, groups, need, store) -> None:
        self.options, self.seqs, self.plan = options, seqs, plan
        self.groups, self.need, self.store = groups, need, store


def _alive(ref: Any) -> TransformersBackend:
    b = ref()
    if b is None:  # pragma: no cover - a job outlived its backend
        raise BackendError("the backend was garbage-collected")
    return b


def _generator(torch: Any, seed: int | None) -> Any:
    g = torch.Generator()
    if seed is None:
        g.seed()
    else:
        g.manual_seed(int(seed) % (2**63))
    return g


def _pick(torch: Any, logits: Any, temperature: float, gen: Any) -> int:
    """The next token from one row's logits: greedy, or one draw from ``gen``."""
    if temperature <= 0:
        return int(torch.argmax(logits))
    probs = torch.softmax(logits.float() / temperature, dim=-1).cpu()
    return int(torch.multinomial(probs, 1, generator=gen))


def _kv_layers(cache: Any) -> list[tuple[Any, Any]]:
    """``[(keys, values)]`` per layer of a dynamic cache (both cache layouts)."""
    layers = getattr(cache, "layers", None)
    if layers is not None:
        return [(lay.keys, lay.values) for lay in layers]
    return list(zip(cache.key_cache, cache.value_cache))  # transformers < 4.56


def _make_cache(pairs: list[tuple[Any, Any]]) -> Any:
    from transformers import DynamicCache

    try:
        return DynamicCache(ddp_cache_data=pairs)
    except TypeError:  # transformers < 4.56
        return DynamicCache.from_legacy_cache(tuple(pairs))


class _PrefixStore:
    """An LRU store of key/value caches of token prefixes, within a token budget.

    Stored caches are never modified: :meth:`best` returns a copy, cut to the
    longest common prefix with the query.
    """

    def __init__(self, max_tokens: int) -> None:
        self.max_tokens = max_tokens
        self.entries: OrderedDict[tuple[int, ...], Any] = OrderedDict()
        self.tokens = 0

    def best(self, ids: Sequence[int], limit: int) -> tuple[int, Any]:
        """``(n, cache)``: a copy of the cache of the longest stored prefix of ``ids``
        (at most ``limit`` tokens), or ``(0, None)``."""
        best_n, best_key = 0, None
        q = np.asarray(ids)
        for key in self.entries:
            m = min(len(key), len(q), limit)
            if m <= best_n:
                continue
            diff = np.flatnonzero(np.asarray(key[:m]) != q[:m])
            n = int(diff[0]) if diff.size else m
            if n > best_n:
                best_n, best_key = n, key
        if best_key is None:
            return 0, None
        self.entries.move_to_end(best_key)
        cache = copy.deepcopy(self.entries[best_key])
        extra = len(best_key) - best_n
        if extra:
            cache.crop(-extra)  # a negative count removes tokens, in every version
        return best_n, cache

    def clear(self) -> None:
        """Drop every stored cache."""
        self.entries.clear()
        self.tokens = 0

    def put(self, ids: Sequence[int], cache: Any) -> None:
        """Keep ``cache`` (the cache of exactly ``ids``), evicting the oldest."""
        key = tuple(int(t) for t in ids)
        if not self.max_tokens or len(key) > self.max_tokens:
            return
        if key in self.entries:
            self.entries.move_to_end(key)
            return
        self.entries[key] = cache
        self.tokens += len(key)
        while self.tokens > self.max_tokens:
            old, _ = self.entries.popitem(last=False)
            self.tokens -= len(old)


def _common_prefix(seqs: list[list[int]]) -> int:
    first = seqs[0]
    n = min(len(s) for s in seqs)
    for k in range(n):
        t = first[k]
        if any(s[k] != t for s in seqs[1:]):
            return k
    return n


class _SeededSampler:
    """Logits processor that samples one token per row with the row's own generator.

    It returns logits that are ``-inf`` everywhere except the sampled token, so
    greedy decoding outside it picks exactly the sampled token.
    """

    def __init__(self, seeds: Sequence[int | None], temperature: float, torch: Any) -> None:
        self.torch = torch
        self.temperature = temperature
        self.gens = [_generator(torch, s) for s in seeds]

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        torch = self.torch
        probs = torch.softmax(scores.float() / self.temperature, dim=-1).cpu()
        out = torch.full_like(scores, -float("inf"))
        for i, g in enumerate(self.gens):
            tok = torch.multinomial(probs[i], 1, generator=g)
            out[i, tok.to(scores.device)] = 0.0
        return out
