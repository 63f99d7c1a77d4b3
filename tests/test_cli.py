"""The command line: solve, example, verify, plug-in subcommands, errors."""

import json
import subprocess
import sys

import pytest

from bayespersuade import __version__
from bayespersuade.cli import main


def test_solve_example_exact(capsys):
    assert main(["solve", "prosecutor", "--exact"]) == 0
    out = capsys.readouterr().out
    assert "optimal value V(mu0)      3/5   (exact, certified)" in out
    assert "gain ceiling V - v        3/5" in out
    assert "certificate: verified" in out


def test_solve_file_with_json_and_plot(tmp_path, capsys):
    game = tmp_path / "g.json"
    assert main(["example", "likert-quadratic", "--out", str(game)]) == 0
    out_json, out_png = tmp_path / "sol.json", tmp_path / "plot.png"
    assert main(["solve", str(game), "--exact", "--method", "concavification",
                 "--json", str(out_json), "--plot", str(out_png)]) == 0
    data = json.loads(out_json.read_text())
    assert data["value"] == "9/2"
    assert data["exact"] is True
    assert data["method"] == "concavification"
    assert out_png.stat().st_size > 1000
    assert "wrote" in capsys.readouterr().out


def test_float_solve(capsys):
    assert main(["solve", "prosecutor", "--lp-method", "ipm"]) == 0
    assert "(floating point)" in capsys.readouterr().out


def test_verify_good_and_tampered(tmp_path, capsys):
    sol = tmp_path / "sol.json"
    assert main(["solve", "prosecutor", "--exact", "--json", str(sol)]) == 0
    assert main(["verify", "prosecutor", str(sol)]) == 0
    assert "certificate VALID" in capsys.readouterr().out
    data = json.loads(sol.read_text())
    data["certificate"]["value"] = "7/10"
    sol.write_text(json.dumps(data))
    assert main(["verify", "prosecutor", str(sol)]) == 1
    assert "certificate INVALID" in capsys.readouterr().out


def test_verify_without_certificate(tmp_path, capsys):
    sol = tmp_path / "sol.json"
    assert main(["solve", "prosecutor", "--json", str(sol)]) == 0
    assert main(["verify", "prosecutor", str(sol)]) == 2
    assert "no certificate" in capsys.readouterr().err


def test_example_prints_json(capsys):
    assert main(["example"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["name"] == "prosecutor"


def test_malformed_game_file_exits_2_naming_the_file(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "bayespersuade.game", "version": 1, "prior": [1]}')
    assert main(["solve", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("bayespersuade: error:")
    assert "bad.json" in err


def test_missing_file_exits_2(tmp_path, capsys):
    assert main(["solve", str(tmp_path / "nope.json")]) == 2
    assert "nope.json" in capsys.readouterr().err


def test_unknown_example_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["example", "nope"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_plugins_are_registered(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for cmd in ("solve", "example", "verify", "ceilings"):
        assert cmd in out


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "usage" in capsys.readouterr().out


def test_python_dash_m_version():
    out = subprocess.run([sys.executable, "-m", "bayespersuade", "--version"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"bayespersuade {__version__}"
