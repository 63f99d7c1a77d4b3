"""Dataset loaders: human persuasion datasets as :class:`ClaimRecord` lists.

=================  ============================================  ===================
name               loader                                        data
=================  ============================================  ===================
``anthropic``      :func:`~.anthropic.load_anthropic`            user's copy (CSV)
``cmv``            :func:`~.cmv.load_cmv`                        user's copy (JSONL)
``ddo``            :func:`~.ddo.load_ddo`                        user's copy (JSON)
``perspectrum``    :func:`~.perspectrum.load_perspectrum`,       bundled, or the
                   :func:`~.embedded.load_embedded`              upstream files
``claims``         :func:`~.claims.load_claims`                  user's own claims
=================  ============================================  ===================

Every loader returns a :class:`LoadResult` that accounts for every row read:
the records, and each rejected row with its file, row, field and reason.
In strict mode the first malformed row raises
:class:`~bayespersuade.exceptions.DataError` instead.  Each loader's module
documents exactly which files and fields it reads, and every assumption made
in turning them into claims.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..exceptions import DataError, InvalidParameterError
from .anthropic import load_anthropic
from .claims import load_claims
from .cmv import load_cmv
from .ddo import load_ddo
from .embedded import load_embedded
from .perspectrum import load_perspectrum
from .records import ClaimRecord, Evidence, LoadResult, RatingObservation, Rejection

__all__ = [
    "DATASETS",
    "ClaimRecord",
    "Evidence",
    "LoadResult",
    "RatingObservation",
    "Rejection",
    "load_anthropic",
    "load_claims",
    "load_cmv",
    "load_dataset",
    "load_ddo",
    "load_embedded",
    "load_perspectrum",
]

#: The dataset names :func:`load_dataset` knows.
DATASETS = ("anthropic", "cmv", "ddo", "perspectrum", "claims")

_LOADERS = {
    "anthropic": load_anthropic,
    "cmv": load_cmv,
    "ddo": load_ddo,
    "perspectrum": load_perspectrum,
    "claims": load_claims,
}


def load_dataset(name: str, path: str | Path | None = None, *, strict: bool = False,
                 **options: Any) -> LoadResult:
    """Load a dataset by name.

    Parameters
    ----------
    name : {"anthropic", "cmv", "ddo", "perspectrum", "claims"}
        The dataset.
    path : path-like, optional
        The user's copy (a file or folder, as the loader documents).  Only
        ``"perspectrum"`` may omit it: the bundled copy is then used
        (:func:`load_embedded`).
    strict : bool, default False
        Raise on the first malformed row instead of recording it.
    **options
        Passed to the loader (``split=`` for PERSPECTRUM, ``users_path=``
        and ``scale=`` for DDO).

    Returns
    -------
    LoadResult

    Raises
    ------
    InvalidParameterError
        For an unknown name.
    DataError
        For a missing path, or malformed data.

    Examples
    --------
    >>> res = load_dataset("perspectrum", split="test")
    >>> len(res.records)
    227
    >>> load_dataset("cmv")
    Traceback (most recent call last):
    ...
    bayespersuade.exceptions.DataError: field 'path': dataset 'cmv' is not bundled ...
    """
    if name not in _LOADERS:
        raise InvalidParameterError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    if path is None:
        if name == "perspectrum":
            return load_embedded("perspectrum", **options)
        raise DataError(
            f"dataset {name!r} is not bundled (its license does not allow it); give the path "
            "of your own copy", field="path")
    return _LOADERS[name](path, strict=strict, **options)
