"""The command line: solve, example, verify, plug-in subcommands, errors."""

import importlib
import json
import os
import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path

import pytest

import bayespersuade
from bayespersuade import PersuasionGame, __version__
from bayespersuade.cli import main as cli
from bayespersuade.cli.main import main
from bayespersuade.examples import get_example, likert_quadratic, prosecutor
from bayespersuade.game import game_from_dict, load_game, loads_game
from bayespersuade.io import save_game

PNG = b"\x89PNG\r\n\x1a\n"


def three_state_game():
    return PersuasionGame([F(1, 2), F(1, 4), F(1, 4)],
                          [[0, 0, 0], [1, 1, 1], [3, 3, 3], [2, 0, 1]],
                          [[3, 0, 0], [0, 3, 0], [0, 0, 3], [2, 2, 2]],
                          states=["A", "B", "C"], actions=["x", "y", "z", "w"], name="three")


# ------------------------------------------------------------------- solve
def test_solve_example_exact(capsys):
    assert main(["solve", "prosecutor", "--exact"]) == 0
    out = capsys.readouterr().out
    assert "Game 'prosecutor': 2 states x 2 actions" in out
    assert "optimal value V(mu0)      3/5   (exact, certified)" in out
    assert "no disclosure v(mu0)      0" in out
    assert "full disclosure           3/10" in out
    assert "gain ceiling V - v        3/5" in out
    # the scheme: acquit at posterior (1, 0) w.p. 2/5, convict at (1/2, 1/2) w.p. 3/5
    assert "2/5   (1, 0)                        acquit" in out
    assert "3/5   (1/2, 1/2)                    convict" in out
    assert "method lp, backend highs" in out
    assert "certificate: verified exactly" in out


def test_float_solve(capsys):
    assert main(["solve", "prosecutor", "--lp-method", "ipm"]) == 0
    out = capsys.readouterr().out
    assert "0.6   (floating point)" in out
    assert "certificate" not in out


def test_solve_file_with_json_and_plot(tmp_path, capsys):
    game = tmp_path / "g.json"
    assert main(["example", "likert-quadratic", "--out", str(game)]) == 0
    out_json, out_png = tmp_path / "sol.json", tmp_path / "plot.png"
    assert main(["solve", str(game), "--exact", "--method", "concavification",
                 "--json", str(out_json), "--plot", str(out_png)]) == 0
    data = json.loads(out_json.read_text(encoding="utf-8"))
    # Likert at 1/2: V = 3/2 + 6/2 = 9/2, v̂ = 4 (answer 4), gain 1/2
    assert (data["value"], data["no_disclosure_value"], data["gain"]) == ("9/2", "4", "1/2")
    assert data["exact"] is True and data["method"] == "concavification"
    assert data["certificate"]["value"] == "9/2"
    assert sum(F(s["probability"]) for s in data["signals"]) == 1
    assert game_from_dict(data["game"]) == likert_quadratic()
    assert out_png.read_bytes()[:8] == PNG and out_png.stat().st_size > 5000
    out = capsys.readouterr().out
    assert f"wrote {out_json}" in out and f"wrote {out_png}" in out
    assert f"bayespersuade verify {game} {out_json}" in out


