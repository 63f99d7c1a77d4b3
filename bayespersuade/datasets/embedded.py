"""The dataset bundled inside the package: PERSPECTRUM v1.0 claims (CC-BY-SA-4.0).

``bayespersuade/data/perspectrum/perspectrum_subset.json`` holds the 907
claims of PERSPECTRUM v1.0 with, for each perspective cluster, its
perspective ids, the texts of those perspectives, the gold stance labels,
the crowd vote counts and the evidence paragraph ids, and each claim's
split.  It leaves out the perspectives that belong to no claim's gold
clusters and the evidence paragraphs.  The license text (``LICENSE.txt``)
and the attribution with the upstream commit (``ATTRIBUTION.md``) sit beside
it, as CC-BY-SA requires; the subset is shared under the same license.

The file is generated from the upstream files by
:func:`build_perspectrum_subset` (deterministically: the test suite rebuilds
it from the upstream files, when present, and compares bytes), and
:func:`load_embedded` turns it into exactly the records that
:func:`~bayespersuade.datasets.perspectrum.load_perspectrum` returns for the
upstream files.

References
----------
Chen, S., Khashabi, D., Yin, W., Callison-Burch, C. and Roth, D. (2019).
Seeing things from a different angle: discovering diverse perspectives
about claims. In *Proceedings of NAACL-HLT 2019*, 542-557.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from ..exceptions import DataError, InvalidParameterError
from ._rows import RowError, RowSink, read_json
from .perspectrum import FILES, _check_split, _collect, _split_note
from .records import LoadResult

__all__ = ["EMBEDDED", "UPSTREAM", "build_perspectrum_subset", "embedded_path", "load_embedded"]

#: The upstream release the bundled subset was generated from.
UPSTREAM = {
    "repository": "https://github.com/CogComp/perspectrum",
    "folder": "data/dataset",
    "commit": "b42c27b85f20f2a35c0a0895698fa242ccf160ab",
    "license": "CC-BY-SA-4.0",
    "citation": ("Sihao Chen, Daniel Khashabi, Wenpeng Yin, Chris Callison-Burch, Dan Roth. "
                 "Seeing Things from a Different Angle: Discovering Diverse Perspectives "
                 "about Claims. NAACL 2019."),
}
#: Bundled datasets: name -> file inside the package.
EMBEDDED = {"perspectrum": "data/perspectrum/perspectrum_subset.json"}
_FORMAT = "bayespersuade.perspectrum-subset"


def embedded_path(name: str = "perspectrum") -> Path:
    """The path of a bundled dataset file inside the installed package.

    Examples
    --------
    >>> embedded_path().name
    'perspectrum_subset.json'
    """
    if name not in EMBEDDED:
        raise InvalidParameterError(
            f"no embedded dataset {name!r}; available: {', '.join(EMBEDDED)}")
    return Path(str(resources.files("bayespersuade").joinpath(EMBEDDED[name])))


def build_perspectrum_subset(source_dir: str | Path, out_path: str | Path) -> int:
    """Write the bundled subset file from the upstream PERSPECTRUM files.

    Every claim is validated by the same rules as
    :func:`~bayespersuade.datasets.perspectrum.load_perspectrum` (strict
    mode: a malformed upstream file is an error, not a smaller subset).

    Parameters
    ----------
    source_dir : path-like
        The folder with the upstream files.
    out_path : path-like
        Where to write the subset (JSON, one claim per line).

    Returns
    -------
    int
        The number of claims written.

    Examples
    --------
    >>> import json, os, tempfile
    >>> src = tempfile.mkdtemp()
    >>> claim = {"cId": 7, "text": "Zoos should be banned", "source": "idebate",
    ...          "perspectives": [{"pids": [1], "stance_label_3": "SUPPORT",
    ...                            "stance_label_5": "SUPPORT",
    ...                            "voter_counts": [3, 1, 0, 0, 0], "evidence": [5]}]}
    >>> for name, obj in [(FILES["claims"], [claim]),
    ...                   (FILES["pool"], [{"pId": 1, "text": "Animals suffer"}]),
    ...                   (FILES["split"], {"7": "test"})]:
    ...     _ = open(os.path.join(src, name), "w").write(json.dumps(obj))
    >>> build_perspectrum_subset(src, os.path.join(src, "subset.json"))
    1
    """
    from .perspectrum import load_perspectrum

    folder = Path(source_dir)
    load_perspectrum(folder, strict=True)  # validate everything first
    claims = read_json(folder / FILES["claims"])
    pool = {p["pId"]: p["text"].strip() for p in read_json(folder / FILES["pool"])}
    splits = read_json(folder / FILES["split"])
    lines = []
    for c in claims:
        entry = {
            "cId": c["cId"], "text": c["text"], "source": c["source"],
            "split": splits[str(c["cId"])], "topics": c.get("topics", []),
            "perspectives": [
                {"pids": p["pids"], "texts": [pool[i] for i in p["pids"]],
                 "stance_label_3": p["stance_label_3"], "stance_label_5": p["stance_label_5"],
                 "voter_counts": p["voter_counts"], "evidence": p.get("evidence", [])}
                for p in c["perspectives"]
            ],
        }
        lines.append(json.dumps(entry, ensure_ascii=False, separators=(",", ":")))
    header = {"format": _FORMAT, "version": 1, "upstream": UPSTREAM, "n_claims": len(lines)}
    text = (
        "{\"header\":" + json.dumps(header, ensure_ascii=False, separators=(",", ":"))
        + ",\n\"claims\":[\n" + ",\n".join(lines) + "\n]}\n"
    )
    Path(out_path).write_text(text, encoding="utf-8")
    return len(lines)


def load_embedded(name: str = "perspectrum", split: str = "all", *, strict: bool = True
                  ) -> LoadResult:
    """Load a dataset bundled with the package (no files of the user's needed).

    Parameters
    ----------
    name : {"perspectrum"}
        The bundled dataset.
    split : {"all", "test", "dev", "train"}, default "all"
        PERSPECTRUM's split: ``"all"`` gives all 907 claims; ``"test"`` (227
        claims) is the evaluation split, ``"dev"`` has 139, ``"train"`` 541.
    strict : bool, default True
        The bundled file is validated like an upstream file; a problem in it
        is a packaging bug, so by default it raises.

    Returns
    -------
    LoadResult
        Records identical to what
        :func:`~bayespersuade.datasets.perspectrum.load_perspectrum` returns
        for the upstream files.

    Examples
    --------
    >>> res = load_embedded("perspectrum", split="test")
    >>> len(res.records), res.records[0].dataset
    (227, 'perspectrum')
    >>> len(load_embedded(split="all").records)
    907
    """
    _check_split(split)
    path = embedded_path(name)
    data = read_json(path)
    if not isinstance(data, dict) or data.get("header", {}).get("format") != _FORMAT:
        raise DataError("not a bayespersuade PERSPECTRUM subset file", path=str(path))
    claims = data.get("claims")
    if not isinstance(claims, list):
        raise DataError("the subset file has no list of claims", path=str(path))
    sink = RowSink(path, strict)
    split_by_id: dict[str, str] = {}
    for c in claims:
        if isinstance(c, dict) and isinstance(c.get("split"), str):
            split_by_id.setdefault(str(c.get("cId")), c["split"])

    def texts_of(k: int, pids: list[int], cl: Any) -> list[str]:
        texts = cl.get("texts")
        if (not isinstance(texts, list) or len(texts) != len(pids)
                or not all(isinstance(t, str) and t for t in texts)):
            raise RowError(f"perspectives[{k}].texts", "texts do not match pids")
        return texts

    kept, n_read, n_other = _collect(enumerate(claims, start=1), sink, texts_of,
                                    split_by_id.get, split)
    note = (f"bundled subset of PERSPECTRUM v1.0 ({UPSTREAM['license']}; upstream commit "
            f"{UPSTREAM['commit'][:12]}); see ATTRIBUTION.md beside it",)
    return LoadResult(tuple(kept), n_read, tuple(sink.rejected), (str(path),),
                      note + _split_note(split, len(kept), n_other))
