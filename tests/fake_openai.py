"""A fake OpenAI-compatible chat server on 127.0.0.1, with latency, slots and faults.

Used by the fault-mode tests (``tests/test_llm_scale.py``) and the throughput
benchmark (``benchmarks/bench_throughput.py``).  It speaks HTTP/1.1 with
keep-alive like vLLM's server, answers ``POST /v1/chat/completions`` and counts
every request it receives.

* ``latency``: seconds each answer takes (time spent holding a slot);
* ``slots``: at most this many requests are served at once (others queue, as on
  a server with that many parallel sequences);
* ``faults``: a function ``faults(n, body) -> str | None`` choosing a fault for
  the ``n``-th request (0-based), or a list used for the first requests:
  ``"hang"`` (never answers), ``"trickle"`` (a valid answer one byte every
  0.2 s), ``"429"`` (with ``Retry-After``), ``"500"``, ``"502"``, ``"503"``,
  ``"malformed"`` (a body that is not JSON), ``"missing"`` (JSON without
  ``choices``), ``"truncated"`` (the connection closes mid-body), ``"reset"``
  (the connection closes before any answer), ``"nologprobs"`` (an answer
  without log-probabilities), ``"400"`` (a client error).

The default answers play the persuasion protocol: a sender argues, a receiver
answers with a score that rises with each argument it has seen, and
log-probability requests get first-token top lists for Yes/No and 1..7.
"""

from __future__ import annotations

