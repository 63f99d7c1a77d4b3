"""Typed evaluation results: what a notebook holds after a run.

The files of an evaluation directory (:mod:`.store`) are JSON, so exact numbers
are written there as ``"p/q"`` strings.  This module reads them back into frozen
dataclasses whose exact values are :class:`~fractions.Fraction` objects, and
turns them into tidy :class:`pandas.DataFrame` tables:

* :class:`DialogueRound` — one round of one dialogue: the receiver's score, its
  gain over the initial score, the induced posterior and the model-consistent
  gain ``v̂(μ_m) − v̂(μ0)``;
* :class:`RoundSummary` — one round of one instance, over its dialogues;
* :class:`InstanceResult` — one instance (claim): its prior, its exact game
  (``V(μ0)``, ``v̂(μ0)``, the ceiling ``ΔV(μ0)``), its rounds and dialogues;
* :class:`Evaluation` — a whole directory (``run.json`` and every instance),
  from :func:`load_evaluation`.

``Evaluation.to_frame()`` has one row per instance × dialogue × round, with the
exact columns (``ceiling``, ``model_gain``, ...) kept as ``Fraction`` objects and a
float twin beside each (``ceiling_float``, ...).  Reading accepts every schema
version this library has written (today: ``bayespersuade.llm.instance/1``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..exceptions import DataError
from .stats import Estimate, dialogue_mean
from .store import INSTANCE_SCHEMA, load_run

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "DialogueRound",
    "Evaluation",
    "InstanceResult",
    "RoundSummary",
    "exact_value",
    "load_evaluation",
]

#: Instance-record schemas this module reads.
READABLE_SCHEMAS = (INSTANCE_SCHEMA,)


def exact_value(x: Any, where: str = "value") -> Fraction | None:
    """A ``"p/q"`` string (or an int) from a results file as a Fraction; ``None`` stays ``None``.

    Floats are refused: a value stored as a float was never exact.

    Examples
    --------
    >>> exact_value("3/5"), exact_value(2), exact_value(None)
    (Fraction(3, 5), Fraction(2, 1), None)
    >>> exact_value(0.5)
    Traceback (most recent call last):
    ...
    bayespersuade.exceptions.DataError: value is 0.5, a float; exact values are stored as ...
    """
    if x is None:
        return None
    if isinstance(x, bool | float):
        raise DataError(f"{where} is {x!r}, a {type(x).__name__}; exact values are stored as "
                        f"'p/q' strings")
    if isinstance(x, int):
        return Fraction(x)
    if isinstance(x, str):
        try:
            return Fraction(x)
        except (ValueError, ZeroDivisionError):
            raise DataError(f"{where} is {x!r}, not a rational 'p/q'") from None
    raise DataError(f"{where} is {x!r} of type {type(x).__name__}, not a rational 'p/q'")


def _exact_list(xs: Sequence | None, where: str) -> tuple[Fraction | None, ...] | None:
    if xs is None:
        return None
    return tuple(exact_value(x, f"{where}[{i}]") for i, x in enumerate(xs))


def _floats(xs: Sequence | None) -> tuple[float, ...] | None:
    return None if xs is None else tuple(float(x) for x in xs)


@dataclass(frozen=True)
class DialogueRound:
    """One round of one dialogue of an instance.

    Attributes
    ----------
    dialogue : int
        Index of the dialogue within its instance (conditions × samples).
    round : int
        1-based round number.
    status : str
        ``"ok"``, ``"receiver_unparsable"``, ``"sender_unparsable"`` or ``"not_reached"``.
    score : int or None
        The receiver's 1..7 score after this round (``None`` if unparsable).
    score_gain : int or None
        ``score − initial score`` (the paper's metric).
    posterior : tuple of float or None
        The receiver's elicited belief after this round (``None`` if unavailable).
    model_gain : Fraction or None
        ``v̂(μ_m) − v̂(μ0)`` in the instance's game, exact.
    """

    dialogue: int
    round: int
    status: str
    score: int | None
    score_gain: int | None
    posterior: tuple[float, ...] | None
    model_gain: Fraction | None


@dataclass(frozen=True)
class RoundSummary:
    """One round of one instance, over its dialogues (exact values as Fraction).

    Attributes
    ----------
    round : int
    n_dialogues : int
    n_score_gains, n_model_gains : int
        How many dialogues contribute to each mean.
    n_sender_unparsable, n_receiver_unparsable, n_not_reached, n_belief_unavailable : int
    mean_score_gain : float or None
    mean_model_gain : Fraction or None
    achieved_over_ceiling : Fraction or None
        Mean model-consistent gain over the ceiling (``None`` where the ceiling is 0;
        :attr:`achieved_over_ceiling_undefined` says why).
    achieved_over_ceiling_undefined : str or None
    posteriors_value : Fraction or None
        ``(1/K) Σ_m v̂(μ_m)``.
    bayes_plausibility_gap : Fraction or None
        ``‖(1/K) Σ_m μ_m − μ0‖₁`` (the L1 gap; see :mod:`.metrics`).
    n_above_ceiling : int
    score_gain_estimate, model_gain_estimate : Estimate
        The two means with ``n`` (dialogues) and a Student ``t`` interval over
        the instance's dialogues (:func:`bayespersuade.instances.stats.dialogue_mean`;
        no interval with one dialogue), computed from the per-dialogue gains so
        that records written before they were stored have them too.
    """

    round: int
    n_dialogues: int
    n_score_gains: int
    n_model_gains: int
    n_sender_unparsable: int
    n_receiver_unparsable: int
    n_not_reached: int
    n_belief_unavailable: int
    mean_score_gain: float | None
    mean_model_gain: Fraction | None
    achieved_over_ceiling: Fraction | None
    achieved_over_ceiling_undefined: str | None
    posteriors_value: Fraction | None
    bayes_plausibility_gap: Fraction | None
    n_above_ceiling: int
    score_gain_estimate: Estimate | None = None
    model_gain_estimate: Estimate | None = None

    @classmethod
    def from_record(cls, rd: Mapping[str, Any], where: str) -> RoundSummary:
        """Read one entry of a record's ``metrics.rounds``."""
        def q(k):
            return exact_value(rd.get(k), f"{where}.{k}")

        return cls(
            round=int(rd["round"]),
            n_dialogues=int(rd["n_dialogues"]),
            n_score_gains=int(rd.get("n_score_gains", 0)),
            n_model_gains=int(rd.get("n_model_gains", 0)),
            n_sender_unparsable=int(rd.get("n_sender_unparsable", 0)),
            n_receiver_unparsable=int(rd.get("n_receiver_unparsable", 0)),
            n_not_reached=int(rd.get("n_not_reached", 0)),
            n_belief_unavailable=int(rd.get("n_belief_unavailable", 0)),
            mean_score_gain=rd.get("mean_score_gain"),
            mean_model_gain=q("mean_model_gain_exact"),
            achieved_over_ceiling=q("achieved_over_ceiling_exact"),
            achieved_over_ceiling_undefined=rd.get("achieved_over_ceiling_undefined"),
            posteriors_value=q("posteriors_value_exact"),
            bayes_plausibility_gap=q("bayes_plausibility_gap_exact"),
            n_above_ceiling=int(rd.get("n_above_ceiling", 0)),
            score_gain_estimate=dialogue_mean(
                [float(g) for g in rd.get("score_gains") or [] if g is not None]),
            model_gain_estimate=dialogue_mean(
                [float(g) for g in rd.get("model_gains") or [] if g is not None]),
        )


