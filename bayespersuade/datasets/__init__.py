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
:class:`~bayespersuade.exceptions.DataError` instead.

No loader raises anything but the library's errors on bad files, and none
loses data silently: text that does not decode in the file's encoding (UTF-8
unless ``encoding=`` says otherwise) is a ``DataError`` naming the byte
offset; a damaged, cut-short or misnamed ``.gz``/``.bz2`` file, JSON nested
too deeply, and a CSV header naming a column twice are errors
naming the file; a JSON object that repeats a key (a debate key, a split
entry, a field) is a rejected row; claim texts are compared in Unicode
normal form C; number cells are capped at 4,300 digits.  Each loader's module
documents exactly which files and fields it reads, and every assumption made
in turning them into claims.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..exceptions import DataError, InvalidParameterError
from ._rows import check_encoding
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
                 encoding: str | None = None, **options: Any) -> LoadResult:
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
    encoding : str, optional
        The text encoding of the user's files (default UTF-8), for example
        ``"latin-1"``.  Not for the bundled copy (which is UTF-8).
    **options
        Passed to the loader (``split=`` for PERSPECTRUM, ``users_path=``
        and ``scale=`` for DDO).

    Returns
    -------
    LoadResult

    Raises
    ------
    InvalidParameterError
        For an unknown name, an unknown encoding, or an encoding for the
        bundled copy.
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
            if encoding is not None:
                raise InvalidParameterError(
                    "encoding= applies to your own files; the bundled PERSPECTRUM copy is "
                    "UTF-8 (give path= to read your copy)")
            return load_embedded("perspectrum", **options)
        raise DataError(
            f"dataset {name!r} is not bundled (its license does not allow it); give the path "
            "of your own copy", field="path")
    if encoding is not None:
        options["encoding"] = check_encoding(encoding)
    return _LOADERS[name](path, strict=strict, **options)
