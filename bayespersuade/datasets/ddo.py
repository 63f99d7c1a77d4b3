"""Loader for the debate.org corpus (DDO; Durmus & Cardie 2019).

The corpus is distributed by its authors (``debates.json`` and
``users.json``); users load their own copy.  Nothing here downloads it.

What is read
------------
``debates.json`` is one JSON object mapping a debate key (its URL slug) to
the debate.  The fields read are

============================  ==================================================
``title``                     the debate's title (required) -> the claim
``participant_1_name``,       the two debaters and their sides, exactly one
``participant_1_position``,   ``"Pro"`` and one ``"Con"`` (required)
``participant_2_name``,
``participant_2_position``
``category``                  the site's category (optional, kept)
``rounds``                    list of rounds, each a list of
                              ``{"side": "Pro"|"Con", "text": ...}`` (optional;
                              the Pro and Con texts are kept in metadata)
``votes``                     list of ``{"user_name": ..., "votes_map": {...}}``
============================  ==================================================

``votes_map`` maps each debater's name and ``"Tied"`` to that voter's
answers; the answers read are ``"Agreed with before the debate"`` and
``"Agreed with after the debate"`` (booleans; exactly one of the three keys
is true for each question).  Votes cast under the site's "select winner"
style carry no agreement answers: they are not observations, and each
record counts them in ``metadata["votes_without_agreement"]``.

``users.json`` (optional; found beside ``debates.json`` when a folder is
given) maps user names to profiles; for voters found there,
``political_ideology``, ``religious_ideology`` and ``party`` are copied into
the observation's ``extra``.  Voters missing from it are kept without them.

How the claim is derived
------------------------
The claim is the debate title, stripped of surrounding white space, and the
Pro debater argues for it (the site's convention: the instigator's title is
the resolution that Pro defends).  Titles that name a topic rather than a
proposition ("Abortion") are kept as they are; Cheng & You summarise such
debates with a language model, we do not, so that every claim is traceable.

Votes as ratings
----------------
Each voter's agreement is mapped onto the seven-point scale with
``scale = {"pro": 7, "tied": 4, "con": 1}`` (a parameter): agreeing with
Pro is full support of the claim, with Con full opposition, "tied" the
midpoint.  A vote becomes a :class:`RatingObservation` with ``initial`` and
``final`` from the "before" and "after" answers, ``source = "Human"`` (the
debaters), ``participant`` the voter, and ``extra`` holding the raw answers.

Malformed rows
--------------
A debate without a title, or whose sides are not one Pro and one Con, is
rejected (row = its 1-based position in the file), and so is a debate whose
key repeats an earlier debate's (the JSON object would otherwise keep only
the last of the two) or whose object repeats a key.  A user name given twice
in ``users.json`` is rejected, and no profile is attached to that user.  A single malformed vote
(not exactly one "true" answer to a question, or a debater missing from its
``votes_map``) is rejected on its own (field ``votes[j]...``); the rest of
its debate is kept.

References
----------
Durmus, E. and Cardie, C. (2019). A corpus for modeling user and language
effects in argumentation on online debating. In *Proceedings of ACL 2019*,
602-607.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..exceptions import DataError, InvalidParameterError
from ._rows import (
    DEFAULT_ENCODING,
    RowError,
    RowSink,
    duplicate_key_problem,
    nfc,
    object_pairs,
    read_json,
)
from .records import ClaimRecord, LoadResult, RatingObservation

__all__ = ["DEFAULT_SCALE", "load_ddo"]

#: Agreement -> Likert rating.
DEFAULT_SCALE: Mapping[str, int] = {"pro": 7, "tied": 4, "con": 1}

BEFORE = "Agreed with before the debate"
AFTER = "Agreed with after the debate"
_USER_FIELDS = ("political_ideology", "religious_ideology", "party")


def _paths(path: Path, users_path: str | Path | None) -> tuple[Path, Path | None]:
    if path.is_dir():
        debates = path / "debates.json"
        if not debates.is_file():
            raise DataError("no debates.json in this folder", path=str(path))
        users = Path(users_path) if users_path is not None else (
            path / "users.json" if (path / "users.json").is_file() else None)
        return debates, users
    return path, (Path(users_path) if users_path is not None else None)


def load_ddo(path: str | Path, *, users_path: str | Path | None = None, strict: bool = False,
             scale: Mapping[str, int] = DEFAULT_SCALE,
             encoding: str = DEFAULT_ENCODING) -> LoadResult:
    """Load debate.org debates and their voters' before/after agreement.

    Parameters
    ----------
    path : path-like
        ``debates.json``, or a folder holding it (and, optionally, ``users.json``).
    users_path : path-like, optional
        ``users.json``, to attach voters' stated ideology to their votes.
    strict : bool, default False
        Raise :class:`~bayespersuade.exceptions.DataError` at the first
        malformed debate or vote instead of recording it.
    scale : mapping, default ``{"pro": 7, "tied": 4, "con": 1}``
        Ratings given to agreeing with Pro, neither, and Con.
    encoding : str, default "utf-8"
        The files' text encoding (for example ``"latin-1"``); text that does
        not decode is a :class:`~bayespersuade.exceptions.DataError` naming
        the byte offset, never replaced.

    Returns
    -------
    LoadResult
        One record per debate.

    Examples
    --------
    >>> import json, tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> def answers(before, after):
    ...     return {"Agreed with before the debate": before,
    ...             "Agreed with after the debate": after}
    >>> vote = {"user_name": "v", "votes_map": {"ann": answers(False, True),
    ...         "bob": answers(False, False), "Tied": answers(True, False)}}
    >>> debate = {"title": "Tea is better than coffee", "participant_1_name": "ann",
    ...           "participant_1_position": "Pro", "participant_2_name": "bob",
    ...           "participant_2_position": "Con", "votes": [vote]}
    >>> _ = open(os.path.join(d, "debates.json"), "w").write(json.dumps({"Tea/1/": debate}))
    >>> r = load_ddo(d).records[0]
    >>> r.claim, (r.observations[0].initial, r.observations[0].final)
    ('Tea is better than coffee', (4, 7))
    """
    if set(scale) != {"pro", "tied", "con"} or not all(
            isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 7
            for v in scale.values()):
        raise InvalidParameterError(
            f"scale must map 'pro', 'tied', 'con' to ratings in 1..7, got {scale!r}")
    debates_path, users_file = _paths(Path(path), users_path)
    data = read_json(debates_path, encoding)
    if not isinstance(data, dict):
        raise DataError("debates.json must hold one JSON object mapping debate keys to debates",
                        path=str(debates_path))
    users: dict = {}
    files = [str(debates_path)]
    if users_file is not None:
        users = read_json(users_file, encoding)
        if not isinstance(users, dict):
            raise DataError("users.json must hold one JSON object mapping user names to "
                            "profiles", path=str(users_file))
        files.append(str(users_file))
    sink = RowSink(debates_path, strict)
    if users_file is not None:
        users = _unique_users(users, users_file, sink)
    records = []
    pairs = object_pairs(data)
    seen: dict[str, int] = {}
    for rowno, (key, debate) in enumerate(pairs, start=1):
        try:
            if key in seen:
                raise RowError(None, "duplicate debate key",
                               f"{key!r} (first at row {seen[key]}; the later debate is "
                               "rejected)")
            seen[key] = rowno
            problem = duplicate_key_problem(debate)
            if problem is not None:
                raise RowError(None, "duplicate key in a JSON object", problem)
            records.append(_debate(key, debate, rowno, sink, users, scale))
        except RowError as err:
            sink.reject(rowno, err.field, err.reason, err.detail)
    return LoadResult(tuple(records), len(pairs), tuple(sink.rejected), tuple(files))


def _unique_users(users: dict, users_file: Path, sink: RowSink) -> dict:
    """The profiles of ``users.json``, without any user whose entry is ambiguous.

    A user name given twice, or a profile that repeats a key, is rejected (row =
    its position in ``users.json``) and that user's votes are kept without a
    profile, rather than with one of the two picked silently.
    """
    pairs = object_pairs(users)
    count: dict[str, int] = {}
    for name, _ in pairs:
        count[name] = count.get(name, 0) + 1
    out = {}
    for i, (name, profile) in enumerate(pairs, start=1):
        if count[name] > 1:
            sink.reject(i, None, "duplicate user name", f"{name!r} appears {count[name]} "
                        "times; no profile is attached to this user's votes", path=users_file)
            continue
        problem = duplicate_key_problem(profile)
        if problem is not None:
            sink.reject(i, None, "duplicate key in a JSON object",
                        f"{problem}; no profile is attached to {name!r}'s votes",
                        path=users_file)
            continue
        out[name] = profile
    return out


def _str_field(obj: dict, key: str) -> str:
    val = obj.get(key)
    if not isinstance(val, str) or not val.strip():
        raise RowError(key, f"missing or empty {key}", None if val is None else repr(val))
    return val.strip()


def _debate(key: str, debate: Any, rowno: int, sink: RowSink, users: dict,
            scale: Mapping[str, int]) -> ClaimRecord:
    if not isinstance(debate, dict):
        raise RowError(None, "debate is not a JSON object", type(debate).__name__)
    title = nfc(_str_field(debate, "title"))
    sides: dict[str, str] = {}
    for i in (1, 2):
        name = _str_field(debate, f"participant_{i}_name")
        pos = _str_field(debate, f"participant_{i}_position")
        if pos not in ("Pro", "Con"):
            raise RowError(f"participant_{i}_position", "position is not 'Pro' or 'Con'",
                           repr(pos))
        if pos in sides:
            raise RowError(f"participant_{i}_position", "both debaters are on the same side",
                           repr(pos))
        sides[pos] = name
    if sides["Pro"] == sides["Con"]:
        raise RowError("participant_2_name", "the two debaters have the same name",
                       repr(sides["Pro"]))
    pro_text, con_text, n_rounds = _rounds(debate.get("rounds"))
    votes = debate.get("votes", [])
    if not isinstance(votes, list):
        raise RowError("votes", "votes is not a list", type(votes).__name__)
    observations = []
    no_agreement = 0
    for j, vote in enumerate(votes):
        try:
            obs = _vote(vote, j, sides, users, scale)
        except RowError as err:
            sink.reject(rowno, err.field, err.reason, err.detail)
            continue
        if obs is None:
            no_agreement += 1
        else:
            observations.append(obs)
    category = debate.get("category")
    return ClaimRecord(
        dataset="ddo", id=str(key), claim=title, observations=tuple(observations),
        source="debate.org",
        metadata={"category": category if isinstance(category, str) else None,
                  "pro": sides["Pro"], "con": sides["Con"], "n_votes": len(votes),
                  "votes_without_agreement": no_agreement, "n_rounds": n_rounds,
                  "pro_argument": pro_text, "con_argument": con_text, "row": rowno},
    )


def _rounds(rounds: Any) -> tuple[str | None, str | None, int]:
    if rounds is None:
        return None, None, 0
    if not isinstance(rounds, list):
        raise RowError("rounds", "rounds is not a list", type(rounds).__name__)
    texts: dict[str, list[str]] = {"Pro": [], "Con": []}
    for i, rnd in enumerate(rounds):
        if not isinstance(rnd, list):
            raise RowError(f"rounds[{i}]", "round is not a list")
        for j, turn in enumerate(rnd):
            if not isinstance(turn, dict) or turn.get("side") not in ("Pro", "Con") or \
                    not isinstance(turn.get("text"), str):
                raise RowError(f"rounds[{i}][{j}]",
                               "turn is not {'side': 'Pro'|'Con', 'text': str}")
            texts[turn["side"]].append(turn["text"].strip())
    return ("\n\n".join(texts["Pro"]) or None, "\n\n".join(texts["Con"]) or None, len(rounds))


def _vote(vote: Any, j: int, sides: dict[str, str], users: dict, scale: Mapping[str, int]
          ) -> RatingObservation | None:
    if not isinstance(vote, dict):
        raise RowError(f"votes[{j}]", "vote is not a JSON object")
    vmap = vote.get("votes_map")
    if not isinstance(vmap, dict):
        raise RowError(f"votes[{j}].votes_map", "vote has no votes_map object")
    keys = {"pro": sides["Pro"], "con": sides["Con"], "tied": "Tied"}
    has_agreement = any(isinstance(v, dict) and (BEFORE in v or AFTER in v)
                        for v in vmap.values())
    if not has_agreement:
        return None
    answers = {}
    for question, label in ((BEFORE, "before"), (AFTER, "after")):
        chosen = []
        for side, k in keys.items():
            entry = vmap.get(k)
            if not isinstance(entry, dict) or question not in entry:
                raise RowError(f"votes[{j}].votes_map[{k!r}]",
                               f"votes_map lacks {question!r} for {k!r}")
            val = entry[question]
            if not isinstance(val, bool):
                raise RowError(f"votes[{j}].votes_map[{k!r}][{question!r}]",
                               "agreement answer is not true/false", repr(val))
            if val:
                chosen.append(side)
        if len(chosen) != 1:
            raise RowError(f"votes[{j}].votes_map",
                           f"not exactly one answer to {question!r}", repr(chosen))
        answers[label] = chosen[0]
    user = vote.get("user_name")
    user = user if isinstance(user, str) and user else None
    extra: dict[str, Any] = {"before": answers["before"], "after": answers["after"]}
    profile = users.get(user) if user is not None else None
    if isinstance(profile, dict):
        for f in _USER_FIELDS:
            if f in profile:
                extra[f] = profile[f]
    return RatingObservation(
        initial=scale[answers["before"]], final=scale[answers["after"]], source="Human",
        participant=user, extra=extra,
    )