@dataclass(frozen=True)
class InstanceResult:
    """One instance (claim) of an evaluation, typed.

    Attributes
    ----------
    key : str
        ``"dataset/id"``.
    dataset, id, claim : str
    seed : int or None
        ``None`` for an imported instance (its source did not record one).
    status : str
        ``"done"`` or ``"skipped"`` (then :attr:`reason` says why and the metric
        fields are ``None``).
    reason : str or None
    family, loss, belief_source : str or None
        The instance family and prior construction the metrics rest on.
    prior_score : int or None
        The receiver's initial 1..7 score.
    prior : tuple of Fraction or None
        ``μ0`` as used by the game (exact).
    value, no_disclosure_value, ceiling : Fraction or None
        ``V(μ0)``, ``v̂(μ0)`` and ``ΔV(μ0) = V(μ0) − v̂(μ0)`` of the instance's game.
    exact : bool
        Whether the game's values were certified exactly.
    rounds : tuple of RoundSummary
    dialogues : tuple of tuple of DialogueRound
        ``dialogues[d][r]``: dialogue ``d``, round ``r + 1``.
    record : dict
        The record as stored (transcripts included), for anything not typed here.
    """

    key: str
    dataset: str
    id: str
    claim: str
    seed: int | None
    status: str
    reason: str | None
    family: str | None
    loss: str | None
    belief_source: str | None
    prior_score: int | None
    prior: tuple[Fraction | None, ...] | None
    value: Fraction | None
    no_disclosure_value: Fraction | None
    ceiling: Fraction | None
    exact: bool
    rounds: tuple[RoundSummary, ...]
    dialogues: tuple[tuple[DialogueRound, ...], ...]
    record: dict = field(repr=False, compare=False, hash=False)

    @classmethod
    def from_record(cls, rec: Mapping[str, Any]) -> InstanceResult:
        """Read one line of ``results.jsonl`` (any readable schema version).

        Raises
        ------
        DataError
            If the schema is unknown or a field is missing or malformed (the
            message names the instance and the field).

        Examples
        --------
        >>> from bayespersuade.llm import ProtocolConfig, scripted_receiver, scripted_sender
        >>> from bayespersuade.llm.runner import EvaluationConfig, run_evaluation
        >>> from bayespersuade.datasets.records import ClaimRecord
        >>> import tempfile
        >>> cfg = EvaluationConfig("demo", "scripted:sender", "scripted:receiver",
        ...                        ProtocolConfig("static", samples=2))
        >>> res = run_evaluation([ClaimRecord("demo", "1", "X.")], scripted_sender([1]),
        ...                      scripted_receiver(), tempfile.mkdtemp(), cfg,
        ...                      progress=False, report=None)
        >>> inst = InstanceResult.from_record(res.records[0])
        >>> inst.key, inst.ceiling, [d[0].score_gain for d in inst.dialogues]
        ('demo/1', Fraction(0, 1), [1, 1])
        """
        if not isinstance(rec, Mapping):
            raise DataError(f"an instance record must be a JSON object, got {type(rec).__name__}")
        schema = rec.get("schema")
        if schema not in READABLE_SCHEMAS:
            raise DataError(f"instance record schema {schema!r} is not one this version reads "
                            f"({', '.join(READABLE_SCHEMAS)})")
        key = rec.get("key", "?")
        try:
            status = rec["status"]
            base = {"key": key, "dataset": str(rec["dataset"]), "id": str(rec["id"]),
                    "claim": rec.get("claim", ""),
                    "seed": None if rec.get("seed") is None else int(rec["seed"]),
                    "status": status,
                    "reason": rec.get("reason"), "record": dict(rec)}
            m = rec.get("metrics")
            if status != "done" or m is None:
                return cls(**base, family=None, loss=None, belief_source=None,
                           prior_score=None, prior=None, value=None, no_disclosure_value=None,
                           ceiling=None, exact=False, rounds=(), dialogues=())
            where = f"instance {key}: metrics"
            game, prior = m["game"], m["prior"]
            rounds = tuple(RoundSummary.from_record(rd, f"{where}.rounds[{i}]")
                           for i, rd in enumerate(m["rounds"]))
            n_dialogues = rounds[0].n_dialogues if rounds else 0
            dialogues = []
            for d in range(n_dialogues):
                per = []
                for i, rd in enumerate(m["rounds"]):
                    gains = rd.get("model_gains_exact") or [None] * n_dialogues
                    posts = rd.get("posteriors") or [None] * n_dialogues
                    per.append(DialogueRound(
                        dialogue=d, round=int(rd["round"]), status=rd["statuses"][d],
                        score=rd["scores"][d], score_gain=rd["score_gains"][d],
                        posterior=_floats(posts[d]),
                        model_gain=exact_value(gains[d],
                                               f"{where}.rounds[{i}].model_gains_exact[{d}]"),
                    ))
                dialogues.append(tuple(per))
            return cls(
                **base, family=m.get("family"), loss=m.get("loss"),
                belief_source=m.get("belief_source"), prior_score=prior.get("score"),
                prior=_exact_list(prior.get("belief_exact"), f"{where}.prior.belief_exact"),
                value=exact_value(game.get("value_exact"), f"{where}.game.value_exact"),
                no_disclosure_value=exact_value(game.get("no_disclosure_value_exact"),
                                                f"{where}.game.no_disclosure_value_exact"),
                ceiling=exact_value(game.get("ceiling_exact"), f"{where}.game.ceiling_exact"),
                exact=bool(game.get("exact", False)), rounds=rounds, dialogues=tuple(dialogues),
            )
        except (KeyError, IndexError, TypeError, ValueError) as e:
            if isinstance(e, DataError):
                raise
            raise DataError(
                f"instance {key}: malformed record ({type(e).__name__}: {e})") from None

    def rows(self) -> list[dict[str, Any]]:
        """One dict per dialogue × round (the rows of :meth:`Evaluation.to_frame`)."""
        head = {"dataset": self.dataset, "instance_id": self.id, "key": self.key,
                "claim": self.claim, "status": self.status, "family": self.family,
                "loss": self.loss, "belief_source": self.belief_source,
                "prior_score": self.prior_score,
                "prior_p_true": None if not self.prior else self.prior[-1],
                "value": self.value, "no_disclosure_value": self.no_disclosure_value,
                "ceiling": self.ceiling, "exact": self.exact, "seed": self.seed}
        if not self.dialogues:
            return [{**head, "dialogue": None, "round": None, "round_status": None,
                     "score": None, "score_gain": None, "posterior_p_true": None,
                     "model_gain": None}]
        return [
            {**head, "dialogue": r.dialogue, "round": r.round, "round_status": r.status,
             "score": r.score, "score_gain": r.score_gain,
             "posterior_p_true": None if r.posterior is None else r.posterior[-1],
             "model_gain": r.model_gain}
            for dialogue in self.dialogues for r in dialogue
        ]


