"""An OpenAI-compatible chat endpoint (hosted models, vLLM, llama.cpp) via the ``openai`` SDK.

Requests go to ``{base_url}/chat/completions`` through the official client
(``openai.AsyncOpenAI``; install with ``pip install 'bayespersuade[openai]'``),
run on one event loop in a background thread (shared by every backend of the
process), so that many requests — from one
batch, and from the instances the runner runs at once — are in flight together.

* :meth:`OpenAIChatBackend.generate` sends ``messages``, ``max_tokens``,
  ``temperature`` and ``seed`` (servers that honour ``seed`` sample
  reproducibly; hosted APIs only "mostly" do, which is recorded).
* :meth:`OpenAIChatBackend.score_options` asks for one token with
  ``logprobs: true`` and ``top_logprobs: k`` (at most 20 on OpenAI's API) at
  temperature 0, and reads each option's log-probability from the first
  token's top-``k`` list (``choices[0].logprobs.content[0].top_logprobs``, the
  OpenAI format, which vLLM's and llama.cpp's servers also return; tokens are
  compared after stripping surrounding whitespace; several tokens mapping to
  the same option are added up).  An option outside the top ``k`` is reported
  as *unobserved*, with the smallest reported log-probability as an upper
  bound — never as zero.  Options must therefore be single tokens on the
  server's tokenizer (``Yes``, ``No`` and the digits are, on every common
  tokenizer).  A server that returns no log-probabilities raises
  :class:`~bayespersuade.exceptions.BackendError` (run without beliefs, or use
  a server that returns them).

Faults.  The SDK retries connection errors (resets, bodies cut short), timeouts,
HTTP 408, 409, 429 and 5xx with exponential backoff, honouring ``Retry-After``
(``max_retries`` retries).  Every request also has an overall deadline
(``request_timeout`` seconds, attempts and waits included), so a server that
hangs, or trickles its answer byte by byte, costs at most that long.  Other
HTTP errors, bodies that are not JSON and answers without the expected fields
raise :class:`~bayespersuade.exceptions.BackendError` with the server's message.
:meth:`OpenAIChatBackend.cancel` abandons every request in flight at once (the
runner calls it on Ctrl-C).

Credentials.  The API key comes only from the environment (``api_key_env``,
default ``OPENAI_API_KEY``) or the ``api_key`` argument; a base URL that
carries one (``user:password@``, or a query parameter such as ``?api_key=``) is
refused (:func:`check_url`).  The key is never recorded: :meth:`describe` and
:meth:`cache_identity` hold the endpoint and model only.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import itertools
import json
import math
import os
import re
import threading
import urllib.parse
import uuid
import weakref
from collections.abc import Sequence
from typing import Any

from ...exceptions import BackendError, missing_dependency
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

__all__ = ["OpenAIChatBackend", "check_url"]

# Query parameters that carry credentials (compared case-insensitively, as substrings).
_SECRET_PARAM = re.compile(r"key|token|secret|passw|auth|sig|credential|session", re.I)


def check_url(url: str, what: str = "base URL") -> str:
    """Refuse a URL that is not http(s) or carries a credential; return it.

    The error never repeats the URL (it would repeat the secret).

    Raises
    ------
    BackendError

    Examples
    --------
    >>> check_url("http://127.0.0.1:8000/v1")
    'http://127.0.0.1:8000/v1'
    >>> check_url("https://api.example.com/v1?api_key=sk-123")
    Traceback (most recent call last):
    ...
    bayespersuade.exceptions.BackendError: the base URL carries a credential (query ...
    """
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        scheme = url.split(":", 1)[0] if isinstance(url, str) and ":" in url else url
        raise BackendError(f"the {what} must start with http:// or https:// (got scheme "
                           f"{scheme!r})")
    parts = urllib.parse.urlsplit(url)
    how = None
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        how = "user information before '@'"
    else:
        for name, _ in urllib.parse.parse_qsl(parts.query, keep_blank_values=True):
            if _SECRET_PARAM.search(name):
                how = f"query parameter {name!r}"
                break
        if how is None and parts.fragment and _SECRET_PARAM.search(parts.fragment):
            how = "a fragment"
    if how is not None:
        raise BackendError(
            f"the {what} carries a credential ({how}); URLs are recorded in run.json and "
            f"reports, so credentials are refused there: put the key in an environment "
            f"variable (OPENAI_API_KEY, or any name given with --api-key-env NAME)")
    return url


def _import_openai():
    try:
        import openai
    except ImportError:
        raise missing_dependency("openai", "openai") from None
    return openai


def _close_at_exit(ref) -> None:
    b = ref()
    if b is not None:
        with contextlib.suppress(Exception):
            b.close()


def _has_aiohttp() -> bool:
    import importlib.util

    return importlib.util.find_spec("aiohttp") is not None


class _Loop:
    """An asyncio event loop running in a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever,
                                       name="bayespersuade-openai-loop", daemon=True)
        self.thread.start()

    def submit(self, coro) -> concurrent.futures.Future:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def start(self, call: _Call, coro) -> None:
        """Run ``coro`` on the loop for ``call`` (from any thread; returns at once)."""
        self.loop.call_soon_threadsafe(self._start, call, coro)

    def _start(self, call: _Call, coro) -> None:
        if call.cancelled:
            coro.close()
            call.finish(None, _CANCELLED)
            return
        call.task = self.loop.create_task(coro)
        call.task.add_done_callback(call.task_done)

    def cancel(self, call: _Call) -> None:
        """Cancel ``call`` (from any thread); its waiter wakes with a cancellation."""
        call.cancelled = True
        self.loop.call_soon_threadsafe(call.cancel_task)


