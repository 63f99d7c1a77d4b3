"""The PERSPECTRUM subset bundled in the package."""

import hashlib
from collections import Counter
from pathlib import Path

import pytest

from bayespersuade.datasets import load_dataset, load_embedded, load_perspectrum
from bayespersuade.datasets.embedded import (
    UPSTREAM,
    build_perspectrum_subset,
    embedded_path,
)
from bayespersuade.exceptions import InvalidParameterError

ROOT = Path(__file__).resolve().parents[1]


def _main_checkout(root: Path) -> Path:
    """The main checkout of a git worktree (``.git`` is then a file naming it)."""
    git = root / ".git"
    if git.is_file():
        line = git.read_text(encoding="utf-8").strip()
        if line.startswith("gitdir:"):
            gitdir = Path(line.split(":", 1)[1].strip())
            if gitdir.parent.name == "worktrees":
                return gitdir.parent.parent.parent
    return root


# third-party data is never committed: the upstream files sit in ``../shared/data``
# beside the repository (of the main checkout, when this is a worktree)
UPSTREAM_DIR = next(
    (p for p in (ROOT.parent / "shared" / "data" / "perspectrum",
                 _main_checkout(ROOT).parent / "shared" / "data" / "perspectrum")
     if p.is_dir()),
    ROOT.parent / "shared" / "data" / "perspectrum")
needs_upstream = pytest.mark.skipif(
    not UPSTREAM_DIR.is_dir(),
    reason=f"upstream PERSPECTRUM files not present in ../shared/data ({UPSTREAM_DIR})")


def test_bundle_sizes_and_splits():
    res = load_embedded()
    assert res.rows_read == 907
    assert res.n_rejected == 0
    assert len(res.records) == 907
    assert Counter(r.metadata["split"] for r in res.records) == {
        "train": 541, "dev": 139, "test": 227}
    assert sum(len(r.evidence) for r in res.records) == 5095
    assert len(load_embedded(split="test").records) == 227
    assert load_dataset("perspectrum", split="dev").records == load_embedded(
        split="dev").records


def test_license_and_attribution_beside_the_data():
    folder = embedded_path().parent
    lic = (folder / "LICENSE.txt").read_text()
    assert lic.startswith("Attribution-ShareAlike 4.0 International")
    att = (folder / "ATTRIBUTION.md").read_text()
    assert UPSTREAM["commit"] in att
    assert "Sihao Chen, Daniel Khashabi, Wenpeng Yin, Chris Callison-Burch, Dan Roth" in att


def test_unknown_name():
    with pytest.raises(InvalidParameterError, match="no embedded dataset"):
        load_embedded("cmv")


@needs_upstream
def test_bundle_is_rebuilt_byte_for_byte(tmp_path):
    out = tmp_path / "subset.json"
    assert build_perspectrum_subset(UPSTREAM_DIR, out) == 907
    assert hashlib.sha256(out.read_bytes()).hexdigest() == hashlib.sha256(
        embedded_path().read_bytes()).hexdigest()


@needs_upstream
def test_bundle_gives_the_upstream_records():
    for split in ("all", "test"):
        assert load_embedded(split=split).records == load_perspectrum(
            UPSTREAM_DIR, split=split).records


@needs_upstream
def test_license_is_the_upstream_text():
    assert (embedded_path().parent / "LICENSE.txt").read_bytes() == (
        UPSTREAM_DIR / "license.txt").read_bytes()


def test_documented_label_vote_disagreements():
    """The counts quoted in the perspectrum and families docstrings."""
    no_stance_votes = Counter()
    contradicting = 0
    for rec in load_embedded().records:
        for ev in rec.evidence:
            s = ev.votes["support"] + ev.votes["mildly_support"]
            u = ev.votes["undermine"] + ev.votes["mildly_undermine"]
            if s + u == 0:
                no_stance_votes[ev.stance] += 1
            if (s > u and ev.stance != "support") or (u > s and ev.stance != "undermine"):
                contradicting += 1
    assert no_stance_votes == {"undermine": 106}
    assert contradicting == 24
