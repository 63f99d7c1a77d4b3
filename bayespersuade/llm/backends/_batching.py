"""A batching coordinator: one worker thread serves many calling threads.

Concurrent callers (the runner's instance threads) :meth:`~Coordinator.submit`
jobs and block until their own result comes back.  A single worker thread
collects the pending jobs and hands those that can share a computation (same
``key``) to a ``run`` function, which returns one result per job.  The worker
starts a batch when

* the pending jobs of the oldest job's key hold ``max_rows`` rows, or
* every *active* caller has a job pending (a caller is active while it waits,
  and for ``linger_s`` after its last result: the time it takes to parse a
  reply and ask again), none of them for the first time, or
* ``window_s`` has passed since the oldest pending job arrived.

A lone caller (concurrency 1) therefore waits for the window only once, on its
first call.

Errors stay with their caller: if ``run`` raises for a batch of several jobs,
each job is run again on its own, so an exception reaches only the job that
raised it.  :meth:`~Coordinator.cancel` fails every pending job (and asks the
running batch to stop, through :attr:`~Coordinator.cancelled`);
:meth:`~Coordinator.close` stops the worker.  The worker is a daemon thread
that ends after ``idle_s`` without work and is stopped at interpreter exit,
so it never holds a process alive.
"""

from __future__ import annotations

import atexit
import threading
import time
import weakref
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from ...exceptions import BackendError

__all__ = ["Coordinator", "Job"]


class Job:
    """One caller's request: what to compute, how many rows it adds to a batch."""

    __slots__ = ("caller", "done", "error", "key", "new_caller", "payload", "result", "rows",
                 "t")

    def __init__(self, key: Hashable, payload: Any, rows: int, caller: threading.Thread) -> None:
        self.key = key
        self.payload = payload
        self.rows = max(1, int(rows))
        self.caller = caller
        self.t = time.monotonic()
        self.new_caller = False
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None

    def finish(self, result: Any = None, error: BaseException | None = None) -> None:
        """Hand the result (or the error) to the waiting caller."""
        if not self.done.is_set():
            self.result, self.error = result, error
            self.done.set()


RunFn = Callable[[Hashable, Sequence[Job]], Sequence[Any]]