_CANCELLED = object()


class _Call:
    """One batch handed to the event loop, and the lock its caller waits on.

    Lighter than :func:`asyncio.run_coroutine_threadsafe`'s future: one thread lock,
    released by the loop when the batch is done; nothing else crosses the threads.
    """

    __slots__ = ("_done", "cancelled", "error", "result", "task")

    def __init__(self) -> None:
        self._done = threading.Lock()
        self._done.acquire()
        self.cancelled = False
        self.task: asyncio.Task | None = None
        self.result: Any = None
        self.error: Any = None

    def finish(self, result: Any, error: Any) -> None:
        self.result, self.error = result, error
        self._done.release()

    def task_done(self, task: asyncio.Task) -> None:
        if task.cancelled():
            self.finish(None, _CANCELLED)
        elif task.exception() is not None:
            self.finish(None, task.exception())
        else:
            self.finish(task.result(), None)

    def cancel_task(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def wait(self, poll: float = 0.2) -> Any:
        """The batch's result.

        The main thread polls, so that Ctrl-C reaches it while it waits; other
        threads (the runner's instances, which signals never reach: the runner
        cancels their calls instead) sleep until the loop releases them, without
        waking up every ``poll`` seconds for nothing.
        """
        if threading.current_thread() is threading.main_thread():
            while not self._done.acquire(timeout=poll):
                pass
        else:
            self._done.acquire()
        if self.error is _CANCELLED:
            raise concurrent.futures.CancelledError
        if self.error is not None:
            raise self.error
        return self.result


_SHARED: _Loop | None = None
_SHARED_LOCK = threading.Lock()


def _shared_loop() -> _Loop:
    """The process's one event loop for HTTP backends (started on first use).

    Every :class:`OpenAIChatBackend` of a process (the sender's and the
    receiver's, every batch and every instance) runs its requests on this loop,
    so one thread multiplexes them all and each wake-up of the loop serves
    every response that has arrived.
    """
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None or not _SHARED.thread.is_alive():
            _SHARED = _Loop()
        return _SHARED


_RESPONSE_CLASS: Any = None


def _response_class():
    """The raw response class of the HTTP library the installed SDK is built on."""
    global _RESPONSE_CLASS
    if _RESPONSE_CLASS is None:
        import importlib

        base = importlib.import_module("openai._base_client")
        for name in ("httpx2", "httpx"):
            mod = getattr(base, name, None)
            if mod is not None and hasattr(mod, "Response"):
                _RESPONSE_CLASS = mod.Response
                break
        else:
            raise BackendError("cannot find the openai SDK's HTTP response class")
    return _RESPONSE_CLASS


# The SDK's platform headers (telemetry: OS, architecture, Python and SDK versions);
# no server needs them, and building them into every request costs CPU time.
_TELEMETRY_HEADERS = ("X-Stainless-Lang", "X-Stainless-Package-Version", "X-Stainless-OS",
                      "X-Stainless-Arch", "X-Stainless-Runtime", "X-Stainless-Runtime-Version",
                      "X-Stainless-Async")


class _RequestOptions:
    """The SDK's options for one POST of a serialised body, copied from one template.

    :meth:`AsyncOpenAI.post` builds them afresh for every request (a pydantic
    ``construct`` that deep-copies the defaults); a shallow copy of a template
    built once is the same object for a fraction of the time.  Each copy gets an
    idempotency key of its own (a random prefix and a counter: the SDK draws a
    UUID per request), which the SDK reuses across the request's retries.
    """

    __slots__ = ("_copy", "_count", "_prefix", "_template")

    def __init__(self, url: str) -> None:
        from openai._compat import model_copy
        from openai._models import FinalRequestOptions

        self._copy = model_copy
        self._template = FinalRequestOptions.construct(method="post", url=url)
        self._prefix = f"bayespersuade-{uuid.uuid4()}-"
        self._count = itertools.count()

    def __call__(self, body: bytes) -> Any:
        options = self._copy(self._template)
        options.content = body
        options.idempotency_key = f"{self._prefix}{next(self._count)}"
        return options


class OpenAIChatBackend(Backend):
    """A model behind an OpenAI-compatible ``/chat/completions`` endpoint.

    Parameters
    ----------
    model : str
        The model name the server expects.
    base_url : str
        For example ``"http://127.0.0.1:8000/v1"`` or
        ``"https://api.openai.com/v1"``; must not carry a credential.
    api_key : str, optional
        Sent as ``Authorization: Bearer ...``.  Default: the environment
        variable named by ``api_key_env``; without one, the placeholder
        ``"EMPTY"`` (local servers started without a key ignore it).
    api_key_env : str, default "OPENAI_API_KEY"
    top_logprobs : int, default 20
        How many first-token alternatives to request when scoring.
    request_timeout : float, default 120
        Overall deadline of one request in seconds, retries and their waits
        included (also the per-attempt timeout).
    max_retries : int, default 4
        Retries of transient failures (the SDK's backoff, ``Retry-After``).
    concurrency : int, default 128
        At most this many requests in flight to this endpoint (from all
        batches and instances together).
    logprobs : bool, default True
        Whether to use log-probabilities at all (``False`` for servers that
        do not return them).
    reproducible_seeds : bool, default False
        Declare that the server samples reproducibly for a fixed ``seed``
        (vLLM does; hosted APIs only mostly).  Such requests may then be served
        from the response cache even at temperatures above zero.
    name : str, optional
        Recorded with results; default ``model``.

    Examples
    --------
    >>> b = OpenAIChatBackend("my-model", "http://127.0.0.1:8000/v1", api_key_env="NO_SUCH_VAR")
    >>> b.describe()["endpoint"]
    'http://127.0.0.1:8000/v1/chat/completions'
    >>> sorted(b.cache_identity())     # no credential in it
    ['backend', 'base_url', 'model', 'top_logprobs']
    """

    concurrent_safe = True

    def __init__(
        self,
        model: str,
        base_url: str,
        *,
        api_key: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        top_logprobs: int = 20,
        request_timeout: float = 120.0,
        max_retries: int = 4,
        concurrency: int = 128,
        logprobs: bool = True,
        reproducible_seeds: bool = False,
        name: str | None = None,
    ) -> None:
        if not model:
            raise BackendError("model name must be non-empty")
        check_url(base_url)
        if not (isinstance(top_logprobs, int) and top_logprobs >= 1):
            raise BackendError(f"top_logprobs must be a positive integer, got {top_logprobs!r}")
        if not (isinstance(concurrency, int) and concurrency >= 1):
            raise BackendError(f"concurrency must be a positive integer, got {concurrency!r}")
        if not (isinstance(request_timeout, int | float) and request_timeout > 0
                and math.isfinite(request_timeout)):
            raise BackendError(f"request_timeout must be a positive number of seconds, got "
                               f"{request_timeout!r}")
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise BackendError(f"max_retries must be an integer >= 0, got {max_retries!r}")
        self.model = model
        self.base_url = base_url.rstrip("/")
        self.endpoint = self.base_url + "/chat/completions"
        self._path = self.endpoint  # absolute: the SDK does not merge it into base_url
        self._api_key = api_key if api_key is not None else os.environ.get(api_key_env)
        self.top_logprobs = top_logprobs
        self.request_timeout = float(request_timeout)
        self.max_retries = max_retries
        self.concurrency = concurrency
        self.supports_logprobs = bool(logprobs)
        self.reproducible_seeds = bool(reproducible_seeds)
        self.name = name or model
        self.http_requests = 0  # attempts sent, retries included
        self.http_errors = 0    # attempts answered with HTTP >= 400
        self.transport: str | None = None  # "aiohttp" or "httpx", once connected
        self._lock = threading.Lock()
        self._loop: _Loop | None = None
        self._client: Any = None
        self._options: _RequestOptions | None = None
        self._sem: asyncio.Semaphore | None = None
        self._inflight: set[_Call] = set()

    def describe(self) -> dict:
        """Endpoint, model and scoring settings (never the API key)."""
        return {"backend": "openai-chat", "name": self.name, "model": self.model,
                "endpoint": self.endpoint, "top_logprobs": self.top_logprobs,
                "logprobs": self.supports_logprobs,
                "reproducible_seeds": self.reproducible_seeds,
                "seed_note": "the server decides whether 'seed' makes sampling reproducible"}

    def cache_identity(self) -> dict:
        """Base URL, model and ``top_logprobs`` (what the answers depend on; no key)."""
        return {"backend": "openai-chat", "base_url": self.base_url, "model": self.model,
                "top_logprobs": self.top_logprobs}

    # --------------------------------------------------------------- plumbing
    def _ensure_loop(self) -> _Loop:
        with self._lock:
            if self._loop is None:
                _import_openai()  # fail here, in the caller's thread, if it is missing
                self._loop = _shared_loop()
                atexit.register(_close_at_exit, weakref.ref(self))
            return self._loop

    def _make_client(self):
        openai = _import_openai()

        async def on_request(request):
            self.http_requests += 1

        async def on_response(response):
            if response.status_code >= 400:
                self.http_errors += 1

        hooks = {"request": [on_request], "response": [on_response]}
        http = None
        if _has_aiohttp():
            # The SDK's aiohttp transport costs about a third of the client CPU time
            # per request of the default one (benchmarks/bench_throughput.py).
            with contextlib.suppress(Exception):
                http = openai.DefaultAioHttpClient(event_hooks=hooks)
                self.transport = "aiohttp"
        if http is None:
            http = openai.DefaultAsyncHttpxClient(event_hooks=hooks)
            self.transport = "httpx"
        omit = getattr(openai, "Omit", None)
        return openai.AsyncOpenAI(
            api_key=self._api_key or "EMPTY", base_url=self.base_url,
            max_retries=self.max_retries,
            timeout=openai.Timeout(self.request_timeout,
                                   connect=min(10.0, self.request_timeout)),
            default_headers=({h: omit() for h in _TELEMETRY_HEADERS} if omit is not None
                             else None),
            http_client=http)

    async def _acreate(self, body: bytes) -> bytes:
        """Send one serialised request body; the answer's raw bytes."""
        openai = _import_openai()
        if self._client is None:
            self._client = self._make_client()
            try:  # the SDK's private option types: where they differ, post() below
                self._options = _RequestOptions(self._path)
            except (ImportError, AttributeError, TypeError):
                self._options = None
            self._sem = asyncio.Semaphore(self.concurrency)
        try:
            async with self._sem, asyncio.timeout(self.request_timeout):
                # The SDK's request machinery (retries, backoff, Retry-After, errors),
                # answered as the raw HTTP response: this module reads the JSON itself,
                # so that vLLM's extra fields and malformed answers are handled alike.
                # The body goes out as the bytes serialised once by the caller
                # (what ``post(path, content=body, cast_to=...)`` does, without
                # building its options afresh).
                if self._options is not None:
                    raw = await self._client.request(_response_class(), self._options(body))
                else:  # an SDK without the private types used above
                    raw = await self._client.post(self._path, content=body,
                                                  cast_to=_response_class())
                return raw.content
        except TimeoutError:
            raise BackendError(
                f"{self.endpoint}: no complete answer within the request deadline of "
                f"{self.request_timeout:g} s (attempts and retries included)") from None
        except openai.APIStatusError as e:
            raise BackendError(f"{self.endpoint} answered HTTP {e.status_code}: "
                               f"{_detail(e)} (after up to {self.max_retries} retries)"
                               ) from None
        except openai.APIConnectionError as e:  # timeouts included
            cause: BaseException = e
            while (cause.__cause__ or cause.__context__) is not None:
                cause = cause.__cause__ or cause.__context__
            what = str(cause) or type(cause).__name__
            raise BackendError(f"could not reach {self.endpoint}: {type(cause).__name__}: "
                               f"{what} (after {self.max_retries} retries)") from None

    async def _acreate_all(self, bodies: list[bytes]) -> list[bytes]:
        """All requests of one batch at once; the first failure cancels the others."""
        if len(bodies) == 1:
            return [await self._acreate(bodies[0])]
        tasks = [asyncio.ensure_future(self._acreate(b)) for b in bodies]
        try:
            return list(await asyncio.gather(*tasks))
        except BaseException:
            for t in tasks:
                t.cancel()
            raise

    def _parse(self, body: bytes) -> dict:
        try:
            resp = json.loads(body)
        except ValueError:
            raise BackendError(f"{self.endpoint} returned invalid JSON: {body[:200]!r}"
                               ) from None
        if not isinstance(resp, dict):
            raise BackendError(f"{self.endpoint} returned JSON that is not an object: "
                               f"{body[:200]!r}")
        return resp

    def _post_many(self, payloads: list[dict]) -> list[dict]:
        """Send a batch of requests (one hand-off to the event loop); answers in order."""
        bodies = [json.dumps(p, separators=(",", ":")).encode() for p in payloads]
        loop = self._ensure_loop()
        call = _Call()
        with self._lock:
            self._inflight.add(call)
        try:
            loop.start(call, self._acreate_all(bodies))
            try:
                raw = call.wait()
            except concurrent.futures.CancelledError:
                raise BackendError(f"request to {self.endpoint} cancelled") from None
        except BaseException:
            loop.cancel(call)
            raise
        finally:
            with self._lock:
                self._inflight.discard(call)
        return [self._parse(b) for b in raw]

    def cancel(self) -> None:
        """Abandon every request in flight (their callers get :class:`BackendError`)."""
        with self._lock:
            calls = list(self._inflight)
            loop = self._loop
        if loop is not None:
            for c in calls:
                loop.cancel(c)

    def close(self) -> None:
        """Close the HTTP client (the shared event loop keeps running for others)."""
        with self._lock:
            loop, self._loop = self._loop, None
            client, self._client = self._client, None
            self._options = None
        if loop is None or client is None:
            return
        with contextlib.suppress(Exception):  # closing is best effort
            loop.submit(client.close()).result(timeout=2)

    def _first_choice(self, resp: dict) -> dict:
        try:
            choice = resp["choices"][0]
        except (KeyError, IndexError, TypeError):
            raise BackendError(f"{self.endpoint} returned no choices: "
                               f"{json.dumps(resp)[:300]}") from None
        if not isinstance(choice, dict):
            raise BackendError(f"{self.endpoint} returned a choice that is not an object")
        return choice

    # ------------------------------------------------------------ generation
    def _gen_payload(self, messages: Chat, max_new_tokens: int, temperature: float,
                     seed: int | None, prefix: str) -> dict:
        check_generation_args(max_new_tokens, temperature)
        msgs = check_chat(messages)
        payload: dict = {"model": self.model, "messages": msgs,
                         "max_tokens": max_new_tokens, "temperature": float(temperature)}
        if prefix:
            payload["messages"] = [*msgs, {"role": "assistant", "content": prefix}]
            payload["continue_final_message"] = True
            payload["add_generation_prompt"] = False
        if seed is not None:
            payload["seed"] = int(seed) % (2**31)
        return payload

    def _gen_text(self, resp: dict, prefix: str) -> str:
        content = (self._first_choice(resp).get("message") or {}).get("content")
        if not isinstance(content, str):
            raise BackendError(f"{self.endpoint} returned a choice without text content")
        return prefix + content.rstrip() if prefix else content.strip()

    def generate(self, messages: Chat, *, max_new_tokens: int, temperature: float = 0.0,
                 seed: int | None = None, prefix: str = "") -> str:
        """The server's reply to the chat.

        A ``prefix`` is sent as a final assistant message with vLLM's
        ``continue_final_message: true, add_generation_prompt: false``; servers
        without that extension may not continue it (the reply is returned with
        the prefix in front either way).
        """
        return self.generate_batch([GenerationRequest(messages, seed, prefix)],
                                   max_new_tokens=max_new_tokens, temperature=temperature)[0]

    def generate_batch(self, requests: Sequence[GenerationRequest], *, max_new_tokens: int,
                       temperature: float = 0.0) -> list[str]:
        """Concurrent :meth:`generate` calls (results in request order)."""
        reqs = list(requests)
        payloads = [self._gen_payload(r.messages, max_new_tokens, temperature, r.seed,
                                      r.prefix) for r in reqs]
        return [self._gen_text(resp, r.prefix)
                for r, resp in zip(reqs, self._post_many(payloads))]

    # --------------------------------------------------------------- scoring
    def _score_payload(self, messages: Chat, options: Sequence[str]) -> tuple[dict, tuple]:
        opts = check_options(options)
        if not self.supports_logprobs:
            raise BackendError(f"backend {self.name!r} was configured without log-probabilities")
        return ({"model": self.model, "messages": check_chat(messages), "max_tokens": 1,
                 "temperature": 0.0, "logprobs": True, "top_logprobs": self.top_logprobs},
                opts)

    def _scores(self, resp: dict, opts: tuple[str, ...]) -> OptionScores:
        choice = self._first_choice(resp)
        try:
            first = choice["logprobs"]["content"][0]
            top = first.get("top_logprobs") or [{"token": first["token"],
                                                 "logprob": first["logprob"]}]
            pairs = [(str(t["token"]), float(t["logprob"])) for t in top]
        except (KeyError, IndexError, TypeError, ValueError, AttributeError):
            raise BackendError(
                f"{self.endpoint} returned no token log-probabilities for model "
                f"{self.model!r}; use a server that returns them (vLLM, llama.cpp's server: "
                f"see the how-to on served models), or run without beliefs (--no-beliefs)"
            ) from None
        if any(math.isnan(v) or v > 1e-6 for _, v in pairs):
            raise BackendError(f"{self.endpoint} returned log-probabilities that are not "
                               f"<= 0: {pairs[:5]}")
        return OptionScores.from_top(opts, pairs)

    def score_options(self, messages: Chat, options: Sequence[str]) -> OptionScores:
        """Options' first-token log-probabilities from the server's top-k list."""
        return self.score_options_batch([ScoreRequest(messages, tuple(options))])[0]

    def score_options_batch(self, requests: Sequence[ScoreRequest]) -> list[OptionScores]:
        """Concurrent :meth:`score_options` calls (results in request order)."""
        built = [self._score_payload(r.messages, r.options) for r in requests]
        resps = self._post_many([p for p, _ in built])
        return [self._scores(resp, opts) for resp, (_, opts) in zip(resps, built)]


def _detail(e: Any) -> str:
    body = getattr(e, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        msg = err.get("message") if isinstance(err, dict) else err
        if msg:
            return str(msg)[:500]
    return str(getattr(e, "message", e))[:500]
