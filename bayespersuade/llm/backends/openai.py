"""An OpenAI-compatible chat endpoint over HTTP (hosted models, vLLM, llama.cpp).

Only the standard library is used (``urllib``).  Requests go to
``{base_url}/chat/completions``.

* :meth:`OpenAIChatBackend.generate` sends ``messages``, ``max_tokens``,
  ``temperature`` and ``seed`` (servers that honour ``seed`` sample
  reproducibly; hosted APIs only "mostly" do, which is recorded).
* :meth:`OpenAIChatBackend.score_options` asks for one token with
  ``logprobs: true`` and ``top_logprobs: k`` (at most 20 on OpenAI's API) at
  temperature 0, and reads each option's log-probability from the first
  token's top-``k`` list (tokens compared after stripping surrounding
  whitespace; several tokens mapping to the same option are added up).  An
  option outside the top ``k`` is reported as *unobserved*, with the smallest
  reported log-probability as an upper bound — never as zero.  Options must
  therefore be single tokens on the server's tokenizer (``Yes``, ``No`` and the
  digits are, on every common tokenizer).  A server that returns no
  log-probabilities raises :class:`~bayespersuade.exceptions.BackendError`
  (run without beliefs, or use a server that returns them).

Transient failures (connection errors, HTTP 429 and 5xx) are retried with
exponential backoff; other HTTP errors raise
:class:`~bayespersuade.exceptions.BackendError` with the server's message.
"""

from __future__ import annotations

import json
import math
import os
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ...exceptions import BackendError
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

__all__ = ["OpenAIChatBackend"]


