"""Robust parsing of the players' tagged answers.

Models do not always follow a format.  The rules here are lenient about
*form* and strict about *meaning*:

* tags are matched case-insensitively, with spaces allowed inside the angle
  brackets (``< Score >``); a reasoning model's ``<think>...</think>`` block is
  removed first;
* an opening tag whose closing tag is missing (a reply cut off by the token
  limit) runs to the next known tag or to the end, and is flagged as unclosed;
* a score must be one whole number from 1 to 7, optionally written ``5/7``,
  ``5 out of 7``, ``Score: 5``, ``**5**`` or ``5 - somewhat support``; ``4.5``,
  ``4-5``, ``8`` or words are **unparsable**;
* several tags of the same kind that disagree make the answer unparsable.

An unparsable answer is recorded as such, with the reason, and counted in
every summary; it is never replaced by a default score (the authors'
prototype defaulted to 4; this library does not).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

__all__ = [
    "ParsedReceiver",
    "ParsedSender",
    "TagMatch",
    "count_words",
    "extract_tag",
    "parse_receiver",
    "parse_score",
    "parse_sender",
]

_KNOWN_TAGS = ("thinking", "score", "opinion", "question", "argument")
_THINK_BLOCK = re.compile(r"<\s*think\s*>.*?<\s*/\s*think\s*>", re.IGNORECASE | re.DOTALL)
_ANY_OPEN = re.compile(r"<\s*({})\s*>".format("|".join(_KNOWN_TAGS)), re.IGNORECASE)
_SCORE_RE = re.compile(
    r"(?:score\s*[:=]?\s*)?"
    r"([1-7])"
    r"(?:\s*(?:/\s*7|out\s+of\s+7))?"
    r"(?:\s*[-–—:=(]\s*[a-z][a-z ]*\)?)?"
    r"\s*\.?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class TagMatch:
    """The content of one tag in a reply.

    Attributes
    ----------
    content : str
        The text between the tags, stripped.
    closed : bool
        Whether the closing tag was present.
    """

    content: str
    closed: bool


def _strip_think(text: str) -> str:
    return _THINK_BLOCK.sub(" ", text)


@functools.lru_cache(maxsize=64)
def _tag_patterns(tag: str) -> tuple[re.Pattern, re.Pattern]:
    """The compiled opening and closing patterns of ``tag`` (compiled once per tag)."""
    return (re.compile(rf"<\s*{re.escape(tag)}\s*>", re.IGNORECASE),
            re.compile(rf"<\s*/\s*{re.escape(tag)}\s*>", re.IGNORECASE))


def extract_tag(text: str, tag: str) -> list[TagMatch]:
    """Every occurrence of ``<tag>...</tag>`` in a reply, in order.

    Parameters
    ----------
    text : str
        The reply.
    tag : str
        The tag name (case-insensitive).

    Returns
    -------
    list of TagMatch
        Empty if the tag does not occur.

    Examples
    --------
    >>> extract_tag("<Score> 5 </score><opinion>Fine", "score")
    [TagMatch(content='5', closed=True)]
    >>> extract_tag("<Score> 5 </score><opinion>Fine", "opinion")
    [TagMatch(content='Fine', closed=False)]
    """
    text = _strip_think(text)
    open_re, close_re = _tag_patterns(tag)
    out: list[TagMatch] = []
    pos = 0
    while True:
        m = open_re.search(text, pos)
        if m is None:
            return out
        start = m.end()
        c = close_re.search(text, start)
        nxt = _ANY_OPEN.search(text, start)
        if c is not None and (nxt is None or c.start() <= nxt.start()):
            out.append(TagMatch(text[start:c.start()].strip(), True))
            pos = c.end()
        else:
            end = nxt.start() if nxt is not None else len(text)
            out.append(TagMatch(text[start:end].strip(), False))
            pos = end


def parse_score(content: str) -> int | None:
    """The Likert score in a ``<score>`` tag's content, or ``None``.

    Examples
    --------
    >>> [parse_score(s) for s in ["5", "5/7", "Score: 6", "**3**", "2 - oppose"]]
    [5, 5, 6, 3, 2]
    >>> [parse_score(s) for s in ["4.5", "4-5", "8", "five", ""]]
    [None, None, None, None, None]
    """
    cleaned = content.replace("*", "").replace("_", "").strip()
    m = _SCORE_RE.fullmatch(cleaned)
    return int(m.group(1)) if m else None


def count_words(text: str) -> int:
    """Number of whitespace-separated words.

    Examples
    --------
    >>> count_words("  one two\\nthree ")
    3
    """
    return len(text.split())


def _single(text: str, tag: str, problems: list[str]) -> TagMatch | None:
    found = [t for t in extract_tag(text, tag) if t.content]
    if not found:
        problems.append(f"no <{tag}> tag")
        return None
    if len({t.content for t in found}) > 1:
        problems.append(f"{len(found)} different <{tag}> tags; the last was used")
    return found[-1]


@dataclass(frozen=True)
class ParsedReceiver:
    """A receiver's answer, parsed.

    Attributes
    ----------
    score : int or None
        The Likert score, or ``None`` when the answer is unparsable.
    opinion, question, thinking : str or None
    status : {"ok", "unparsable"}
        ``"unparsable"`` exactly when ``score`` is ``None``.
    problems : tuple of str
        Everything that did not follow the format (also for ``"ok"``
        answers, for example a missing question).
    """

    score: int | None
    opinion: str | None
    question: str | None
    thinking: str | None
    status: str
    problems: tuple[str, ...] = field(default=())

    def to_json(self) -> dict:
        """A JSON-serialisable record."""
        return {"score": self.score, "opinion": self.opinion, "question": self.question,
                "thinking": self.thinking, "status": self.status,
                "problems": list(self.problems)}


def parse_receiver(text: str) -> ParsedReceiver:
    """Parse a receiver's answer.

    Examples
    --------
    >>> r = parse_receiver("<score>6</score><opinion>Likely.</opinion><question>How?</question>")
    >>> r.score, r.status, r.problems
    (6, 'ok', ('no <thinking> tag',))
    >>> r = parse_receiver("I would say about 5.")
    >>> r.score, r.status
    (None, 'unparsable')
    """
    problems: list[str] = []
    scores = [t for t in extract_tag(text, "score") if t.content]
    score: int | None = None
    if not scores:
        problems.append("no <score> tag")
    else:
        values = [parse_score(t.content) for t in scores]
        bad = [t.content for t, v in zip(scores, values) if v is None]
        good = {v for v in values if v is not None}
        if bad:
            problems.append(f"<score> is not a whole number from 1 to 7: {bad[0][:40]!r}")
        elif len(good) > 1:
            problems.append(f"<score> tags disagree: {sorted(good)}")
        else:
            score = good.pop()
    opinion = _single(text, "opinion", problems)
    question = _single(text, "question", problems)
    thinking = _single(text, "thinking", problems)
    return ParsedReceiver(
        score=score,
        opinion=opinion.content if opinion else None,
        question=question.content if question else None,
        thinking=thinking.content if thinking else None,
        status="ok" if score is not None else "unparsable",
        problems=tuple(problems),
    )


@dataclass(frozen=True)
class ParsedSender:
    """A sender's reply, parsed.

    Attributes
    ----------
    argument : str or None
        The text inside ``<argument>`` (the only part the receiver sees), or
        ``None`` when there is none (the reply is then unparsable, and the
        receiver is shown nothing for it).
    opinion, thinking : str or None
    closed : bool
        Whether ``</argument>`` was present (false for a reply cut off by
        the token limit; the text up to the cut is used).
    words : int
        Words in the argument.
    over_word_limit : bool
        Whether the argument exceeds the word limit (it is not truncated).
    status : {"ok", "unparsable"}
    problems : tuple of str
    """

    argument: str | None
    opinion: str | None
    thinking: str | None
    closed: bool
    words: int
    over_word_limit: bool
    status: str
    problems: tuple[str, ...] = field(default=())

    def to_json(self) -> dict:
        """A JSON-serialisable record."""
        return {"argument": self.argument, "opinion": self.opinion, "thinking": self.thinking,
                "closed": self.closed, "words": self.words,
                "over_word_limit": self.over_word_limit, "status": self.status,
                "problems": list(self.problems)}


def parse_sender(text: str, word_limit: int = 250) -> ParsedSender:
    """Parse a sender's reply.

    Examples
    --------
    >>> s = parse_sender("<opinion>Unsure.</opinion><thinking>Cite data.</thinking>"
    ...                  "<argument>Data show it.</argument>")
    >>> s.argument, s.words, s.status
    ('Data show it.', 3, 'ok')
    >>> parse_sender("<argument>Cut off mid-sent").closed
    False
    >>> parse_sender("Just prose, no tags.").status
    'unparsable'
    """
    problems: list[str] = []
    arg = _single(text, "argument", problems)
    opinion = _single(text, "opinion", problems)
    thinking = _single(text, "thinking", problems)
    closed = bool(arg and arg.closed)
    if arg is not None and not arg.closed:
        problems.append("<argument> not closed (cut off?)")
    words = count_words(arg.content) if arg else 0
    over = words > word_limit
    if over:
        problems.append(f"argument has {words} words, over the limit of {word_limit}")
    return ParsedSender(
        argument=arg.content if arg else None,
        opinion=opinion.content if opinion else None,
        thinking=thinking.content if thinking else None,
        closed=closed, words=words, over_word_limit=over,
        status="ok" if arg is not None else "unparsable",
        problems=tuple(problems),
    )
