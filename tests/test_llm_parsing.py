"""Tag parsing: lenient about form, strict about meaning, never a default score."""

import pytest

from bayespersuade.llm.parsing import (
    TagMatch,
    count_words,
    extract_tag,
    parse_receiver,
    parse_score,
    parse_sender,
)


@pytest.mark.parametrize(("text", "score"), [
    ("5", 5), (" 7 ", 7), ("5/7", 5), ("5 / 7", 5), ("5 out of 7", 5), ("Score: 6", 6),
    ("score=2", 2), ("**3**", 3), ("2 - oppose", 2), ("4 (neither oppose nor support)", 4),
    ("1 = strongly oppose", 1), ("6.", 6),
])
def test_scores_accepted(text, score):
    assert parse_score(text) == score


@pytest.mark.parametrize("text", [
    "4.5", "4-5", "4 or 5", "8", "0", "five", "", "between 3 and 4", "57", "-3", "5/10",
])
def test_scores_rejected(text):
    assert parse_score(text) is None


def test_receiver_full_answer():
    r = parse_receiver("<thinking>hm</thinking>\n<score>6</score>\n<opinion>Likely.</opinion>"
                       "<question>How so?</question>")
    assert (r.score, r.opinion, r.question, r.thinking, r.status, r.problems) == (
        6, "Likely.", "How so?", "hm", "ok", ())


def test_receiver_case_and_spaces_in_tags():
    r = parse_receiver("< SCORE >3</ score ><Opinion>ok</OPINION>")
    assert r.score == 3
    assert r.opinion == "ok"


def test_receiver_unclosed_tag_runs_to_next_tag():
    r = parse_receiver("<score>4\n<opinion>Fine.\n<question>Why?")
    assert (r.score, r.opinion, r.question) == (4, "Fine.", "Why?")


def test_receiver_without_tags_is_unparsable_not_defaulted():
    r = parse_receiver("My score would be 5.")
    assert r.score is None
    assert r.status == "unparsable"
    assert "no <score> tag" in r.problems


def test_receiver_disagreeing_scores_are_unparsable():
    r = parse_receiver("<score>3</score> ... <score>5</score>")
    assert r.score is None
    assert any("disagree" in p for p in r.problems)


def test_receiver_repeated_equal_scores_are_fine():
    assert parse_receiver("<score>3</score><score> 3 </score>").score == 3


def test_receiver_bad_score_content_is_reported():
    r = parse_receiver("<score>4.5</score>")
    assert r.score is None
    assert "'4.5'" in r.problems[0]


def test_think_block_is_ignored():
    r = parse_receiver("<think>maybe <score>1</score>?</think><score>6</score>")
    assert r.score == 6


def test_empty_tag_is_missing():
    assert extract_tag("<score></score>", "score") == [TagMatch("", True)]
    assert parse_receiver("<score></score>").status == "unparsable"


def test_sender_argument_and_word_limit():
    s = parse_sender("<opinion>o</opinion><thinking>t</thinking><argument>one two three"
                     "</argument>", word_limit=2)
    assert s.argument == "one two three"
    assert s.words == 3
    assert s.over_word_limit
    assert s.status == "ok"  # flagged, not cut
    assert any("over the limit" in p for p in s.problems)


def test_sender_cut_off_argument_is_kept_and_flagged():
    s = parse_sender("<argument>Because the data")
    assert s.argument == "Because the data"
    assert not s.closed
    assert s.status == "ok"


def test_sender_without_argument_is_unparsable():
    s = parse_sender("<opinion>x</opinion>Just talk.")
    assert s.argument is None
    assert s.status == "unparsable"


def test_count_words():
    assert count_words("a  b\tc\nd") == 4
    assert count_words("") == 0
