"""The common record every dataset loader produces.

A dataset instance is a **claim** plus whatever the dataset records about
beliefs in it: human ratings before and after an argument (Anthropic
Persuasion, DDO votes), who wrote the argument, and evidence with stances and
crowd votes (Perspectrum).  Loaders return a :class:`LoadResult`, which lists
the records and accounts for every row that was read or rejected.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

__all__ = ["RatingObservation", "Evidence", "ClaimRecord", "Rejection", "LoadResult"]


@dataclass(frozen=True)
class RatingObservation:
    """One receiver's ratings of a claim before and after an argument.

    Attributes
    ----------
    initial, final : int or None
        Ratings on the dataset's scale (1..7 for Likert data).
    source : str or None
        Who wrote the argument (``"Human"``, a model name, a debater).
    argument : str or None
        The argument's text, where the dataset has it.
    participant : str or None
        The rater's identifier, where the dataset has it.
    extra : Mapping
        Other dataset-specific fields, kept verbatim.
    """

    initial: int | None = None
    final: int | None = None
    source: str | None = None
    argument: str | None = None
    participant: str | None = None
    extra: Mapping = field(default_factory=dict)


@dataclass(frozen=True)
class Evidence:
    """A piece of evidence (a Perspectrum perspective) about a claim.

    Attributes
    ----------
    id : str
        The evidence identifier.
    text : str
        Its text.
    stance : str
        ``"support"`` or ``"undermine"``.
    votes : Mapping[str, int]
        Crowd stance votes (label -> count), as recorded by the dataset.
    extra : Mapping
        Other dataset-specific fields (for Perspectrum: the perspective ids of
        the cluster, paraphrases, the fine stance label, evidence paragraph
        ids), kept verbatim.
    """

    id: str
    text: str
    stance: str
    votes: Mapping = field(default_factory=dict)
    extra: Mapping = field(default_factory=dict)


@dataclass(frozen=True)
class ClaimRecord:
    """One dataset instance: a claim and what the dataset records about it.

    Attributes
    ----------
    dataset : str
        ``"anthropic"``, ``"cmv"``, ``"ddo"``, ``"perspectrum"`` or ``"claims"``.
    id : str
        Identifier, unique within the dataset.
    claim : str
        The claim's text (the state of the world is whether it holds).
    observations : tuple of RatingObservation
        Human (or model) ratings before/after arguments.
    evidence : tuple of Evidence
        Evidence with stances and votes.
    prior : Fraction, float or None
        A user-supplied prior ``P(true)``, where the file gives one.
    source : str or None
        Where the claim comes from (for example a debate site).
    metadata : Mapping
        Other fields (split, topic...), kept verbatim.
    position_prior : tuple of Fraction or float, or None
        A user-supplied prior over the seven Likert positions ``1..7`` (the
        normative-position family), where the file gives one.
    """

    dataset: str
    id: str
    claim: str
    observations: tuple[RatingObservation, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    prior: Fraction | float | None = None
    source: str | None = None
    metadata: Mapping = field(default_factory=dict)
    position_prior: tuple | None = None

    def initial_ratings(self) -> tuple[int, ...]:
        """The initial ratings recorded for this claim, in record order.

        Observations without an initial rating are left out.

        Examples
        --------
        >>> r = ClaimRecord("claims", "1", "x", observations=(
        ...     RatingObservation(initial=2, final=5), RatingObservation(final=3)))
        >>> r.initial_ratings()
        (2,)
        """
        return tuple(o.initial for o in self.observations if o.initial is not None)

    def rating_pairs(self) -> tuple[RatingObservation, ...]:
        """The observations that have both an initial and a final rating.

        Examples
        --------
        >>> r = ClaimRecord("claims", "1", "x", observations=(
        ...     RatingObservation(initial=2, final=5), RatingObservation(final=3)))
        >>> len(r.rating_pairs())
        1
        """
        return tuple(
            o for o in self.observations if o.initial is not None and o.final is not None
        )


@dataclass(frozen=True)
class Rejection:
    """A row a loader did not turn into (part of) a record, and why.

    Attributes
    ----------
    path : str
        The file.
    row : int
        The 1-based row: the data record number for CSV files (the header
        is not counted), the line number for JSON-lines files, the position
        in the top-level container for JSON files.
    field : str or None
        The column or key at fault.
    reason : str
        A short, stable description of the problem (used to count
        rejections by kind).
    detail : str or None
        The specifics (the offending value), where useful.
    """

    path: str
    row: int
    field: str | None
    reason: str
    detail: str | None = None

    def message(self) -> str:
        """The full message: reason and detail.

        Examples
        --------
        >>> Rejection("a.csv", 3, "rating_initial", "not a 1-7 rating", "'9'").message()
        "not a 1-7 rating: '9'"
        """
        return self.reason if self.detail is None else f"{self.reason}: {self.detail}"


@dataclass(frozen=True)
class LoadResult:
    """What a loader read: the records and an account of every row.

    Attributes
    ----------
    records : tuple of ClaimRecord
    rows_read : int
        Rows (lines, JSON records) read from the files.
    rejected : tuple of Rejection
        Rows that were rejected, each with its reason.
    files : tuple of str
        The files read.

    notes : tuple of str
        Other facts about the load that a reader of the numbers needs (for
        example how many records a split filter left out).
    """

    records: tuple[ClaimRecord, ...]
    rows_read: int
    rejected: tuple[Rejection, ...] = ()
    files: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def n_rejected(self) -> int:
        """Number of rejected rows."""
        return len(self.rejected)

    def rejection_reasons(self) -> Counter:
        """Counts of rejected rows by reason.

        Examples
        --------
        >>> lr = LoadResult((), 3, (Rejection("f.csv", 1, "claim", "empty claim"),
        ...                         Rejection("f.csv", 3, "claim", "empty claim")))
        >>> lr.rejection_reasons()
        Counter({'empty claim': 2})
        """
        return Counter(r.reason for r in self.rejected)

    def summary(self) -> str:
        """A one-paragraph human-readable account of the load.

        Examples
        --------
        >>> lr = LoadResult((), 3, (Rejection("f.csv", 2, "claim", "empty claim"),),
        ...                 ("f.csv",), ("a note",))
        >>> print(lr.summary())
        read 3 rows from 1 file(s); 0 records; 1 rows rejected
          1 x empty claim
          note: a note
        """
        lines = [
            f"read {self.rows_read} rows from {len(self.files)} file(s); "
            f"{len(self.records)} records; {self.n_rejected} rows rejected"
        ]
        for reason, n in self.rejection_reasons().most_common():
            lines.append(f"  {n} x {reason}")
        lines.extend(f"  note: {note}" for note in self.notes)
        return "\n".join(lines)

    def rejections_frame(self):
        """The rejections as a :class:`pandas.DataFrame` (one row each).

        Examples
        --------
        >>> lr = LoadResult((), 2, (Rejection("f.csv", 2, "claim", "empty claim"),))
        >>> lr.rejections_frame()[["row", "field", "reason"]].values.tolist()
        [[2, 'claim', 'empty claim']]
        """
        import pandas as pd

        return pd.DataFrame(
            [(r.path, r.row, r.field, r.reason, r.detail) for r in self.rejected],
            columns=["path", "row", "field", "reason", "detail"],
        )
