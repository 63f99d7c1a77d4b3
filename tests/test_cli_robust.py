"""One consistent command line (issue 9, item 7).

The same exit statuses for every subcommand (0 ok, 1 runtime/data error,
2 usage error, 130 interrupted), one spelling of the dataset-file option,
clean messages for paths that are folders, empty or in the way, Ctrl-C as one
line, and output files that are whole or absent after any error.
"""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

from bayespersuade.cli.main import main

SCRIPTED = ["--sender", "scripted:sender", "--receiver", "scripted:receiver",
            "--no-progress", "--report", "none"]


@pytest.fixture
def work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def claims_csv(work):
    f = work / "claims.csv"
    f.write_text("id,claim,prior\nc1,Tea is good,0.4\nc2,Rain is wet,1/3\n")
    return f


@pytest.fixture
def solution(work, capsys):
    assert main(["solve", "prosecutor", "--exact", "--json", "sol.json"]) == 0
    capsys.readouterr()
    return work / "sol.json"


def _err_line(capsys) -> str:
    """The one line of the error (``evaluate`` also reports its data load before it)."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines()
             if ln.startswith("bayespersuade") or "error" in ln or "interrupt" in ln]
    assert len(lines) == 1, err
    assert err.splitlines()[-1] == lines[0]
    return lines[0]


def _ceilings_args(work, *extra):
    return ["ceilings", "--split", "test", "--no-plots", "--out", str(work / "out"), *extra]


# ------------------------------------------------------------ usage errors: 2

def test_usage_errors_exit_2_for_every_subcommand(work, claims_csv, solution, capsys):
    (work / "a-file").write_text("x")
    cases = [
        (["solve", "prosecutor", "--json", ""], "--json '': an empty file name"),
        (["solve", "prosecutor", "--plot", " "], "--plot ' ': an empty file name"),
        (["solve", "prosecutor", "--json", str(work)], "is a folder, not a file"),
        (["example", "--out", ""], "--out '': an empty file name"),
        (["ceilings", "--out", "a-file"], "--out a-file: is an existing file, not a folder"),
        (["ceilings", "--out", "a-file/sub"], "a-file is a file, not a folder"),
        (["ceilings", "--p", "0.5", "--out", "o"], "--p must be >= 1"),
        (["ceilings", "--dataset", "claims", "--data-file", str(claims_csv), "--prior",
          "1e-99999999", "--out", "o"], "at most 4300 are read"),
        (["ceilings", "--dataset", "claims", "--data-file", f"claims={claims_csv}",
          "--data-file", f"claims={claims_csv}", "--out", "o"], "--data-file given twice"),
        (["ceilings", "--encoding", "latin-1", "--out", "o"], "--encoding applies to"),
        (["ceilings", "--dataset", "claims", "--data-file", str(claims_csv), "--encoding",
          "klingon", "--out", "o"], "unknown text encoding 'klingon'"),
        (["evaluate", "--dataset", "claims", "--data-file", str(claims_csv), *SCRIPTED,
          "--out", "a-file"], "--out a-file: is an existing file, not a folder"),
        (["evaluate", "--dataset", "claims", "--data-file", f"ddo={claims_csv}", *SCRIPTED,
          "--out", "o"], "--data-file given for ddo, which is not in --dataset"),
        (["evaluate", "--dataset", "perspectrum", "--encoding", "latin-1", *SCRIPTED,
          "--out", "o"], "--encoding applies to"),
        (["evaluate", "--dataset", "perspectrum", "--rounds", "2", *SCRIPTED,
          "--out", "o"], "--rounds applies to the dynamic protocol only"),
    ]
    for argv, message in cases:
        assert main(argv) == 2, argv
        line = _err_line(capsys)
        assert "error:" in line and message in line, (argv, line)
        assert "Errno" not in line
    assert sorted(p.name for p in work.iterdir()) == ["a-file", "claims.csv", "sol.json"]


@pytest.mark.parametrize("argv", [
    ["verify", "prosecutor"],                       # a missing argument
    ["report"],
    ["evaluate", "--dataset", "claims", "--dataset-path", "x.csv", *SCRIPTED, "--out", "o"],
    ["ceilings", "--no-such-option"],
])
def test_argparse_usage_errors_exit_2(work, argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "usage:" in capsys.readouterr().err


# ------------------------------------------------- runtime and data errors: 1

def test_data_errors_exit_1_for_every_subcommand(work, claims_csv, solution, capsys,
                                                monkeypatch):
    bad = work / "bad.csv"
    bad.write_text("id,claim,prior\nc1,A,2\n")
    forged = json.loads(solution.read_text())
    forged["value"] = "1"
    (work / "forged.json").write_text(json.dumps(forged))
    cases = [
        (["solve", "nope.json"], "nope.json: no such file"),
        (["solve", str(work)], "is a directory, not a game file"),
        (["verify", "prosecutor", str(work)], "is a folder, not a solution file"),
        (["verify", "prosecutor", "nope.json"], "nope.json: no such file"),
        (["ceilings", "--dataset", "claims", "--data-file", str(bad), "--strict",
          "--no-plots", "--out", "o"], "row 1, field 'prior'"),
        (["ceilings", "--dataset", "claims", "--data-file", str(work), "--no-plots",
          "--out", "o"], "is a folder, not a file"),
        (["evaluate", "--dataset", "claims", "--data-file", "none.csv", *SCRIPTED,
          "--out", "o"], "none.csv: no such file"),
        (["evaluate", "--dataset", "claims", "--data-file", str(work), *SCRIPTED,
          "--out", "o"], "is a folder, not a file"),
        (["report", "nowhere"], "no run.json"),
    ]
    for argv, message in cases:
        assert main(argv) == 1, argv
        line = _err_line(capsys)
        assert message in line, (argv, line)
    # verify prints its checks on stdout and exits 1 on an invalid certificate
    assert main(["verify", "prosecutor", "forged.json"]) == 1
    assert "certificate INVALID" in capsys.readouterr().out
    # a full disk is a runtime error too, with the file named
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", "game.json")

    monkeypatch.setattr("bayespersuade.io.write_atomic", full)
    assert main(["example", "--out", "game.json"]) == 1
    assert _err_line(capsys) == "bayespersuade: error: game.json: No space left on device"


# ------------------------------------------------------------ Ctrl-C: 130

def _interrupt(*args, **kwargs):
    raise KeyboardInterrupt


@pytest.mark.parametrize(("target", "argv"), [
    ("bayespersuade.game.PersuasionGame.solve", ["solve", "prosecutor"]),
    ("bayespersuade.io.dumps_game", ["example"]),
    ("bayespersuade.solvers.certify.verify_certificate", ["verify", "prosecutor", "SOL"]),
    ("bayespersuade.instances.ceilings.ceiling_table", ["ceilings", "--no-plots"]),
    ("bayespersuade.llm.runner.run_evaluation",
     ["evaluate", "--dataset", "perspectrum", "--split", "test", *SCRIPTED]),
    ("bayespersuade.llm.report.write_report", ["report", "."]),
])
def test_ctrl_c_is_one_line_and_130_everywhere(work, solution, monkeypatch, capsys, target,
                                               argv):
    monkeypatch.setattr(target, _interrupt)
    argv = [str(solution) if a == "SOL" else a for a in argv]
    if argv[0] in ("ceilings", "evaluate"):
        argv += ["--out", str(work / "out")]
    assert main(argv) == 130
    line = _err_line(capsys)
    assert "interrupted" in line
    if argv[0] == "evaluate":
        assert "Re-run the same command to resume" in line


def test_ctrl_c_while_building_the_parser(monkeypatch, capsys):
    monkeypatch.setattr("bayespersuade.cli.main.build_parser", _interrupt)
    assert main(["solve", "prosecutor"]) == 130
    assert _err_line(capsys) == "bayespersuade: interrupted"


# ------------------------------------------------------------ atomic output

def _no_temporaries(folder: Path) -> None:
    assert not [p.name for p in folder.rglob(".*tmp-*")]


def test_a_failed_write_leaves_no_partial_file(work, monkeypatch, capsys):
    (work / "sol.json").write_text("the old solution\n")

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("bayespersuade.io.os.fsync", disk_full)
    assert main(["solve", "prosecutor", "--exact", "--json", "sol.json"]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert (work / "sol.json").read_text() == "the old solution\n"  # untouched
    assert main(["example", "--out", "new.json"]) == 1
    assert main(["solve", "prosecutor", "--plot", "p.png"]) == 1
    capsys.readouterr()
    assert sorted(p.name for p in work.iterdir()) == ["sol.json"]
    _no_temporaries(work)


def test_ceilings_files_are_whole_or_absent(work, monkeypatch, capsys):
    import pandas as pd

    real = pd.DataFrame.to_csv

    def to_csv(self, path, *args, **kwargs):
        if "summary_" in Path(str(path)).name:
            Path(path).write_text("dataset,mean_cei")  # a part of it, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)
    assert main(_ceilings_args(work)) == 1
    assert "No space left on device" in capsys.readouterr().err
    out = work / "out"
    names = sorted(p.name for p in out.iterdir())
    assert not [n for n in names if n.startswith("summary_")]
    assert "perspectrum_evidence-stance_p2_ceilings.csv" in names
    assert "run.json" not in names
    _no_temporaries(out)
    table = pd.read_csv(out / "perspectrum_evidence-stance_p2_ceilings.csv")
    assert len(table) == 227  # the files that were written are complete


def test_ceilings_output_is_unchanged_on_success(work, capsys):
    assert main(_ceilings_args(work)) == 0
    capsys.readouterr()
    run = json.loads((work / "out" / "run.json").read_text())
    assert sorted(Path(f).name for f in run["files"]) == sorted(
        p.name for p in (work / "out").iterdir() if p.name != "run.json")
    _no_temporaries(work / "out")


# ------------------------------------------------- one dataset-file option

def test_one_data_file_option_for_ceilings_and_evaluate(work, claims_csv, capsys):
    assert main(["ceilings", "--dataset", "claims", "--data-file", f"claims={claims_csv}",
                 "--no-plots", "--out", "c"]) == 0
    assert main(["evaluate", "--dataset", "claims", "--data-file", f"claims={claims_csv}",
                 *SCRIPTED, "--out", "e"]) == 0
    capsys.readouterr()
    run = json.loads((work / "e" / "run.json").read_text())
    assert run["config"]["dataset_path"] == str(claims_csv)


def test_encoding_option(work, capsys):
    f = work / "latin.csv"
    f.write_bytes("id,claim,prior\nc1,Caf\u00e9s are loud,1/2\n".encode("latin-1"))
    base = ["ceilings", "--dataset", "claims", "--data-file", str(f), "--no-plots"]
    assert main([*base, "--out", "a"]) == 1
    line = _err_line(capsys)
    assert "byte 0xe9 at byte offset" in line and "--encoding" in line
    assert main([*base, "--encoding", "latin-1", "--out", "b"]) == 0
    capsys.readouterr()
    table = (work / "b" / "claims_binary-truth_p2_ceilings.csv").read_text(encoding="utf-8")
    assert "Caf\u00e9s are loud" in table
    assert main(["evaluate", "--dataset", "claims", "--data-file", str(f), "--encoding",
                 "latin-1", *SCRIPTED, "--out", "e"]) == 0


# ------------------------------------------------------- --tie-break receiver

def test_receiver_ties_at_the_prior():
    from fractions import Fraction

    from bayespersuade.datasets import ClaimRecord
    from bayespersuade.exceptions import InvalidParameterError
    from bayespersuade.instances.ceilings import ceiling_table

    # binary-truth, quadratic loss: the answer steps from 1 to 2 at P(true) = 1/12
    recs = [ClaimRecord("claims", "on", "A", prior=Fraction(1, 12)),
            ClaimRecord("claims", "off", "B", prior=Fraction(1, 5))]
    fav = ceiling_table(recs, "binary-truth", exact=True)
    adv = ceiling_table(recs, "binary-truth", exact=True, tie_break="receiver")
    F = Fraction
    assert list(fav["vhat_exact"]) == [2, 2] and list(fav["ceiling_exact"]) == [0, F(7, 10)]
    assert list(adv["vhat_exact"]) == [1, 2] and list(adv["ceiling_exact"]) == [1, F(7, 10)]
    assert list(adv["V_exact"]) == list(fav["V_exact"]) == [2, F(27, 10)]
    assert all(type(x) is F for c in ("vhat_exact", "ceiling_exact") for x in adv[c])
    assert list(adv["ceiling"]) == [1.0, pytest.approx(0.7)]
    assert adv.attrs["tie_break"] == "receiver"
    with pytest.raises(InvalidParameterError, match="tie_break"):
        ceiling_table(recs, "binary-truth", tie_break="nature")


def test_tie_break_option_of_ceilings(work, capsys):
    f = work / "c.csv"
    f.write_text("id,claim,prior\non,A,1/12\noff,B,1/5\n")
    base = ["ceilings", "--dataset", "claims", "--data-file", str(f), "--no-plots", "--exact"]
    assert main([*base, "--out", "s"]) == 0
    assert main([*base, "--tie-break", "receiver", "--out", "r"]) == 0
    assert "receiver-favourable ties at the prior" in capsys.readouterr().out
    import pandas as pd

    s = pd.read_csv(work / "s" / "claims_binary-truth_p2_ceilings.csv", dtype=str)
    r = pd.read_csv(work / "r" / "claims_binary-truth_p2_ceilings.csv", dtype=str)
    assert list(s["ceiling_exact"]) == ["0", "7/10"]
    assert list(r["ceiling_exact"]) == ["1", "7/10"]
    run = json.loads((work / "r" / "run.json").read_text())
    assert run["arguments"]["tie_break"] == "receiver"