class OpenAIChatBackend(Backend):
    """A model behind an OpenAI-compatible ``/chat/completions`` endpoint.

    Parameters
    ----------
    model : str
        The model name the server expects.
    base_url : str
        For example ``"http://127.0.0.1:8000/v1"`` or
        ``"https://api.openai.com/v1"``.
    api_key : str, optional
        Sent as ``Authorization: Bearer ...``.  Default: the environment
        variable named by ``api_key_env``, if set.
    api_key_env : str, default "OPENAI_API_KEY"
    top_logprobs : int, default 20
        How many first-token alternatives to request when scoring.
    timeout : float, default 120
        Seconds per request.
    max_retries : int, default 4
        Retries of transient failures (backoff 1, 2, 4, ... seconds).
    concurrency : int, default 4
        Parallel requests in the batch methods.
    logprobs : bool, default True
        Whether to use log-probabilities at all (``False`` for servers that
        do not return them).
    name : str, optional
        Recorded with results; default ``model``.

    Examples
    --------
    >>> b = OpenAIChatBackend("my-model", "http://127.0.0.1:8000/v1", api_key_env="NO_SUCH_VAR")
    >>> b.describe()["endpoint"]
    'http://127.0.0.1:8000/v1/chat/completions'
    """

    def __init__(
        self,
        model: str,
        base_url: str,
        *,
        api_key: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        top_logprobs: int = 20,
        timeout: float = 120.0,
        max_retries: int = 4,
        concurrency: int = 4,
        logprobs: bool = True,
        name: str | None = None,
        _sleep=time.sleep,
    ) -> None:
        if not model:
            raise BackendError("model name must be non-empty")
        if not base_url.startswith(("http://", "https://")):
            raise BackendError(f"base_url must start with http:// or https://, got {base_url!r}")
        if not (isinstance(top_logprobs, int) and top_logprobs >= 1):
            raise BackendError(f"top_logprobs must be a positive integer, got {top_logprobs!r}")
        if not (isinstance(concurrency, int) and concurrency >= 1):
            raise BackendError(f"concurrency must be a positive integer, got {concurrency!r}")
        self.model = model
        self.base_url = base_url.rstrip("/")
        self.endpoint = self.base_url + "/chat/completions"
        self._api_key = api_key if api_key is not None else os.environ.get(api_key_env)
        self.top_logprobs = top_logprobs
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self.concurrency = concurrency
        self.supports_logprobs = bool(logprobs)
        self.name = name or model
        self._sleep = _sleep

    def describe(self) -> dict:
        """Endpoint, model and scoring settings (never the API key)."""
        return {"backend": "openai-chat", "name": self.name, "model": self.model,
                "endpoint": self.endpoint, "top_logprobs": self.top_logprobs,
                "logprobs": self.supports_logprobs,
                "seed_note": "the server decides whether 'seed' makes sampling reproducible"}

    # ------------------------------------------------------------------ http
    def _post(self, payload: dict) -> dict:
        data = json.dumps(payload).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        last: Exception | None = None
        for attempt in range(self.max_retries + 1):
            req = urllib.request.Request(self.endpoint, data=data, headers=headers,
                                         method="POST")
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    body = resp.read()
                try:
                    return json.loads(body)
                except json.JSONDecodeError:
                    raise BackendError(f"{self.endpoint} returned invalid JSON: "
                                       f"{body[:200]!r}") from None
            except urllib.error.HTTPError as e:
                detail = e.read()[:500].decode("utf-8", "replace")
                if e.code == 429 or e.code >= 500:
                    last = BackendError(f"{self.endpoint} answered HTTP {e.code}: {detail}")
                else:
                    raise BackendError(
                        f"{self.endpoint} answered HTTP {e.code}: {detail}") from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
                last = BackendError(f"could not reach {self.endpoint}: {e}")
            if attempt < self.max_retries:
                self._sleep(2.0 ** attempt)
        assert last is not None
        raise BackendError(f"{last} (after {self.max_retries + 1} attempts)")

    def _first_choice(self, resp: dict) -> dict:
        try:
            return resp["choices"][0]
        except (KeyError, IndexError, TypeError):
            raise BackendError(f"{self.endpoint} returned no choices: "
                               f"{json.dumps(resp)[:300]}") from None

    # ------------------------------------------------------------ generation
    def generate(self, messages: Chat, *, max_new_tokens: int, temperature: float = 0.0,
                 seed: int | None = None, prefix: str = "") -> str:
        """The server's reply to the chat.

        A ``prefix`` is sent as a final assistant message with vLLM's
        ``continue_final_message: true, add_generation_prompt: false``; servers
        without that extension may not continue it (the reply is returned with
        the prefix in front either way).
        """
        check_generation_args(max_new_tokens, temperature)
        msgs = check_chat(messages)
        payload = {"model": self.model, "messages": msgs,
                   "max_tokens": max_new_tokens, "temperature": float(temperature)}
        if prefix:
            payload["messages"] = [*msgs, {"role": "assistant", "content": prefix}]
            payload["continue_final_message"] = True
            payload["add_generation_prompt"] = False
        if seed is not None:
            payload["seed"] = int(seed) % (2**31)
        choice = self._first_choice(self._post(payload))
        content = (choice.get("message") or {}).get("content")
        if not isinstance(content, str):
            raise BackendError(f"{self.endpoint} returned a choice without text content")
        return prefix + content.rstrip() if prefix else content.strip()

    def generate_batch(self, requests: Sequence[GenerationRequest], *, max_new_tokens: int,
                       temperature: float = 0.0) -> list[str]:
        """Concurrent :meth:`generate` calls (results in request order)."""
        def one(r: GenerationRequest) -> str:
            return self.generate(r.messages, max_new_tokens=max_new_tokens,
                                 temperature=temperature, seed=r.seed, prefix=r.prefix)

        with ThreadPoolExecutor(self.concurrency) as pool:
            return list(pool.map(one, requests))

    # --------------------------------------------------------------- scoring
    def score_options(self, messages: Chat, options: Sequence[str]) -> OptionScores:
        """Options' first-token log-probabilities from the server's top-k list."""
        opts = check_options(options)
        if not self.supports_logprobs:
            raise BackendError(f"backend {self.name!r} was configured without log-probabilities")
        payload = {"model": self.model, "messages": check_chat(messages), "max_tokens": 1,
                   "temperature": 0.0, "logprobs": True, "top_logprobs": self.top_logprobs}
        choice = self._first_choice(self._post(payload))
        try:
            first = choice["logprobs"]["content"][0]
            top = first.get("top_logprobs") or [{"token": first["token"],
                                                 "logprob": first["logprob"]}]
            pairs = [(str(t["token"]), float(t["logprob"])) for t in top]
        except (KeyError, IndexError, TypeError, ValueError):
            raise BackendError(
                f"{self.endpoint} returned no token log-probabilities for model "
                f"{self.model!r}; use a server that returns them, or run without beliefs"
            ) from None
        lp = np.full(len(opts), math.nan)
        for tok, val in pairs:
            key = tok.strip()
            if key in opts:
                i = opts.index(key)
                lp[i] = val if math.isnan(lp[i]) else float(np.logaddexp(lp[i], val))
        observed = ~np.isnan(lp)
        lp[observed] = np.minimum(lp[observed], 0.0)
        bound = min(v for _, v in pairs) if pairs and not observed.all() else None
        return OptionScores(opts, lp, observed, bound)

    def score_options_batch(self, requests: Sequence[ScoreRequest]) -> list[OptionScores]:
        """Concurrent :meth:`score_options` calls (results in request order)."""
        with ThreadPoolExecutor(self.concurrency) as pool:
            return list(pool.map(lambda r: self.score_options(r.messages, r.options), requests))