import contextlib
import json
import math
import socket
import threading
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def completion(content: str, top: list[tuple[str, float]] | None = None) -> dict:
    choice = {"index": 0, "message": {"role": "assistant", "content": content},
              "finish_reason": "stop", "logprobs": None}
    if top is not None:
        choice["logprobs"] = {"content": [{
            "token": top[0][0], "logprob": top[0][1], "bytes": None,
            "top_logprobs": [{"token": t, "logprob": lp, "bytes": None} for t, lp in top]}]}
    return {"id": "x", "object": "chat.completion", "created": 0, "model": "fake",
            "choices": [choice],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


def protocol_answer(body: dict) -> dict:
    """A deterministic answer to any request the persuasion protocol makes."""
    msgs = body["messages"]
    n_args = sum("<argument>" in m["content"] for m in msgs if m["role"] == "user")
    if body.get("logprobs"):
        q = msgs[-1]["content"]
        if "Yes or No" in q:
            p = min(0.2 + 0.1 * n_args, 0.9)
            return completion("Yes", [("Yes", math.log(p)), ("No", math.log(1 - p))])
        w = [1.0 + (k == min(3 + n_args, 7)) * 3 for k in range(1, 8)]
        z = sum(w)
        return completion("4", [(str(k), math.log(w[k - 1] / z)) for k in range(1, 8)])
    if msgs[0]["role"] == "system" and "persuader" in msgs[0]["content"]:
        k = sum(m["role"] == "assistant" for m in msgs) + 1
        return completion(f"<argument>Reason {k}: it holds. [seed {body.get('seed')}]"
                          f"</argument>")
    score = min(3 + n_args, 7)
    return completion(f"<thinking>t</thinking><score>{score}</score><opinion>o{score}"
                      f"</opinion><question>q{score}?</question>")


class FakeOpenAIServer:
    """The server, in a background thread; use as a context manager.

    Attributes
    ----------
    url : str
        ``http://127.0.0.1:PORT/v1``.
    requests : list of dict
        Every request body received, in order of arrival.
    headers : list of dict
    """

    def __init__(self, respond: Callable[[dict], dict] = protocol_answer, *,
                 latency: float = 0.0, slots: int | None = None,
                 faults: Callable[[int, dict], str | None] | Sequence[str | None] | None = None,
                 retry_after: str = "0.05", hang_s: float = 30.0) -> None:
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._slots = threading.BoundedSemaphore(slots) if slots else None
        self.max_in_flight = 0
        self.connections = 0  # TCP connections accepted (keep-alive reuses them)
        self._in_flight = 0
        seq = [] if faults is None or callable(faults) else list(faults)

        def pick(n: int, body: dict) -> str | None:
            if callable(faults):
                return faults(n, body)
            return seq[n] if n < len(seq) else None
        outer = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                with outer._lock:
                    outer.connections += 1
                # Headers and body go out in two writes: without this, Nagle's algorithm
                # and the client's delayed ACK add about 40 ms to every answer.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self):
                n_bytes = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(n_bytes))
                with outer._lock:
                    n = len(outer.requests)
                    outer.requests.append(body)
                    outer.headers.append(dict(self.headers))
                if self.path != "/v1/chat/completions":
                    return self._send(404, {"error": {"message": f"no route {self.path}"}})
                fault = pick(n, body)
                if outer._slots is not None:
                    outer._slots.acquire()
                with outer._lock:
                    outer._in_flight += 1
                    outer.max_in_flight = max(outer.max_in_flight, outer._in_flight)
                try:
                    if latency:
                        time.sleep(latency)
                    self._answer(fault, body)
                finally:
                    with outer._lock:
                        outer._in_flight -= 1
                    if outer._slots is not None:
                        outer._slots.release()

            def _answer(self, fault, body):
                if fault is None:
                    return self._send(200, respond(body))
                if fault == "hang":
                    outer._stop.wait(hang_s)
                    self.close_connection = True
                    return None
                if fault in ("429", "500", "502", "503", "400"):
                    extra = {"Retry-After": retry_after} if fault == "429" else {
                        "Retry-After-Ms": "10"} if fault != "400" else {}
                    return self._send(int(fault), {"error": {"message": f"fault {fault}"}},
                                      extra)
                if fault == "malformed":
                    return self._send_raw(200, b"{not json at all")
                if fault == "missing":
                    return self._send(200, {"id": "x", "object": "chat.completion"})
                if fault == "nologprobs":
                    return self._send(200, completion("Yes"))
                if fault == "truncated":
                    data = json.dumps(respond(body)).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self._hard_close()
                    return None
                if fault == "reset":
                    self._hard_close()
                    return None
                if fault == "trickle":
                    data = json.dumps(respond(body)).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    for i in range(len(data)):
                        if outer._stop.wait(0.2):
                            break
                        try:
                            self.wfile.write(data[i:i + 1])
                            self.wfile.flush()
                        except OSError:
                            break
                    self.close_connection = True
                    return None
                raise ValueError(f"unknown fault {fault!r}")

            def do_GET(self):
                if self.path != "/stats":
                    return self._send(404, {"error": {"message": f"no route {self.path}"}})
                with outer._lock:
                    stats = {"requests": len(outer.requests),
                             "max_in_flight": outer.max_in_flight,
                             "connections": outer.connections}
                return self._send(200, stats)

            def _hard_close(self):
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)

            def _send(self, status, obj, extra=None):
                return self._send_raw(status, json.dumps(obj).encode(), extra)

            def _send_raw(self, status, data, extra=None):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in (extra or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    self.close_connection = True

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256

        self._server = Server(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        daemon=True)

    @property
    def n_requests(self) -> int:
        with self._lock:
            return len(self.requests)

    def __enter__(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def main(argv: Sequence[str] | None = None) -> None:  # pragma: no cover - manual use
    """Serve in the foreground: ``python tests/fake_openai.py --latency 0.2 --slots 64``.

    Prints the base URL on the first line; ``GET /stats`` answers the request count.
    """
    import argparse

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--latency", type=float, default=0.0)
    p.add_argument("--slots", type=int, default=None)
    p.add_argument("--faults", default=None,
                   help="comma-separated faults applied in turn (empty: none)")
    args = p.parse_args(argv)
    cycle = args.faults.split(",") if args.faults else None
    faults = (lambda n, body: cycle[n % len(cycle)] or None) if cycle else None
    with FakeOpenAIServer(latency=args.latency, slots=args.slots, faults=faults) as srv:
        print(srv.url, flush=True)
        while True:
            time.sleep(3600)


if __name__ == "__main__":  # pragma: no cover
    main()
