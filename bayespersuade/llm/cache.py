"""A content-addressed response cache: never pay twice for a deterministic request.

:class:`ResponseCache` is one SQLite file (``responses.sqlite3``, write-ahead
logging, so several processes may read and write it at once) in a cache
directory.  A response is stored under the SHA-256 of the canonical JSON of
everything that determines it:

* the endpoint's identity (:meth:`~bayespersuade.llm.backends.base.Backend.cache_identity`:
  the backend kind, base URL and model — never a credential),
* the request kind (``"generate"`` or ``"score"``),
* the messages, the sampling parameters (``max_new_tokens``, ``temperature``,
  the prefill ``prefix``), the seed, and for scoring the candidate answers.

:class:`CachedBackend` wraps a backend.  Only **deterministic** requests are
looked up and stored: greedy generation (temperature 0), generation with a
fixed seed on a backend that declares seeded sampling reproducible
(``reproducible_seeds``), and option scoring (always greedy).  Only successful
responses are stored; an error is never cached.  Identical requests inside one
batch are sent once.  The wrapper also counts, per thread (that is, per
instance being run) and in total, how many requests were made and how many
were served from the cache; the runner records the counts with each instance.

Backends whose ``cache_identity()`` is ``None`` (local models, scripted
agents) are counted but never cached.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import math
import os
import sqlite3
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from ..exceptions import DataError
from .backends.base import (
    Backend,
    Chat,
    GenerationRequest,
    OptionScores,
    ScoreRequest,
    check_chat,
)

__all__ = ["CACHE_VERSION", "CachedBackend", "ResponseCache", "default_cache_dir"]

#: Part of every key: bump when the stored format changes.
CACHE_VERSION = 1
CACHE_FILE = "responses.sqlite3"


def default_cache_dir() -> Path:
    """The user's cache directory for bayespersuade responses.

    ``$BAYESPERSUADE_CACHE_DIR`` if set; otherwise ``$XDG_CACHE_HOME/bayespersuade``
    (default ``~/.cache/bayespersuade``) on Linux, ``~/Library/Caches/bayespersuade``
    on macOS and ``%LOCALAPPDATA%\\bayespersuade\\cache`` on Windows.

    Examples
    --------
    >>> import os
    >>> os.environ["BAYESPERSUADE_CACHE_DIR"] = "/tmp/bp-cache"
    >>> str(default_cache_dir())
    '/tmp/bp-cache'
    >>> del os.environ["BAYESPERSUADE_CACHE_DIR"]
    """
    env = os.environ.get("BAYESPERSUADE_CACHE_DIR")
    if env:
        return Path(env)
    home = Path.home()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return (Path(base) if base else home / "AppData" / "Local") / "bayespersuade" / "cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "bayespersuade"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else home / ".cache") / "bayespersuade"


def request_key(identity: dict, kind: str, payload: dict) -> str:
    """The SHA-256 hex digest addressing one request.

    Examples
    --------
    >>> a = request_key({"model": "m"}, "generate", {"messages": [], "temperature": 0})
    >>> a == request_key({"model": "m"}, "generate", {"temperature": 0, "messages": []})
    True
    >>> a == request_key({"model": "other"}, "generate", {"messages": [], "temperature": 0})
    False
    """
    text = json.dumps({"v": CACHE_VERSION, "endpoint": identity, "kind": kind, **payload},
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ResponseCache:
    """Responses on disk, in one SQLite file in WAL mode.

    Parameters
    ----------
    directory : path-like
        Created if needed; the file is ``directory/responses.sqlite3``.

    Attributes
    ----------
    path : Path
        The SQLite file.

    Examples
    --------
    >>> import tempfile
    >>> c = ResponseCache(tempfile.mkdtemp())
    >>> c.get("k") is None
    True
    >>> c.put("k", "generate", "hello")
    >>> c.get("k"), len(c)
    ('hello', 1)
    >>> c.close()
    """

    def __init__(self, directory: str | os.PathLike) -> None:
        d = Path(directory)
        try:
            d.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise DataError(f"cannot create the response cache directory: {e}",
                            path=str(d)) from None
        self.path = d / CACHE_FILE
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(str(self.path), timeout=30.0, check_same_thread=False,
                                       isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, "
                             "kind TEXT NOT NULL, value TEXT NOT NULL, created TEXT NOT NULL)")
        except sqlite3.Error as e:
            raise DataError(f"cannot open the response cache: {e}", path=str(self.path)) from None

    def get(self, key: str) -> str | None:
        """The stored value of ``key``, or ``None``."""
        with self._lock:
            row = self._db.execute("SELECT value FROM responses WHERE key = ?",
                                   (key,)).fetchone()
        return None if row is None else row[0]

    def put(self, key: str, kind: str, value: str) -> None:
        """Store a value (a key already present keeps its first value)."""
        now = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO responses VALUES (?, ?, ?, ?)",
                             (key, kind, value, now))

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def describe(self) -> dict:
        """Where the cache lives (recorded in a run's session entry)."""
        return {"path": str(self.path), "version": CACHE_VERSION}


def _scores_to_text(s: OptionScores) -> str:
    lps = [None if not o else ("-inf" if x == -math.inf else float(x))
           for x, o in zip(s.logprobs.tolist(), s.observed.tolist())]
    return json.dumps({"options": list(s.options), "logprobs": lps,
                       "unobserved_bound": s.unobserved_bound}, allow_nan=False)


def _scores_from_text(text: str) -> OptionScores:
    d = json.loads(text)
    lp = np.array([math.nan if x is None else (-math.inf if x == "-inf" else float(x))
                   for x in d["logprobs"]], dtype=np.float64)
    observed = np.array([x is not None for x in d["logprobs"]], dtype=bool)
    return OptionScores(tuple(d["options"]), lp, observed, d["unobserved_bound"])


class _Counts:
    __slots__ = ("cache_hits", "requests")

    def __init__(self) -> None:
        self.requests = 0
        self.cache_hits = 0

    def to_json(self) -> dict:
        return {"requests": self.requests, "cache_hits": self.cache_hits}


class CachedBackend(Backend):
    """A backend seen through a response cache, with request counts.

    Parameters
    ----------
    inner : Backend
    cache : ResponseCache or None
        ``None``: count requests, cache nothing.

    Examples
    --------
    >>> import tempfile
    >>> from bayespersuade.llm.backends.scripted import ScriptedBackend
    >>> inner = ScriptedBackend("<score>4</score>")
    >>> b = CachedBackend(inner, None)
    >>> with b.counting() as n:
    ...     _ = b.generate([{"role": "user", "content": "?"}], max_new_tokens=4)
    >>> n.to_json()
    {'requests': 1, 'cache_hits': 0}
    """

    def __init__(self, inner: Backend, cache: ResponseCache | None) -> None:
        self.inner = inner
        self.name = inner.name
        self.supports_logprobs = inner.supports_logprobs
        self.concurrent_safe = getattr(inner, "concurrent_safe", False)
        self.reproducible_seeds = getattr(inner, "reproducible_seeds", False)
        ident = inner.cache_identity() if cache is not None else None
        self._identity = ident
        self.cache = cache if ident is not None else None
        self._local = threading.local()
        self._guard = threading.Lock()
        self.total = _Counts()

    @contextlib.contextmanager
    def counting(self) -> Iterator[_Counts]:
        """Count this thread's requests inside a ``with`` block."""
        c = _Counts()
        prev = getattr(self._local, "counts", None)
        self._local.counts = c
        try:
            yield c
        finally:
            self._local.counts = prev

    def _count(self, n: int, hits: int) -> None:
        c = getattr(self._local, "counts", None)
        if c is not None:
            c.requests += n
            c.cache_hits += hits
        with self._guard:
            self.total.requests += n
            self.total.cache_hits += hits

    def _cached(self, kind: str, payloads: list[dict | None], compute, encode, decode) -> list:
        """Serve what the cache has, compute the rest once per distinct key, store it."""
        keys = [None if p is None or self.cache is None
                else request_key(self._identity, kind, p) for p in payloads]
        out: list = [None] * len(payloads)
        hits = 0
        missing: dict[str, list[int]] = {}
        uncached: list[int] = []
        for i, k in enumerate(keys):
            if k is None:
                uncached.append(i)
                continue
            text = self.cache.get(k)
            if text is not None:
                out[i] = decode(text)
                hits += 1
            else:
                missing.setdefault(k, []).append(i)
        todo = uncached + [idx[0] for idx in missing.values()]
        todo.sort()
        if todo:
            results = compute(todo)
            by_index = dict(zip(todo, results))
            for i in uncached:
                out[i] = by_index[i]
            for k, idx in missing.items():
                value = by_index[idx[0]]
                self.cache.put(k, kind, encode(value))
                for i in idx:
                    out[i] = value
                hits += len(idx) - 1  # sent once, shared
        self._count(len(payloads), hits)
        return out

    def _deterministic(self, temperature: float, seed: int | None) -> bool:
        return temperature == 0 or (seed is not None and self.reproducible_seeds)

    def generate_batch(self, requests: Sequence[GenerationRequest], *, max_new_tokens: int,
                       temperature: float = 0.0) -> list[str]:
        """The inner backend's replies, from the cache where deterministic."""
        reqs = list(requests)
        if self.cache is None:  # count only
            out = self.inner.generate_batch(reqs, max_new_tokens=max_new_tokens,
                                            temperature=temperature)
            self._count(len(reqs), 0)
            return out
        payloads = [
            {"messages": check_chat(r.messages), "max_new_tokens": max_new_tokens,
             "temperature": float(temperature), "seed": r.seed, "prefix": r.prefix}
            if self._deterministic(temperature, r.seed) else None
            for r in reqs]

        def compute(idx: list[int]) -> list[str]:
            return self.inner.generate_batch([reqs[i] for i in idx],
                                             max_new_tokens=max_new_tokens,
                                             temperature=temperature)

        return self._cached("generate", payloads, compute, json.dumps, json.loads)

    def score_options_batch(self, requests: Sequence[ScoreRequest]) -> list[OptionScores]:
        """The inner backend's option scores, from the cache where stored."""
        reqs = list(requests)
        if self.cache is None:  # count only
            out = self.inner.score_options_batch(reqs)
            self._count(len(reqs), 0)
            return out
        payloads = [{"messages": check_chat(r.messages), "options": list(r.options)}
                    for r in reqs]

        def compute(idx: list[int]) -> list[OptionScores]:
            return self.inner.score_options_batch([reqs[i] for i in idx])

        return self._cached("score", payloads, compute, _scores_to_text, _scores_from_text)

    def generate(self, messages: Chat, *, max_new_tokens: int, temperature: float = 0.0,
                 seed: int | None = None, prefix: str = "") -> str:
        """One reply (see :meth:`generate_batch`)."""
        return self.generate_batch([GenerationRequest(messages, seed, prefix)],
                                   max_new_tokens=max_new_tokens, temperature=temperature)[0]

    def score_options(self, messages: Chat, options: Sequence[str]) -> OptionScores:
        """One scoring (see :meth:`score_options_batch`)."""
        return self.score_options_batch([ScoreRequest(messages, tuple(options))])[0]

    def describe(self) -> dict:
        """The inner backend's description."""
        return self.inner.describe()

    def clear_cache(self) -> None:
        """Clear the inner backend's computation caches (not the response cache)."""
        self.inner.clear_cache()

    def cancel(self) -> None:
        """Cancel the inner backend's requests in flight."""
        self.inner.cancel()

    def close(self) -> None:
        """Close the inner backend."""
        self.inner.close()

    def cache_identity(self) -> dict | None:
        """The inner backend's identity."""
        return self._identity