def test_solve_three_state_plot(tmp_path):
    path, png = tmp_path / "three.json", tmp_path / "three.svg"
    save_game(three_state_game(), path)
    assert main(["solve", str(path), "--plot", str(png)]) == 0
    assert png.read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_plot_refused_before_solving(tmp_path, capsys):
    four = PersuasionGame([F(1, 4)] * 4, [[0] * 4, [1] * 4], [[1, 0, 0, 0], [0, 1, 1, 1]])
    path = tmp_path / "four.json"
    save_game(four, path)
    assert main(["solve", str(path), "--plot", str(tmp_path / "p.png")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing solved or printed
    assert "2 or 3 states; this game has 4" in captured.err
    assert main(["solve", "prosecutor", "--plot", str(tmp_path / "p.nope")]) == 2
    assert "unknown image format 'nope'" in capsys.readouterr().err
    assert not list(tmp_path.glob("p.*"))


def test_exact_on_a_float_game_is_a_clean_error(tmp_path, capsys):
    path = tmp_path / "float.json"
    save_game(PersuasionGame([0.7, 0.3], [[0.0, 0.0], [1.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]]),
              path)
    assert main(["solve", str(path), "--exact"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("bayespersuade: error: exact=True needs a rational game")
    assert "Traceback" not in err


def test_json_to_a_missing_directory(tmp_path, capsys):
    target = tmp_path / "no" / "sol.json"
    assert main(["solve", "prosecutor", "--json", str(target)]) == 2
    captured = capsys.readouterr()
    assert captured.err == (f"bayespersuade: error: --json {target}: the folder "
                            f"{str(target.parent)!r} does not exist\n")
    assert captured.out == ""  # refused before solving


def test_a_file_named_like_an_example_takes_precedence(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    save_game(prosecutor("1/5"), tmp_path / "prosecutor")
    assert main(["solve", "prosecutor", "--exact"]) == 0
    # prior 1/5 guilty: convict w.p. 2/5 (posterior 1/2), value 2/5
    assert "optimal value V(mu0)      2/5" in capsys.readouterr().out


# ------------------------------------------------------------------ example
def test_example_prints_json(capsys):
    assert main(["example"]) == 0
    text = capsys.readouterr().out
    assert json.loads(text)["format"] == "bayespersuade.game"
    assert loads_game(text) == prosecutor()


def test_example_out(tmp_path, capsys):
    out = tmp_path / "likert.json"
    assert main(["example", "likert-quadratic", "--out", str(out)]) == 0
    assert load_game(out) == get_example("likert-quadratic")
    assert capsys.readouterr().out == f"wrote {out}\n"


def test_unknown_example_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["example", "nope"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'nope'" in err and "prosecutor" in err


def test_unknown_game_name_lists_the_examples(capsys):
    assert main(["solve", "nope"]) == 1
    err = capsys.readouterr().err
    assert err == ("bayespersuade: error: nope: no such file, and not the name of a bundled "
                   "example (likert-quadratic, prosecutor)\n")


# ------------------------------------------------------------------- verify
@pytest.fixture
def exact_solution(tmp_path):
    sol = tmp_path / "sol.json"
    assert main(["solve", "prosecutor", "--exact", "--json", str(sol)]) == 0
    return sol


def test_verify_good(exact_solution, capsys):
    capsys.readouterr()
    assert main(["verify", "prosecutor", str(exact_solution)]) == 0
    out = capsys.readouterr().out
    assert "primal feasible (scheme, obedience)   yes" in out
    assert "dual feasible (prices, multipliers)   yes" in out
    assert "(primal 3/5, dual 3/5)" in out
    assert "stated value matches                  yes" in out
    assert out.rstrip().endswith("certificate VALID")


def test_verify_tampered_certificate(exact_solution, capsys):
    data = json.loads(exact_solution.read_text())
    data["certificate"]["value"] = "7/10"
    data["value"] = "7/10"
    exact_solution.write_text(json.dumps(data))
    assert main(["verify", "prosecutor", str(exact_solution)]) == 1
    out = capsys.readouterr().out
    assert "objectives equal                      NO" in out
    assert out.rstrip().endswith("certificate INVALID")


def test_verify_tampered_scheme(exact_solution, capsys):
    data = json.loads(exact_solution.read_text())
    # move mass from "convict" to "acquit" in the guilty state: no longer optimal
    joint = dict(data["certificate"]["joint"])
    joint[0][1], joint[1][1] = "1/10", "1/5"
    data["certificate"]["joint"] = [[a, xs] for a, xs in joint.items()]
    exact_solution.write_text(json.dumps(data))
    assert main(["verify", "prosecutor", str(exact_solution)]) == 1
    assert "certificate INVALID" in capsys.readouterr().out


def test_verify_stated_value_must_be_the_certified_one(exact_solution, capsys):
    data = json.loads(exact_solution.read_text())
    data["value"] = "4/5"  # a claim the (intact) certificate does not prove
    exact_solution.write_text(json.dumps(data))
    assert main(["verify", "prosecutor", str(exact_solution)]) == 1
    out = capsys.readouterr().out
    assert "stated value matches                  NO" in out
    assert "states the value 4/5, but the certificate proves 3/5" in out
    assert "certificate INVALID" in out


def test_verify_against_another_game(exact_solution, tmp_path, capsys):
    other = tmp_path / "other.json"
    save_game(prosecutor("2/5"), other)
    assert main(["verify", str(other), str(exact_solution)]) == 1
    out = capsys.readouterr().out
    assert "the file's game is GAME               NO" in out
    assert "certificate INVALID" in out


def test_verify_without_certificate(tmp_path, capsys):
    sol = tmp_path / "sol.json"
    assert main(["solve", "prosecutor", "--json", str(sol)]) == 0
    assert main(["verify", "prosecutor", str(sol)]) == 1
    assert f"{sol}: no certificate" in capsys.readouterr().err


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "not JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"certificate": {"value": "3/5"}}', "malformed certificate"),
])
def test_verify_malformed_solution_files(tmp_path, capsys, content, message):
    sol = tmp_path / "bad-solution.json"
    sol.write_text(content)
    assert main(["verify", "prosecutor", str(sol)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"bayespersuade: error: {sol}") and message in err


def test_verify_missing_solution_file(tmp_path, capsys):
    assert main(["verify", "prosecutor", str(tmp_path / "nope.json")]) == 1
    assert "nope.json: no such file" in capsys.readouterr().err


# ------------------------------------------------------------- game errors
def test_malformed_game_file_exits_1_naming_the_file(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "bayespersuade.game", "version": 1, "prior": [1]}')
    assert main(["solve", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"bayespersuade: error: {bad}")
    assert "Traceback" not in err


def test_non_json_game_file(tmp_path, capsys):
    bad = tmp_path / "garbage.json"
    bad.write_text("prior = 1/2")
    assert main(["solve", str(bad)]) == 1
    assert "garbage.json" in capsys.readouterr().err


def test_missing_game_file(tmp_path, capsys):
    assert main(["solve", str(tmp_path / "nope.json")]) == 1
    assert "nope.json: no such file" in capsys.readouterr().err


# -------------------------------------------------------- version, help
def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"bayespersuade {__version__}"


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "usage: bayespersuade" in capsys.readouterr().out


def test_python_dash_m_version():
    root = str(Path(bayespersuade.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    out = subprocess.run([sys.executable, "-m", "bayespersuade", "--version"],
                         capture_output=True, text=True, check=True, env=env).stdout
    assert out.strip() == f"bayespersuade {__version__}"


# ------------------------------------------------------------------ plug-ins
@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    """A directory on sys.path for fake plug-in modules, forgotten afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        if name.startswith("fake_bp_plugin"):
            del sys.modules[name]


GOOD_PLUGIN = '''
def add_parser(subparsers):
    p = subparsers.add_parser("hello", help="say hello")
    p.add_argument("--fail", choices=["library", "bug"])
    p.set_defaults(func=run)

def run(args):
    if args.fail == "library":
        from bayespersuade.exceptions import DataError
        raise DataError("bad row", path="data.csv", row=3)
    if args.fail == "bug":
        raise RuntimeError("a bug must not be hidden")
    print("hello from the plug-in")
    return 7
'''


def test_plugin_registered_and_dispatched(plugin_dir, monkeypatch, capsys):
    (plugin_dir / "fake_bp_plugin_good.py").write_text(GOOD_PLUGIN)
    importlib.invalidate_caches()
    monkeypatch.setattr(cli, "PLUGINS", (("fake_bp_plugin_good", "add_parser"),))
    assert main(["hello"]) == 7
    assert capsys.readouterr().out == "hello from the plug-in\n"
    assert main(["hello", "--fail", "library"]) == 1
    assert capsys.readouterr().err == ("bayespersuade: error: file data.csv, row 3: bad row\n")
    with pytest.raises(RuntimeError, match="must not be hidden"):
        main(["hello", "--fail", "bug"])


def test_absent_plugins_are_skipped(monkeypatch, capsys):
    monkeypatch.setattr(cli, "PLUGINS", (
        ("fake_bp_plugin_absent", "add_parser"),
        ("bayespersuade.fake_bp_plugin_absent_package.cli", "add_parser"),
    ))
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "solve" in out and "verify" in out


def test_plugin_with_a_missing_dependency_is_not_hidden(plugin_dir, monkeypatch):
    (plugin_dir / "fake_bp_plugin_dep.py").write_text(
        "import fake_bp_dependency_that_is_not_installed\n")
    importlib.invalidate_caches()
    monkeypatch.setattr(cli, "PLUGINS", (("fake_bp_plugin_dep", "add_parser"),))
    with pytest.raises(ModuleNotFoundError) as exc:
        main(["--help"])
    assert exc.value.name == "fake_bp_dependency_that_is_not_installed"


def test_plugin_with_a_broken_import_is_not_hidden(plugin_dir, monkeypatch):
    (plugin_dir / "fake_bp_plugin_broken.py").write_text("from math import no_such_name\n")
    importlib.invalidate_caches()
    monkeypatch.setattr(cli, "PLUGINS", (("fake_bp_plugin_broken", "add_parser"),))
    with pytest.raises(ImportError, match="no_such_name"):
        main(["--help"])


def test_the_ceilings_plugin_is_registered(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "ceilings" in capsys.readouterr().out