#: Exact columns of the frames; each gets a float twin named ``<column>_float``.
EXACT_COLUMNS = ("prior_p_true", "value", "no_disclosure_value", "ceiling", "model_gain")


def _frame(rows: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    import pandas as pd

    df = pd.DataFrame(rows, columns=list(columns))
    for c in EXACT_COLUMNS:
        if c in df.columns:
            df[c] = df[c].astype(object)
            df[f"{c}_float"] = [None if x is None else float(x) for x in df[c]]
            df[f"{c}_float"] = df[f"{c}_float"].astype(float)
    return df


_ROW_COLUMNS = ("dataset", "instance_id", "key", "claim", "status", "family", "loss",
                "belief_source", "dialogue", "round", "round_status", "prior_score", "score",
                "score_gain", "prior_p_true", "posterior_p_true", "value",
                "no_disclosure_value", "ceiling", "model_gain", "exact", "seed")


@dataclass(frozen=True)
class Evaluation:
    """A whole evaluation directory, typed (see :func:`load_evaluation`).

    Attributes
    ----------
    directory : Path
    run : dict
        ``run.json`` as stored: the configuration, the models and the sessions.
    instances : tuple of InstanceResult
        In the order of ``results.jsonl``.
    """

    directory: Path
    run: dict = field(repr=False)
    instances: tuple[InstanceResult, ...] = field(repr=False)

    @property
    def config(self) -> dict:
        """The run's configuration (dataset, models, protocol, family, seed, ...)."""
        return dict(self.run.get("config", {}))

    def __len__(self) -> int:
        return len(self.instances)

    def __getitem__(self, key: str) -> InstanceResult:
        """The instance with this key (``"dataset/id"``)."""
        for inst in self.instances:
            if inst.key == key:
                return inst
        raise KeyError(key)

    def to_frame(self) -> pd.DataFrame:
        """One row per instance × dialogue × round (skipped instances: one row each).

        Exact columns (``prior_p_true``, ``value``, ``no_disclosure_value``,
        ``ceiling``, ``model_gain``) hold :class:`~fractions.Fraction` objects (or
        ``None``); each has a float twin ``<column>_float`` for plotting and
        pandas arithmetic.
        """
        return _frame([row for inst in self.instances for row in inst.rows()], _ROW_COLUMNS)

    def instances_frame(self) -> pd.DataFrame:
        """One row per instance: its game and the final round's means.

        Columns: ``dataset``, ``instance_id``, ``key``, ``claim``, ``status``,
        ``family``, ``loss``, ``belief_source``, ``prior_score``, ``prior_p_true``,
        ``value``, ``no_disclosure_value``, ``ceiling``, ``n_dialogues``,
        ``mean_score_gain`` and ``mean_model_gain`` (final round) with, for
        each, ``_n`` (dialogues), ``_ci_low`` and ``_ci_high`` (Student ``t``
        over the instance's dialogues; ``NaN`` with one dialogue), ``exact``.
        """
        rows = []
        for inst in self.instances:
            last = inst.rounds[-1] if inst.rounds else None
            rows.append({
                "dataset": inst.dataset, "instance_id": inst.id, "key": inst.key,
                "claim": inst.claim, "status": inst.status, "family": inst.family,
                "loss": inst.loss, "belief_source": inst.belief_source,
                "prior_score": inst.prior_score,
                "prior_p_true": None if not inst.prior else inst.prior[-1],
                "value": inst.value, "no_disclosure_value": inst.no_disclosure_value,
                "ceiling": inst.ceiling,
                "n_dialogues": None if last is None else last.n_dialogues,
                "mean_score_gain": None if last is None else last.mean_score_gain,
                "mean_model_gain": None if last is None else last.mean_model_gain,
                **_ci_columns(last),
                "exact": inst.exact,
            })
        cols = list(rows[0]) if rows else ["key"]
        df = _frame(rows, cols)
        if "mean_model_gain" in df.columns:
            df["mean_model_gain"] = df["mean_model_gain"].astype(object)
            df["mean_model_gain_float"] = [None if x is None else float(x)
                                           for x in df["mean_model_gain"]]
            df["mean_model_gain_float"] = df["mean_model_gain_float"].astype(float)
        return df


def _ci_columns(last: RoundSummary | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, attr in (("mean_score_gain", "score_gain_estimate"),
                       ("mean_model_gain", "model_gain_estimate")):
        e = None if last is None else getattr(last, attr)
        out[f"{name}_n"] = 0 if e is None else e.n_dialogues
        out[f"{name}_ci_low"] = float("nan") if e is None or e.ci_low is None else e.ci_low
        out[f"{name}_ci_high"] = float("nan") if e is None or e.ci_high is None else e.ci_high
    return out


def load_evaluation(directory: str | os.PathLike) -> Evaluation:
    """Read an evaluation directory into typed results.

    Parameters
    ----------
    directory : path-like
        A directory written by :func:`~bayespersuade.llm.runner.run_evaluation`
        (or the ``bayespersuade evaluate`` command), by this or an earlier version.

    Returns
    -------
    Evaluation
        ``.to_frame()`` gives one row per instance × dialogue × round.

    Raises
    ------
    DataError
        If ``run.json`` is missing, or a record is damaged or of an unknown schema
        (the message names the file, the row or instance, and the field).

    Examples
    --------
    >>> import tempfile
    >>> from bayespersuade.datasets.records import ClaimRecord
    >>> from bayespersuade.llm import ProtocolConfig, scripted_receiver, scripted_sender
    >>> from bayespersuade.llm.runner import EvaluationConfig, run_evaluation
    >>> out = tempfile.mkdtemp()
    >>> cfg = EvaluationConfig("demo", "scripted:sender", "scripted:receiver",
    ...                        ProtocolConfig("dynamic", samples=2))
    >>> _ = run_evaluation([ClaimRecord("demo", str(i), f"Claim {i}.") for i in range(3)],
    ...                    scripted_sender([1]), scripted_receiver(), out, cfg,
    ...                    progress=False, report=None)
    >>> ev = load_evaluation(out)
    >>> df = ev.to_frame()
    >>> len(df), sorted(set(df["round"]))             # 3 claims x 2 dialogues x 3 rounds
    (18, [1, 2, 3])
    >>> df["ceiling"].iloc[0], float(df["ceiling_float"].iloc[0])
    (Fraction(0, 1), 0.0)
    """
    d = Path(directory)
    run, records = load_run(d)
    out = []
    for i, rec in enumerate(records, start=1):
        try:
            out.append(InstanceResult.from_record(rec))
        except DataError as e:
            raise DataError(str(e), path=str(d / "results.jsonl"), row=i) from None
    return Evaluation(directory=d, run=run, instances=tuple(out))
