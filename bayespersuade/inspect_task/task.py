"""The Inspect task ``bayespersuade/persuasion``: solver, scorer and metrics.

One Inspect sample per instance (claim).  The solver plays the library's
protocol, :func:`bayespersuade.llm.protocol.run_instance` itself — the same
prompts, parsing, rounds, seeds and belief questions as ``bayespersuade
evaluate`` — with the models of the ``sender`` and ``receiver`` roles
(:class:`~bayespersuade.inspect_task.backend.InspectBackend`).  The
transcript is kept in the sample's store, in the shape the library's runner
writes to ``results.jsonl``.

The scorer computes :func:`bayespersuade.llm.metrics.instance_metrics` on that
transcript and reports, per sample, for the final round:

``ceiling``
    ``ΔV(μ0) = V(μ0) − v̂(μ0)``, the most any signaling scheme gains against a
    Bayesian receiver with the receiver's prior (exact, certified).
``score_gain``
    The reported-score gain ``s_final − s0`` (mean over the instance's
    parsable dialogues), the metric of Cheng & You (2025).
``model_gain``
    The model-consistent gain ``v̂(μ_m) − v̂(μ0)`` from the elicited beliefs.
``belief_shift``
    The signed mean shift of ``P(true)``, ``mean_m μ_m(true) − μ0(true)``
    (binary-truth and evidence-stance games): zero in expectation for a
    Bayesian receiver whatever the sender does (the martingale property).
``bp_gap``
    The Bayes-plausibility gap ``‖mean posterior − μ0‖₁``.

Each is a float, or ``nan`` where it is undefined (an unavailable belief, an
unparsable score): Inspect's sentinel for "not scored", which its metrics
leave out and count as unscored — never a default.  The score's metadata holds the exact
values as ``"p/q"`` strings and the full ``instance_metrics`` record.  The
task's metrics are the means over the samples where a value is defined, with
their count, standard error and 95 % interval (a bootstrap over samples; for
``ceiling``, ``score_gain``, ``model_gain`` and ``bp_gap`` the interval
``summary.json`` reports, same method and seed).

References
----------
Cheng, Z. and You, J. (2025). Towards strategic persuasion with language
models. arXiv:2509.22989 (ICLR 2026).
Kamenica, E. and Gentzkow, M. (2011). Bayesian persuasion. *American Economic
Review* 101(6), 2590-2615.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import time
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from .._version import __version__
from ..exceptions import DataError, InvalidGameError, InvalidParameterError
from ..instances.families import evidence_support_share
from ..llm import prompts
from ..llm.metrics import FAMILIES, belief_kind, exact_belief, instance_flags, instance_metrics
from ..llm.protocol import ProtocolConfig, derive_seed, run_instance, select_evidence
from ..llm.store import INSTANCE_SCHEMA
from ._deps import require_inspect
from .backend import InspectBackend

require_inspect()

from inspect_ai import Task, task  # noqa: E402
from inspect_ai.dataset import MemoryDataset, Sample  # noqa: E402
from inspect_ai.model import ChatMessageAssistant, ModelOutput, get_model  # noqa: E402
from inspect_ai.scorer import (  # noqa: E402
    Metric,
    SampleScore,
    Score,
    Target,
    metric,
    scorer,
)
from inspect_ai.solver import Generate, Solver, TaskState, solver  # noqa: E402

__all__ = [
    "RECORD_KEY",
    "SCORE_KEYS",
    "TASK_METADATA_KEY",
    "ci_high_defined",
    "ci_low_defined",
    "load_records",
    "mean_defined",
    "n_defined",
    "persuasion",
    "persuasion_dataset",
    "persuasion_scorer",
    "persuasion_solver",
    "stderr_defined",
]

#: Where the solver keeps the instance record in the sample's store.
RECORD_KEY = "bayespersuade:record"
#: Where the task keeps the evaluation settings in the task's metadata.
TASK_METADATA_KEY = "bayespersuade"
#: The score values of each sample (see the module docstring).
SCORE_KEYS = ("ceiling", "score_gain", "model_gain", "belief_shift", "bp_gap")


# ------------------------------------------------------------------ metrics

def _defined(scores: Sequence[SampleScore]) -> list[float]:
    out = []
    for s in scores:
        v = s.score.value
        if v is None or isinstance(v, bool) or not isinstance(v, int | float):
            continue
        if isinstance(v, float) and math.isnan(v):
            continue
        out.append(float(v))
    return out


@metric
def mean_defined() -> Metric:
    """The mean over the samples where the value is defined (``nan`` if none is).

    Examples
    --------
    >>> from inspect_ai.scorer import SampleScore, Score
    >>> m = mean_defined()
    >>> m([SampleScore(score=Score(value=v)) for v in (1.0, 2.0)])
    1.5
    """

    def compute(scores: list[SampleScore]) -> float:
        xs = _defined(scores)
        return float(sum(xs) / len(xs)) if xs else math.nan

    return compute


@metric
def n_defined() -> Metric:
    """How many samples have the value defined.

    Examples
    --------
    >>> from inspect_ai.scorer import SampleScore, Score
    >>> n_defined()([SampleScore(score=Score(value=v)) for v in (1.0, 2.0)])
    2
    """

    def compute(scores: list[SampleScore]) -> int:
        return len(_defined(scores))

    return compute


@metric
def stderr_defined() -> Metric:
    """The standard error of :func:`mean_defined`: ``sd / √n`` (``nan`` for n < 2).

    Examples
    --------
    >>> from inspect_ai.scorer import SampleScore, Score
    >>> stderr_defined()([SampleScore(score=Score(value=v)) for v in (1.0, 3.0)])
    1.0
    """

    def compute(scores: list[SampleScore]) -> float:
        xs = _defined(scores)
        n = len(xs)
        if n < 2:
            return math.nan
        m = sum(xs) / n
        var = sum((x - m) ** 2 for x in xs) / (n - 1)
        return float(math.sqrt(var / n))

    return compute


@functools.lru_cache(maxsize=32)
def _interval(xs: tuple[float, ...]) -> tuple[float, float]:
    """The 95 % interval of the mean of ``xs`` (``nan`` where it is undefined)."""
    from ..instances.stats import cluster_mean

    e = cluster_mean([[x] for x in xs])
    if e.ci_low is None:
        return math.nan, math.nan
    return float(e.ci_low), float(e.ci_high)


@metric
def ci_low_defined() -> Metric:
    """The lower end of the 95 % interval of :func:`mean_defined` (``nan`` for n < 2).

    The interval is :func:`bayespersuade.instances.stats.cluster_mean`'s over the
    samples (each sample one instance, its value the instance's mean): a
    percentile bootstrap with 2000 resamples and seed 0, the interval that
    ``summary.json`` reports for the means of ``ceiling``, ``score_gain``,
    ``model_gain`` and ``bp_gap`` (``bayes_consistency.l1_gap`` there).  Each
    sample counts once.

    Examples
    --------
    >>> from inspect_ai.scorer import SampleScore, Score
    >>> scores = [SampleScore(score=Score(value=v)) for v in (0.0, 1.0, 2.0, 3.0)]
    >>> lo, hi = ci_low_defined()(scores), ci_high_defined()(scores)
    >>> 0.0 <= lo < 1.5 < hi <= 3.0
    True
    >>> math.isnan(ci_low_defined()([SampleScore(score=Score(value=1.0))]))
    True
    """

    def compute(scores: list[SampleScore]) -> float:
        return _interval(tuple(_defined(scores)))[0]

    return compute


@metric
def ci_high_defined() -> Metric:
    """The upper end of the 95 % interval of :func:`mean_defined` (``nan`` for n < 2).

    See :func:`ci_low_defined`.

    Examples
    --------
    >>> from inspect_ai.scorer import SampleScore, Score
    >>> ci_high_defined()([SampleScore(score=Score(value=v)) for v in (2.0, 2.0)])
    2.0
    """

    def compute(scores: list[SampleScore]) -> float:
        return _interval(tuple(_defined(scores)))[1]

    return compute


# ------------------------------------------------------------------ dataset

def load_records(dataset: str = "perspectrum", split: str | None = "test",
                 dataset_path: str | None = None) -> list:
    """The instances of a dataset, as ``bayespersuade evaluate`` loads them.

    Without ``dataset_path`` the bundled copy is used (PERSPECTRUM only).

    Examples
    --------
    >>> len(load_records("perspectrum", "test"))
    227
    """
    from .. import datasets

    opts = {"split": split} if split else {}
    if dataset_path is None:
        res = datasets.load_embedded(dataset, **opts)
    else:
        res = datasets.load_dataset(dataset, dataset_path, **opts)
    return list(res.records)


def persuasion_dataset(records: Sequence[Any], *, seed: int = 0,
                       limit: int | None = None) -> MemoryDataset:
    """One Inspect sample per instance (``id`` the record's id).

    The sample's metadata holds the instance key, index and seed (derived
    from ``seed``, the dataset and the id, as the library's runner does).

    Raises
    ------
    DataError
        If two records share ``dataset/id``.

    Examples
    --------
    >>> from bayespersuade.datasets.records import ClaimRecord
    >>> ds = persuasion_dataset([ClaimRecord("demo", "1", "Cats are mammals.")])
    >>> ds[0].id, ds[0].input, ds[0].metadata["key"]
    ('1', 'Cats are mammals.', 'demo/1')
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                              or limit < 0):
        raise InvalidParameterError(f"limit must be a non-negative integer, got {limit!r}")
    scope = list(records)[:limit] if limit is not None else list(records)
    samples = []
    seen: dict[str, int] = {}
    for i, rec in enumerate(scope):
        key = f"{rec.dataset}/{rec.id}"
        if key in seen:
            raise DataError(f"instance {key!r} occurs twice (records {seen[key]} and {i})")
        seen[key] = i
        samples.append(Sample(
            input=rec.claim, target="", id=str(rec.id),
            metadata={"key": key, "index": i, "dataset": rec.dataset, "id": str(rec.id),
                      "claim": rec.claim, "seed": derive_seed(seed, rec.dataset, rec.id),
                      "flags": instance_flags(rec),
                      "evidence": [{"id": e.id, "text": e.text, "stance": e.stance}
                                   for e in rec.evidence]}))
    return MemoryDataset(samples, name=scope[0].dataset if scope else None)


# ------------------------------------------------------------------ solver

def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _play(meta: Mapping, sender: InspectBackend, receiver: InspectBackend,
          protocol: ProtocolConfig, family: str, evidence_per_instance: int | None) -> dict:
    """The runner's instance record (without metrics) for one sample."""
    from ..datasets.records import Evidence

    key, seed = meta["key"], int(meta["seed"])
    rec = {"schema": INSTANCE_SCHEMA, "key": key, "index": meta["index"],
           "dataset": meta["dataset"], "id": meta["id"], "claim": meta["claim"], "seed": seed,
           "library_version": __version__, "prompt_version": prompts.PROMPT_VERSION,
           **meta.get("flags", {})}
    evidence = None
    if family == "evidence-stance":
        ev = [Evidence(e["id"], e["text"], e["stance"]) for e in meta["evidence"]]
        bad = [e for e in ev if e.stance not in ("support", "undermine")]
        if bad:
            raise DataError(f"instance {key!r}: evidence {bad[0].id!r} has stance "
                            f"{bad[0].stance!r}, not 'support' or 'undermine'")
        if not ev:
            return {**rec, "status": "skipped", "reason": "no evidence for this claim"}
        prior, origin = evidence_support_share(ev, "labels")
        try:
            votes_share = str(evidence_support_share(ev, "votes")[0])
        except InvalidGameError as e:
            votes_share = f"unavailable: {e}"
        evidence = select_evidence(ev, evidence_per_instance, derive_seed(seed, "evidence"))
        rec["evidence_prior_support"] = str(prior)
        rec["evidence_prior_origin"] = origin
        rec["evidence_support_share_votes"] = votes_share
    raw = run_instance(meta["claim"], sender, receiver, protocol, seed=seed, evidence=evidence)
    return {**rec, "status": "done", "transcript": raw}


def _receiver_view(raw: Mapping, claim: str, rounds: int) -> list[Any]:
    """The first dialogue as the receiver saw it (for Inspect's log viewer)."""
    from .backend import to_inspect_messages

    chat = [{"role": "system", "content": prompts.receiver_system()},
            {"role": "user", "content": prompts.receiver_first_turn(claim)},
            {"role": "assistant", "content": raw["initial"]["reply"]}]
    for rd in (raw["dialogues"][0]["rounds"] if raw["dialogues"] else []):
        arg = (rd.get("sender") or {}).get("parsed", {}).get("argument")
        if arg is None:
            break
        chat.append({"role": "user",
                     "content": prompts.receiver_argument_turn(arg, rd["round"], rounds)})
        if "receiver" in rd:
            chat.append({"role": "assistant", "content": rd["receiver"]["reply"]})
    return to_inspect_messages(chat)


@solver
def persuasion_solver(
    protocol: ProtocolConfig,
    *,
    family: str = "binary-truth",
    evidence_per_instance: int | None = None,
    top_logprobs: int = 20,
    cache: bool = False,
) -> Solver:
    """Play the library's protocol with the ``sender`` and ``receiver`` model roles.

    Runs :func:`bayespersuade.llm.protocol.run_instance` on the sample's claim
    (in a worker thread; every model call goes back to Inspect's event loop)
    and keeps the instance record in the sample's store under
    :data:`RECORD_KEY`.  Both roles are required.

    Parameters
    ----------
    protocol : ProtocolConfig
    family : str, default "binary-truth"
        ``"evidence-stance"`` shows each piece of the claim's evidence to the
        sender of dialogues of its own, as ``bayespersuade evaluate`` does.
    evidence_per_instance : int, optional
    top_logprobs : int, default 20
    cache : bool, default False
        Inspect's response cache for every model call.

    Examples
    --------
    >>> persuasion_solver(ProtocolConfig("static"))  # doctest: +ELLIPSIS
    <function persuasion_solver.<locals>.solve at ...>
    """
    import anyio.to_thread

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        sender = InspectBackend(get_model(role="sender", required=True),
                                top_logprobs=top_logprobs, cache=cache,
                                logprobs=False)
        receiver = InspectBackend(get_model(role="receiver", required=True),
                                  top_logprobs=top_logprobs, cache=cache,
                                  logprobs=protocol.beliefs)
        t0 = time.perf_counter()
        rec = await anyio.to_thread.run_sync(functools.partial(
            _play, state.metadata, sender, receiver, protocol, family, evidence_per_instance))
        rec["elapsed_s"] = round(time.perf_counter() - t0, 3)
        rec["finished"] = _now()
        rec["models"] = {"sender": dict(sender.describe()),
                         "receiver": dict(receiver.describe())}
        state.store.set(RECORD_KEY, rec)
        if rec["status"] == "done":
            raw = rec["transcript"]
            state.messages = _receiver_view(raw, rec["claim"], int(protocol.rounds or 1))
            last = next((m for m in reversed(state.messages)
                         if isinstance(m, ChatMessageAssistant)), None)
            if last is not None:
                state.output = ModelOutput.from_content(str(receiver.model), last.text)
        return state

    return solve


# ------------------------------------------------------------------ scorer

def _q(x: Fraction | None) -> str | None:
    return None if x is None else str(x)


def _belief_shift(raw: Mapping, metrics: Mapping, kind: str) -> Fraction | None:
    """The exact signed mean shift of ``P(true)`` in the final round (yes/no beliefs)."""
    if kind != "yes_no" or metrics["belief_source"] != "logprobs" or not metrics["rounds"]:
        return None
    b0 = raw["initial"].get("beliefs")
    mu0 = exact_belief(b0[kind] if b0 else None, kind)
    if mu0 is None:
        return None
    r = len(metrics["rounds"]) - 1
    posts = []
    for d in raw["dialogues"]:
        rd = d["rounds"][r]
        if "receiver" in rd:
            mu = exact_belief((rd.get("beliefs") or {}).get(kind), kind)
            if mu is not None:
                posts.append(mu[1])
    if not posts:
        return None
    return sum(posts, Fraction(0)) / len(posts) - mu0[1]


def score_record(rec: Mapping, *, family: str = "binary-truth", loss: str = "quadratic",
                 belief_source: str = "logprobs", model: str | None = None) -> dict:
    """The score values and metadata of one instance record.

    Returns ``{"value": {...}, "metadata": {...}, "metrics": instance_metrics
    or None}``: the value holds :data:`SCORE_KEYS` as floats (``nan`` where
    undefined), the metadata the exact values as ``"p/q"`` strings (``None``
    where undefined).

    Examples
    --------
    >>> from bayespersuade.llm.backends.scripted import scripted_receiver, scripted_sender
    >>> raw = run_instance("X.", scripted_sender([2]), scripted_receiver(),
    ...                    ProtocolConfig("static"), seed=0)
    >>> s = score_record({"key": "d/1", "status": "done", "transcript": raw})
    >>> s["value"]["ceiling"], s["value"]["model_gain"], s["value"]["belief_shift"]
    (0.0, 1.0, 0.2)

    The exact shift is that of the recorded floats (``P(yes)`` went from
    ``0.25`` to the float nearest ``0.45``):

    >>> from fractions import Fraction
    >>> Fraction(s["metadata"]["belief_shift_exact"]) == Fraction(0.45) - Fraction(1, 4)
    True
    """
    if rec.get("status") != "done":
        value = dict.fromkeys(SCORE_KEYS, math.nan)
        return {"value": value, "metrics": None,
                "metadata": {"status": rec.get("status"), "reason": rec.get("reason")}}
    ev = rec.get("evidence_prior_support")
    m = instance_metrics(rec["transcript"], family=family, loss=loss,
                         belief_source=belief_source, model=model,
                         evidence_prior=Fraction(ev) if ev is not None else None,
                         name=rec["key"])
    game = m.get("game")
    final = m["rounds"][-1] if m["rounds"] else {}
    shift = _belief_shift(rec["transcript"], m, belief_kind(family))
    raw_value = {
        "ceiling": game["ceiling"] if game else None,
        "score_gain": final.get("mean_score_gain"),
        "model_gain": final.get("mean_model_gain"),
        "belief_shift": None if shift is None else float(shift),
        "bp_gap": final.get("bayes_plausibility_gap"),
    }
    value = {k: math.nan if v is None else float(v) for k, v in raw_value.items()}
    meta = {
        "status": "done",
        "round": final.get("round"),
        "ceiling_exact": game["ceiling_exact"] if game else None,
        "value_exact": game["value_exact"] if game else None,
        "no_disclosure_value_exact": game["no_disclosure_value_exact"] if game else None,
        "model_gain_exact": final.get("mean_model_gain_exact"),
        "belief_shift_exact": _q(shift),
        "bp_gap_exact": final.get("bayes_plausibility_gap_exact"),
        "achieved_over_ceiling_exact": final.get("achieved_over_ceiling_exact"),
        "prior": m["prior"],
        "game": game,
        "game_unavailable": m.get("game_unavailable"),
        "instance_metrics": m,
    }
    return {"value": value, "metadata": meta, "metrics": m}


def _explain(value: Mapping, meta: Mapping) -> str:
    if meta.get("status") != "done":
        return f"not scored: {meta.get('status')} ({meta.get('reason')})"
    if meta.get("game") is None:
        return f"no game: {meta.get('game_unavailable')}"
    return (f"ceiling ΔV(μ0) = {meta['ceiling_exact']}; model-consistent gain "
            f"{meta['model_gain_exact']}; reported-score gain {value['score_gain']}; "
            f"signed P(true) shift {meta['belief_shift_exact']}; "
            f"BP gap {meta['bp_gap_exact']}")


_METRICS = {k: [mean_defined(), stderr_defined(), ci_low_defined(), ci_high_defined(),
                n_defined()] for k in SCORE_KEYS}


@scorer(metrics=_METRICS)
def persuasion_scorer(family: str = "binary-truth", loss: str = "quadratic",
                      belief_source: str = "logprobs"):
    """Score a sample against the exact ceiling of its game (see the module docstring).

    Examples
    --------
    >>> persuasion_scorer()  # doctest: +ELLIPSIS
    <function persuasion_scorer.<locals>.score at ...>
    """

    async def score(state: TaskState, target: Target) -> Score:
        rec = state.store.get(RECORD_KEY)
        if rec is None:
            raise DataError(f"sample {state.sample_id!r} has no persuasion record in its store; "
                            f"score it after persuasion_solver()")
        model = (rec.get("models") or {}).get("receiver", {}).get("name")
        s = score_record(rec, family=family, loss=loss, belief_source=belief_source,
                         model=model)
        v = s["value"]
        answer = None if math.isnan(v["model_gain"]) else f"{v['model_gain']:.4f}"
        return Score(value=v, answer=answer, explanation=_explain(v, s["metadata"]),
                     metadata=s["metadata"])

    return score


# ------------------------------------------------------------------ task

@task
def persuasion(
    dataset: str = "perspectrum",
    split: str | None = "test",
    protocol: str = "static",
    family: str = "binary-truth",
    samples: int = 1,
    limit: int | None = None,
    rounds: int | None = None,
    loss: str = "quadratic",
    beliefs: bool = True,
    seed: int = 0,
    dataset_path: str | None = None,
    evidence_per_instance: int | None = None,
    word_limit: int = 250,
    sender_max_new_tokens: int = 400,
    receiver_max_new_tokens: int = 256,
    sender_temperature: float = 0.7,
    receiver_temperature: float = 0.0,
    top_logprobs: int = 20,
    cache: bool = False,
) -> Task:
    """The persuasion game of Cheng & You (2025), scored against its exact ceiling.

    ``inspect eval bayespersuade/persuasion --model-role sender=... --model-role
    receiver=...``; task arguments with ``-T name=value``.

    Parameters
    ----------
    dataset, split, dataset_path : str
        The instances, as for ``bayespersuade evaluate`` (default: the bundled
        PERSPECTRUM test split, 227 claims).
    protocol : {"static", "dynamic"}
        One round, or ``rounds`` rounds (default 3).
    family : {"binary-truth", "normative-position", "evidence-stance"}
    samples : int, default 1
        Dialogues per instance (per piece of evidence for evidence-stance).
    limit : int, optional
        Only the first ``limit`` instances.
    rounds, word_limit, sender_max_new_tokens, receiver_max_new_tokens,
    sender_temperature, receiver_temperature
        As in :class:`~bayespersuade.llm.protocol.ProtocolConfig`.
    loss : {"quadratic", "absolute"}
    beliefs : bool, default True
        Elicit beliefs from log-probabilities; ``False`` scores the reported
        scores instead (``belief_source="score"``).
    seed : int, default 0
        The run seed (each call's seed derives from it and the instance).
    evidence_per_instance : int, optional
    top_logprobs : int, default 20
        ``k`` of the belief requests.
    cache : bool, default False
        Inspect's response cache.

    Returns
    -------
    inspect_ai.Task

    Examples
    --------
    >>> t = persuasion(limit=2)
    >>> len(t.dataset), t.metadata["bayespersuade"]["config"]["protocol"]["rounds"]
    (2, 1)
    """
    if family not in FAMILIES:
        raise InvalidParameterError(f"family must be one of {', '.join(FAMILIES)}, "
                                    f"got {family!r}")
    if loss not in ("quadratic", "absolute"):
        raise InvalidParameterError(f"loss must be 'quadratic' or 'absolute', got {loss!r}")
    if not isinstance(beliefs, bool):
        raise InvalidParameterError(f"beliefs must be true or false, got {beliefs!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InvalidParameterError(f"seed must be an integer, got {seed!r}")
    e = evidence_per_instance
    if e is not None and (isinstance(e, bool) or not isinstance(e, int) or e < 1):
        raise InvalidParameterError(
            f"evidence_per_instance must be a positive integer, got {e!r}")
    config = ProtocolConfig(
        protocol, rounds=rounds, samples=samples, word_limit=word_limit,
        sender_max_new_tokens=sender_max_new_tokens,
        receiver_max_new_tokens=receiver_max_new_tokens,
        sender_temperature=sender_temperature, receiver_temperature=receiver_temperature,
        beliefs=beliefs, prefill=False)
    belief_source = "logprobs" if beliefs else "score"
    records = load_records(dataset, split, dataset_path)
    settings = {
        "dataset": dataset, "protocol": config.to_json(), "family": family, "loss": loss,
        "belief_source": belief_source, "seed": seed, "split": split,
        "dataset_path": dataset_path, "evidence_per_instance": evidence_per_instance,
    }
    meta = {"config": settings, "limit": limit, "top_logprobs": top_logprobs, "cache": cache,
            "library_version": __version__, "prompt_version": prompts.PROMPT_VERSION,
            "prompt_fingerprint": prompts.prompt_fingerprint()}
    return Task(
        dataset=persuasion_dataset(records, seed=seed, limit=limit),
        solver=persuasion_solver(config, family=family,
                                 evidence_per_instance=evidence_per_instance,
                                 top_logprobs=top_logprobs, cache=cache),
        scorer=persuasion_scorer(family=family, loss=loss, belief_source=belief_source),
        metadata={TASK_METADATA_KEY: meta},
        epochs=1,
    )