class Coordinator:
    """Collect concurrent callers' jobs and run compatible ones together.

    Parameters
    ----------
    run : callable
        ``run(key, jobs) -> results``, one result per job, in order.  Called
        only from the worker thread.
    max_rows : int
        Rows (``Job.rows``) a batch takes at most (a single larger job still
        runs alone).
    window_s : float
        Longest wait for other callers once a job is pending.
    linger_s : float
        How long a caller counts as active after its last result.
    idle_s : float
        The worker thread ends after this long without jobs (a later
        :meth:`submit` starts another), so an idle coordinator holds no thread.
    name : str
        The worker thread's name.

    Examples
    --------
    >>> c = Coordinator(lambda key, jobs: [key * len(jobs)] * len(jobs), max_rows=4,
    ...                 window_s=0.001)
    >>> c.submit("a", None)          # a lone caller runs at once, in a batch of one
    'a'
    >>> c.close()
    """

    def __init__(self, run: RunFn, *, max_rows: int, window_s: float = 0.005,
                 linger_s: float = 0.05, idle_s: float = 2.0,
                 name: str = "bayespersuade-batcher") -> None:
        self._run = run
        self.max_rows = max_rows
        self.window_s = window_s
        self.linger_s = linger_s
        self.idle_s = idle_s
        self.name = name
        self._cond = threading.Condition()
        self._pending: list[Job] = []
        self._last_seen: dict[threading.Thread, float] = {}
        self._worker: threading.Thread | None = None
        self._closed = False
        #: Set by :meth:`cancel`; a long batch (decoding) checks it between steps.
        self.cancelled = threading.Event()
        #: Sizes (jobs) of the batches run so far, for tests and benchmarks.
        self.batch_sizes: list[int] = []
        ref = weakref.ref(self)
        self._atexit = lambda: (c.close() if (c := ref()) is not None else None)
        atexit.register(self._atexit)

    # ------------------------------------------------------------- callers
    def submit(self, key: Hashable, payload: Any, rows: int = 1) -> Any:
        """Queue a job, wait for it, return its result (or raise its error).

        Raises
        ------
        BackendError
            If the coordinator is closed, or the job was cancelled.
        """
        job = Job(key, payload, rows, threading.current_thread())
        with self._cond:
            if self._closed:
                raise BackendError("the backend is closed")
            job.new_caller = job.caller not in self._last_seen
            self._pending.append(job)
            self._last_seen[job.caller] = job.t
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._loop, name=self.name,
                                                daemon=True)
                self._worker.start()
            self._cond.notify_all()
        try:
            while not job.done.wait(0.1):  # a timeout keeps Ctrl-C deliverable
                pass
        except BaseException:
            with self._cond:  # abandoned (KeyboardInterrupt): do not run it
                if job in self._pending:
                    self._pending.remove(job)
            job.finish(error=BackendError("abandoned by its caller"))
            raise
        finally:
            with self._cond:
                self._last_seen[job.caller] = time.monotonic()
        if job.error is not None:
            raise job.error
        return job.result

    def cancel(self) -> None:
        """Fail every pending job and ask the running batch to stop."""
        with self._cond:
            jobs, self._pending = self._pending, []
            self.cancelled.set()
            self._cond.notify_all()
        for j in jobs:
            j.finish(error=BackendError("request cancelled"))

    def close(self, timeout: float = 1.0) -> None:
        """Cancel pending jobs and stop the worker (waits at most ``timeout`` s)."""
        with self._cond:
            self._closed = True
        self.cancel()
        w = self._worker
        if w is not None and w is not threading.current_thread():
            w.join(timeout)
        atexit.unregister(self._atexit)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    @property
    def worker_alive(self) -> bool:
        """Whether the worker thread is running."""
        return self._worker is not None and self._worker.is_alive()

    # -------------------------------------------------------------- worker
    def _active_callers(self, now: float) -> int:
        waiting = {j.caller for j in self._pending}
        for t, seen in list(self._last_seen.items()):
            if not t.is_alive():
                del self._last_seen[t]
            elif now - seen <= self.linger_s:
                waiting.add(t)
        return len(waiting)

    def _take(self) -> list[Job] | None:
        """Wait for a batch to be ready and remove it from the queue (None: stop)."""
        idle_since = None
        with self._cond:
            while True:
                if self._closed:
                    return None
                if not self._pending:
                    if idle_since is None:
                        idle_since = time.monotonic()
                    elif time.monotonic() - idle_since >= self.idle_s:
                        self._worker = None  # a later submit starts a new worker
                        return None
                    self._cond.wait(min(0.5, self.idle_s))
                    continue
                idle_since = None
                first = self._pending[0]
                same = [j for j in self._pending if j.key == first.key]
                now = time.monotonic()
                rows = sum(j.rows for j in same)
                callers = {j.caller for j in self._pending}
                # A caller's first job waits for the window: its fellow callers
                # (threads started together) are not known yet.
                ready = (rows >= self.max_rows
                         or now - first.t >= self.window_s
                         or (len(callers) >= self._active_callers(now)
                             and not any(j.new_caller for j in self._pending)))
                if ready:
                    break
                self._cond.wait(max(self.window_s - (now - first.t), 1e-4))
            batch, total = [], 0
            for j in same:
                if batch and total + j.rows > self.max_rows:
                    break
                batch.append(j)
                total += j.rows
            for j in batch:
                self._pending.remove(j)
            self.cancelled.clear()
            return batch

    def _loop(self) -> None:
        while True:
            batch = self._take()
            if batch is None:
                return
            self.batch_sizes.append(len(batch))
            self._serve(batch)

    def _serve(self, batch: list[Job]) -> None:
        try:
            results = self._run(batch[0].key, batch)
        except BaseException as e:
            if len(batch) == 1 or self.cancelled.is_set():
                for j in batch:
                    j.finish(error=e)
                return
            for j in batch:  # find whose request failed: run each alone
                self._serve([j])
            return
        if len(results) != len(batch):  # pragma: no cover - a bug in run
            err = BackendError(f"batch returned {len(results)} results for {len(batch)} jobs")
            for j in batch:
                j.finish(error=err)
            return
        for j, r in zip(batch, results):
            j.finish(result=r)
