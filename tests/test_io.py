"""Tests for bayespersuade.io: the JSON game format."""

from __future__ import annotations

import copy
import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings

from bayespersuade import GameFileError, InvalidGameError, PersuasionGame
from bayespersuade.examples import EXAMPLES, likert_quadratic, prosecutor
from bayespersuade.exceptions import InvalidParameterError
from bayespersuade.game import game_from_dict, load_game, loads_game
from bayespersuade.io import (
    FORMAT,
    VERSION,
    dumps_game,
    example_path,
    game_to_dict,
    save_game,
)
from bayespersuade.testing import degenerate_games, games

F = Fraction


def base() -> dict:
    """A valid game dict (the prosecutor), to be broken by each test."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": "p",
        "states": ["innocent", "guilty"],
        "actions": ["acquit", "convict", "retry"],
        "prior": ["7/10", "3/10"],
        "sender_utility": [[0, 0], [1, 1], [0, 1]],
        "receiver_utility": [[1, 0], [0, 1], [0, 0]],
        "metadata": {"k": [1, 2]},
    }


def write(tmp_path, data, name="bad.json"):
    path = tmp_path / name
    text = data if isinstance(data, str) else json.dumps(data)
    path.write_text(text, encoding="utf-8")
    return path


def load_error(tmp_path, data, name="bad.json") -> str:
    """Load a broken file; return the message, checking it names the file."""
    path = write(tmp_path, data, name)
    with pytest.raises(GameFileError) as info:
        load_game(path)
    assert isinstance(info.value, InvalidGameError)
    msg = str(info.value)
    assert msg.startswith(f"{path}: "), msg
    return msg


# ------------------------------------------------------------------ round trips
def test_base_fixture_is_valid(tmp_path):
    game = load_game(write(tmp_path, base(), "ok.json"))
    assert game.is_rational
    assert game.n_actions == 3


@pytest.mark.parametrize("make", [prosecutor, likert_quadratic])
def test_rational_round_trip_exact(tmp_path, make):
    game = make()
    path = tmp_path / "g.json"
    save_game(game, path)
    back = load_game(path)
    assert back == game
    assert back.is_rational
    for a, b in zip(back.exact_data(), game.exact_data()):
        assert a.shape == b.shape
        assert all(type(x) is Fraction for x in a.ravel())
        assert list(a.ravel()) == list(b.ravel())
    assert back.name == game.name
    assert back.metadata == game.metadata
    assert back.states == game.states
    assert back.actions == game.actions


def test_rational_round_trip_awkward_fractions():
    third = F(1, 3)
    big = F(10**30 + 1, 3 * 10**29)
    game = PersuasionGame(
        [third, F(1, 6), F(1, 2)],
        [[F(-7, 3), 0, big], [1, -F(1, 10**20), 5]],
        [[0, 0, 0], [F(2, 7), F(-3, 2), 10**40]],
    )
    d = game_to_dict(game)
    assert d["prior"] == ["1/3", "1/6", "1/2"]
    assert d["sender_utility"][1] == [1, "-1/100000000000000000000", 5]
    assert d["receiver_utility"][1][2] == 10**40
    back = loads_game(dumps_game(game))
    assert back == game
    assert back.is_rational
    assert back.exact_data()[1][0, 2] == big


def test_float_round_trip_bit_exact(tmp_path):
    prior = [0.1, 0.2, 0.7]  # sums to 1.0000000000000002 (within the float tolerance)
    sender = [[0.1, -0.0, 5e-324], [1 / 3, 1.7976931348623157e308, -2.5e-300]]
    receiver = [[2.0, 0.0, -1e-17], [np.nextafter(1.0, 2.0), 3.0, -7.25]]
    game = PersuasionGame(prior, sender, receiver)
    path = tmp_path / "f.json"
    save_game(game, path)
    back = load_game(path)
    assert not back.is_rational
    assert back == game
    for a, b in [(back.prior, game.prior), (back.sender_utility, game.sender_utility),
                 (back.receiver_utility, game.receiver_utility)]:
        assert a.tobytes() == b.tobytes()
    assert np.signbit(back.sender_utility[0, 1])  # -0.0 kept
    # integral floats are written as JSON floats, so the game stays a float game
    assert "[2.0, 0.0, -1e-17]" in path.read_text()


def test_mixed_float_and_int_entries_give_a_float_game():
    game = PersuasionGame([0.5, 0.5], [[1, 0], [0, 1]], [[1, 0], [0, 1]])
    assert not game.is_rational
    d = game_to_dict(game)
    assert d["sender_utility"] == [[1.0, 0.0], [0.0, 1.0]]
    assert all(type(x) is float for row in d["sender_utility"] for x in row)
    back = game_from_dict(d)
    assert back == game
    assert not back.is_rational


def test_one_json_float_makes_a_float_game():
    d = base()
    d["sender_utility"][0][0] = 0.0
    game = game_from_dict(d)
    assert not game.is_rational
    with pytest.raises(InvalidGameError):
        game.exact_data()


def test_decimal_strings_are_read_exactly():
    d = base()
    d["prior"] = ["0.7", "0.3"]
    d["sender_utility"] = [["2.5e-3", "+2"], ["-1/3", ".5"], ["1.", "-0.125E1"]]
    game = game_from_dict(d)
    assert game.is_rational
    prior, v, _ = game.exact_data()
    assert list(prior) == [F(7, 10), F(3, 10)]
    assert list(v.ravel()) == [F(1, 400), 2, F(-1, 3), F(1, 2), 1, F(-5, 4)]


def test_labels_ints_strings_and_unicode_round_trip(tmp_path):
    game = PersuasionGame(
        [F(1, 2), F(1, 2)], [[1, 0], [0, 1], [2, 2]], [[1, 0], [0, 1], [0, 0]],
        states=[1, "1"], actions=["α-β ✓", -3, ""],
    )
    path = tmp_path / "labels.json"
    save_game(game, path)
    assert "α-β ✓" in path.read_text(encoding="utf-8")
    back = load_game(path)
    assert back.states == (1, "1")
    assert [type(s) for s in back.states] == [int, str]
    assert back.actions == ("α-β ✓", -3, "")
    assert back == game


def test_lone_surrogate_label_round_trips_via_ascii_escapes(tmp_path):
    game = PersuasionGame([1], [[0]], [[0]], states=["x\ud800y"], actions=["é"])
    path = tmp_path / "s.json"
    save_game(game, path)
    text = path.read_text(encoding="ascii")  # the fallback is pure ASCII
    assert "\\ud800" in text
    assert "\\u00e9" in text
    assert load_game(path).states == ("x\ud800y",)


def test_metadata_round_trip_and_conversion():
    meta = {"origin": {"kind": "histogram", "counts": (np.int64(3), 4)},
            "p": np.float64(0.25), "ok": np.bool_(True), "none": None, "s": "x"}
    game = PersuasionGame([1], [[1]], [[0]], metadata=meta)
    d = game_to_dict(game)
    assert d["metadata"] == {"origin": {"kind": "histogram", "counts": [3, 4]},
                             "p": 0.25, "ok": True, "none": None, "s": "x"}
    assert type(d["metadata"]["origin"]["counts"][0]) is int
    assert loads_game(dumps_game(game)).metadata == d["metadata"]


def test_optional_fields_default(tmp_path):
    d = base()
    for k in ("name", "states", "actions", "metadata"):
        del d[k]
    game = load_game(write(tmp_path, d, "min.json"))
    assert game.name is None
    assert game.metadata == {}
    assert game.states == ("s0", "s1")
    d2 = base()
    d2["name"] = None
    d2["metadata"] = None
    assert game_from_dict(d2).name is None


def test_no_name_is_omitted_when_writing():
    game = PersuasionGame([1], [[1]], [[0]])
    d = game_to_dict(game)
    assert "name" not in d
    assert list(d) == ["format", "version", "states", "actions", "prior",
                       "sender_utility", "receiver_utility", "metadata"]


def test_game_methods_use_io(tmp_path):
    game = prosecutor("1/4")
    path = tmp_path / "m.json"
    game.save(path)
    assert PersuasionGame.load(path) == game
    assert PersuasionGame.load(str(path)) == game
    assert PersuasionGame.from_dict(game.to_dict()) == game
    with pytest.raises(GameFileError, match=r"^here: missing required field 'prior'"):
        PersuasionGame.from_dict({"format": FORMAT, "version": 1, "sender_utility": [[0]],
                                  "receiver_utility": [[0]]}, source="here")


def test_save_overwrites(tmp_path):
    path = tmp_path / "o.json"
    save_game(likert_quadratic(), path)
    save_game(prosecutor(), path)
    assert load_game(path) == prosecutor()


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + dumps_game(prosecutor()).encode())
    assert load_game(path) == prosecutor()


def test_loads_game_accepts_bytes_and_names_source():
    assert loads_game(dumps_game(prosecutor()).encode()) == prosecutor()
    with pytest.raises(GameFileError, match=r"^<string>: not valid JSON"):
        loads_game("{")
    with pytest.raises(GameFileError, match=r"^src\.json: not UTF-8"):
        loads_game(b"\xff\xfe{}", source="src.json")


# ------------------------------------------------------------- bundled examples
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_bundled_example_files_match_examples(name):
    path = example_path(name)
    assert path.is_file()
    assert path.suffix == ".json"
    game = load_game(path)
    expected = EXAMPLES[name]()
    assert game == expected
    assert game.is_rational
    assert game.name == expected.name
    assert game.metadata == expected.metadata
    assert game_to_dict(game) == game_to_dict(expected)
    # the file is exactly what save_game writes today (regenerate it if this fails)
    assert path.read_text(encoding="utf-8") == dumps_game(expected)


def test_example_path_unknown_name():
    with pytest.raises(InvalidParameterError,
                       match=r"no bundled example game named 'nope'.*prosecutor"):
        example_path("nope")


# ------------------------------------------------------------- malformed files
def test_not_json_reports_line_and_column(tmp_path):
    msg = load_error(tmp_path, '{\n  "format": "bayespersuade.game",\n  "version": 1\n  "x": 2\n}')
    assert "not valid JSON" in msg
    assert "line 4, column 3" in msg


def test_empty_file(tmp_path):
    msg = load_error(tmp_path, "")
    assert "not valid JSON" in msg
    assert "line 1, column 1" in msg


@pytest.mark.parametrize(("text", "kind"), [("[1, 2]", "an array"), ('"g"', "a string"),
                                            ("3", "a number"), ("null", "null")])
def test_top_level_not_an_object(tmp_path, text, kind):
    msg = load_error(tmp_path, text)
    assert "top level" in msg
    assert "must be a JSON object" in msg
    assert kind in msg


@pytest.mark.parametrize("field", ["prior", "sender_utility", "receiver_utility"])
def test_missing_field(tmp_path, field):
    d = base()
    del d[field]
    msg = load_error(tmp_path, d)
    assert f"missing required field '{field}'" in msg


def test_missing_format_and_version(tmp_path):
    d = base()
    del d["format"]
    assert "missing required field 'format'" in load_error(tmp_path, d)
    d = base()
    del d["version"]
    assert "missing required field 'version'" in load_error(tmp_path, d)


def test_unknown_field_with_suggestion(tmp_path):
    d = base()
    d["prior_"] = d.pop("prior")
    msg = load_error(tmp_path, d)
    assert "unknown field 'prior_' (did you mean 'prior'?)" in msg
    d = base()
    d["colour"] = "red"
    msg = load_error(tmp_path, d)
    assert "unknown field 'colour'" in msg
    assert "did you mean" not in msg


def test_wrong_format_tag(tmp_path):
    d = base()
    d["format"] = "nashpy.game"
    msg = load_error(tmp_path, d)
    assert "field 'format'" in msg
    assert '"nashpy.game"' in msg
    assert '"bayespersuade.game"' in msg


@pytest.mark.parametrize(("version", "text"), [
    (3, "unsupported format version 3"),
    (0, "unsupported format version 0"),
    ("1", "field 'version' must be an integer"),
    (1.0, "field 'version' must be an integer"),
    (True, "field 'version' must be an integer"),
])
def test_bad_version(tmp_path, version, text):
    d = base()
    d["version"] = version
    assert text in load_error(tmp_path, d)


@pytest.mark.parametrize(("field", "value", "text"), [
    ("prior", {"a": 1}, "prior must be an array of numbers, got an object"),
    ("prior", "1/2", 'prior must be an array of numbers, got "1/2" (a string)'),
    ("sender_utility", 3, "sender_utility must be an array of rows"),
    ("sender_utility", [[0, 0], 1, [0, 1]], "sender_utility[1] must be a row"),
    ("receiver_utility", [[1, 0], [0, 1], {"x": 0}],
     "receiver_utility[2] must be a row"),
    ("name", 3, "field 'name' must be a string or null, got 3 (a number)"),
    ("metadata", [1], "field 'metadata' must be a JSON object or null, got an array"),
    ("states", "innocent guilty", "states must be an array of labels"),
    ("actions", {"a": 1}, "actions must be an array of labels"),
])
def test_wrong_types(tmp_path, field, value, text):
    d = base()
    d[field] = value
    assert text in load_error(tmp_path, d)


def test_ragged_utilities(tmp_path):
    d = base()
    d["sender_utility"][2] = [0, 1, 2]
    msg = load_error(tmp_path, d)
    assert "sender_utility is ragged: sender_utility[2] has 3 entries but " \
           "sender_utility[0] has 2" in msg


@pytest.mark.parametrize(("mutate", "text"), [
    (lambda d: d.update(receiver_utility=[[1, 0], [0, 1]]),
     "sender_utility has shape (3, 2) but receiver_utility has shape (2, 2)"),
    (lambda d: d.update(prior=["1/3", "1/3", "1/3"]),
     "prior has 3 entries but the utilities have 2 states"),
    (lambda d: d.update(prior=[]), "prior is an empty array"),
    (lambda d: d.update(sender_utility=[]), "sender_utility is an empty array"),
    (lambda d: d.update(sender_utility=[[], [], []], receiver_utility=[[], [], []]),
     "sender_utility[0] is an empty array"),
    (lambda d: d["sender_utility"][1].__setitem__(0, [1, 2]),
     "sender_utility[1][0] is an array, not a number"),
    (lambda d: d.update(states=["a", "b", "c"]),
     "states has 3 labels but the utilities have 2 states"),
])
def test_mis_shaped(tmp_path, mutate, text):
    d = base()
    mutate(d)
    assert text in load_error(tmp_path, d)


@pytest.mark.parametrize(("value", "text"), [
    ("abc", 'sender_utility[2][1] is "abc" (a string), which is not a number'),
    (None, "sender_utility[2][1] is null, not a number"),
    (True, "sender_utility[2][1] is true (a boolean), not a number"),
    ({"n": 1}, "sender_utility[2][1] is an object, not a number"),
    ("1/0", 'sender_utility[2][1] is "1/0", which has a zero denominator'),
    (" 3/10", 'sender_utility[2][1] is " 3/10" (a string), which is not a number'),
    ("1/-2", 'sender_utility[2][1] is "1/-2" (a string), which is not a number'),
    ("nan", 'sender_utility[2][1] is "nan" (a string), which is not a number'),
    ("1e99999", 'sender_utility[2][1] is "1e99999" (a string), which is not a number'),
    ("1e400", "sender_utility[2][1] is \"1e400\" (a string), which is too large"),
    (10**400, "sender_utility[2][1] is 1000000000"),
])
def test_non_numeric_entries(tmp_path, value, text):
    d = base()
    d["sender_utility"][2][1] = value
    assert text in load_error(tmp_path, d)


def test_integer_too_large_for_a_double_is_refused(tmp_path):
    d = base()
    d["receiver_utility"][0][0] = 10**400
    assert "receiver_utility[0][0] is 1000" in load_error(tmp_path, d)
    assert "too large in magnitude" in load_error(tmp_path, d)


def test_integer_over_python_digit_limit(tmp_path):
    text = json.dumps(base()).replace('"7/10"', "1" + "0" * 5000)
    msg = load_error(tmp_path, text)
    assert "not valid JSON" in msg


@pytest.mark.parametrize(("literal", "where"), [
    ("NaN", "prior[0]"), ("Infinity", "prior[0]"), ("-Infinity", "prior[0]"),
    ("1e999", "prior[0]"),
])
def test_non_finite_prior(tmp_path, literal, where):
    text = json.dumps(base()).replace('"7/10"', literal)
    msg = load_error(tmp_path, text)
    assert f"{where} is {literal}" in msg
    assert "finite" in msg


def test_non_finite_utility_and_metadata(tmp_path):
    d = base()
    d["receiver_utility"][1][1] = "@X@"
    msg = load_error(tmp_path, json.dumps(d).replace('"@X@"', "NaN"))
    assert "receiver_utility[1][1] is NaN" in msg
    d = base()
    d["metadata"] = {"a": {"b": [0, "@X@"]}}
    msg = load_error(tmp_path, json.dumps(d).replace('"@X@"', "-Infinity"))
    assert "metadata['a']['b'][1] is -Infinity" in msg
    d = base()
    d["states"] = ["@X@", "g"]
    msg = load_error(tmp_path, json.dumps(d).replace('"@X@"', "NaN"))
    assert "states[0] is NaN" in msg


@pytest.mark.parametrize(("prior", "text"), [
    (["-1/10", "11/10"], "prior[0] is -1/10, which is negative"),
    (["7/10", "2/10"], "prior sums to 9/10, not 1"),
    ([0.7, 0.2], "prior sums to 0.8999999999999999, not 1"),
    (["0.7", 0.3000001], "prior sums to"),
])
def test_bad_prior(tmp_path, prior, text):
    d = base()
    d["prior"] = prior
    msg = load_error(tmp_path, d)
    assert text in msg


def test_negative_float_prior(tmp_path):
    d = base()
    d["prior"] = [-0.5, 1.5]
    msg = load_error(tmp_path, d)
    assert "prior[0] is " in msg
    assert "-0.5" in msg  # the exact spelling of the value is PersuasionGame's message
    assert msg.endswith("which is negative")


def test_game_validation_error_is_chained_and_keeps_message(tmp_path):
    d = base()
    d["prior"] = ["7/10", "2/10"]
    path = write(tmp_path, d)
    with pytest.raises(GameFileError) as info:
        load_game(path)
    cause = info.value.__cause__
    assert isinstance(cause, InvalidGameError)
    assert str(info.value) == f"{path}: {cause}"


def test_duplicate_labels(tmp_path):
    d = base()
    d["actions"] = ["acquit", "convict", "acquit"]
    msg = load_error(tmp_path, d)
    assert "actions has a duplicate label 'acquit' (positions 0 and 2)" in msg


@pytest.mark.parametrize(("label", "text"), [
    (1.5, "states[1] is 1.5 (a number); labels must be strings or integers"),
    (True, "states[1] is true (a boolean); labels must be strings or integers"),
    (None, "states[1] is null; labels must be strings or integers"),
    (["g"], "states[1] is an array; labels must be strings or integers"),
])
def test_bad_label_types(tmp_path, label, text):
    d = base()
    d["states"][1] = label
    assert text in load_error(tmp_path, d)


def test_duplicate_json_key(tmp_path):
    text = json.dumps(base())[:-1] + ', "prior": [0, 1]}'
    msg = load_error(tmp_path, text)
    assert "the key 'prior' appears twice" in msg


def test_missing_file(tmp_path):
    path = tmp_path / "absent.json"
    with pytest.raises(GameFileError, match=r"absent\.json: no such file"):
        load_game(path)


def test_directory_instead_of_file(tmp_path):
    with pytest.raises(GameFileError, match="is a directory"):
        load_game(tmp_path)


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes(json.dumps(base()).replace("innocent", "inn\u00e9cent").encode("latin-1"))
    with pytest.raises(GameFileError) as info:
        load_game(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: not UTF-8 text")
    assert "0xe9" in msg


def test_errors_from_dicts_name_the_source():
    d = base()
    d["prior"][1] = "x"
    with pytest.raises(GameFileError, match=r"^my-dict: prior\[1\] is \"x\""):
        game_from_dict(d, source="my-dict")
    d = base()
    d["prior"] = [F(7, 10), F(3, 10)]  # Python Fractions are not part of the JSON format
    with pytest.raises(GameFileError, match=r"^<dict>: prior\[0\] is Fraction\(7, 10\)"):
        game_from_dict(d)


def test_game_from_dict_does_not_mutate_its_input():
    d = base()
    snapshot = copy.deepcopy(d)
    game_from_dict(d)
    assert d == snapshot


# -------------------------------------------------------------------- writing
@pytest.mark.parametrize(("meta", "text"), [
    ({"r": F(1, 2)}, "metadata['r'] is Fraction(1, 2) of type Fraction"),
    ({1: "x"}, "metadata has the key 1 of type int"),
    ({"a": [float("nan")]}, "metadata['a'][0] is nan"),
    ({"a": {"b": {1, 2}}}, "metadata['a']['b'] is {1, 2} of type set"),
])
def test_unserialisable_metadata_is_refused(tmp_path, meta, text):
    game = PersuasionGame([1], [[1]], [[0]], metadata=meta)
    with pytest.raises(InvalidGameError) as info:
        game_to_dict(game)
    assert text in str(info.value)
    path = tmp_path / "never.json"
    with pytest.raises(InvalidGameError):
        save_game(game, path)
    assert not path.exists()  # no partial file


def test_save_to_missing_directory(tmp_path):
    path = tmp_path / "no" / "such" / "dir.json"
    with pytest.raises(GameFileError, match=r"dir\.json: cannot be written"):
        save_game(prosecutor(), path)


def test_game_to_dict_rejects_non_games():
    with pytest.raises(InvalidGameError, match="expected a PersuasionGame"):
        game_to_dict({"prior": [1]})


# ------------------------------------------------------ property-based round trips
@settings(max_examples=50, deadline=None, database=None)
@given(games(labels=True, utility_denominator=7, max_states=5))
def test_generated_rational_games_round_trip(game):
    back = loads_game(dumps_game(game))
    assert back == game
    assert back.is_rational
    assert [list(a.ravel()) for a in back.exact_data()] == [
        list(a.ravel()) for a in game.exact_data()]
    assert back.states == game.states
    assert back.actions == game.actions


@settings(max_examples=50, deadline=None, database=None)
@given(games(labels=True, rational=False, max_states=5))
def test_generated_float_games_round_trip_bit_exactly(game):
    back = loads_game(dumps_game(game))
    assert not back.is_rational
    assert back.prior.tobytes() == game.prior.tobytes()
    assert back.sender_utility.tobytes() == game.sender_utility.tobytes()
    assert back.receiver_utility.tobytes() == game.receiver_utility.tobytes()


@settings(max_examples=50, deadline=None, database=None)
@given(degenerate_games(rational=False) | degenerate_games())
def test_degenerate_games_round_trip_with_metadata(game):
    back = game_from_dict(json.loads(json.dumps(game_to_dict(game))))
    assert back == game
    assert back.metadata == game.metadata
