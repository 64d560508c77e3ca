"""Assistants' signatures in a file's own text: "Author: Claude Code", footers, ``__author__``.

Where a signature is looked for — text only, the file is never parsed:

* the module docstring, whole (any length), and every comment before the
  first statement (the header, without its 30-line limit);
* every other comment that stands alone on its line, anywhere in the file:
  a comment after code describes that code (``summary = ...  # AI-generated
  summary``) and never tags;
* module metadata at the start of a line: ``__author__``, ``__credits__`` and
  ``__maintainer__`` (the names in their string literals).

No other string literal is read: prompts, fixtures, UI text and function
docstrings never tag.

What counts, on one line of a docstring or one comment (case-insensitive):

* an authorship field naming an assistant anywhere in its list of names,
  with a role, model or note after it: ``Author: Claude Code (backend)``,
  ``Created by: Jane Doe / Claude Code``, ``Co-Authored-By: Claude
  <noreply@anthropic.com>``, ``Credits:`` followed by ``- ChatGPT (OpenAI
  Assistant)`` on the next line, ``@author Claude``, ``作者：Claude``,
  ``Autor: GitHub Copilot``, ``Автор: ChatGPT``;
* a statement that starts a line or a sentence: ``Generated with Claude
  Code``, ``🤖 Generated with [Claude Code](…)``, ``Written by ChatGPT``,
  ``This module was written by an AI assistant``, ``With help from
  Gemini``, ``Generado por ChatGPT``, ``由 Claude 生成``;
* the label ``AI-generated`` alone or followed by punctuation (``#
  AI-generated: review before use``), not as an adjective (``AI-generated
  code tracking``);
* a copyright shared with an assistant: ``Copyright (c) 2025 Jane Doe and
  ChatGPT``.

A tool, team or person named after a model is not an assistant (see
:mod:`.assistants`), and a sentence that speaks *about* assistants
("Track which lines were written by AI") is not a signature.

Cost: the header is scanned once and a block of it is matched only when it
names an assistant (:meth:`~vibrails.tagging.assistants.Assistants.has_stem`,
plain substring searches). Beyond the header, the file's ``#…`` runs are
joined and searched once the same way; only a file where one names an
assistant is lexed, up to the last such comment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

from vibrails.tagging.assistants import BOT_EMAIL, Assistants
from vibrails.tagging.markers import STRING, Header, normalise_newlines, own_line_comments

#: Longest matched text kept (a line may be long).
MAX_TEXT = 80
#: Lines after an empty field (``Credits:``) read as its list of names.
_LIST_LINES = 12

_FIELDS = (
    r"authors?|author\s*\(s\)|authored[\s-]by|co-?authors?|co-?authored[\s-]by|"
    r"created[\s-]by|written[\s-]by|generated[\s-](?:by|with|using)|developed[\s-]by|"
    r"coded[\s-]by|programmed[\s-]by|implemented[\s-]by|produced[\s-]by|made[\s-]by|"
    r"assisted[\s-]by|ai[\s-](?:generated|assisted|authored)(?:[\s-](?:by|with))?|"
    r"credits?|contributors?|maintainers?|"
    r"autor(?:es|en|a)?|auteurs?|autore|autori|auteur\(s\)|verfasser|"
    r"generado\s+por|creado\s+por|escrito\s+por|erstellt\s+von|geschrieben\s+von|"
    r"généré\s+par|créé\s+par|écrit\s+par|gerado\s+por|criado\s+por|generato\s+da|"
    r"scritto\s+da|creato\s+da|"
    r"автор(?:ы)?|создано|сгенерировано|написано|"
    r"作者|著者|作成者|生成者|开发者|開発者"
)
_VERBS = (
    r"(?:auto-?|co-?)?(?:generated|written|authored|created|coded|made|programmed|implemented|"
    r"drafted|refactored)|built|developed|produced|assisted|vibe[\s-]?coded|"
    r"pair[\s-]programmed|generado|creado|escrito|erstellt|geschrieben|généré|créé|écrit|"
    r"gerado|criado|generato|scritto|creato|сгенерирован[оа]?|создан[оа]?|написан[оа]?"
)
#: Verbs only a machine is the subject of.
_MACHINE = r"(?:(?:auto-?)?generated|vibe[\s-]?coded|generado|généré|generiert|gerado|generato)"
#: "with Claude": the assistant as a tool, never a person.
_PREP_TOOL = (
    r"(?:with|using|via|through|in\s+collaboration\s+with|together\s+with|"
    r"with\s+(?:the\s+)?(?:help|assistance|support)\s+(?:of|from)|mit|con|"
    r"при\s+помощи|с\s+помощью)"
)
#: Verbs that say the assistant wrote the code (not just that the app uses AI).
_WROTE = (
    r"(?:auto-?|co-?)?(?:generated|written|authored|created|coded|made|programmed|implemented)"
)
_ADVERB = (
    r"(?:(?:entirely|mostly|fully|completely|largely|partly|partially|primarily|initially|"
    r"originally|automatically|almost\s+entirely|100%|mainly|heavily)\s+)?"
)
#: "by Claude": the assistant as the author.
_PREP_AUTHOR = r"(?:by|por|von|par|da)"
_PREP = rf"(?:{_PREP_AUTHOR}|{_PREP_TOOL})"
#: "This module was", "The following code has been".
_THIS = (
    r"(?:this|the|these|all|whole)\s+(?:(?:following|entire|whole|initial|original)\s+)?"
    r"(?:file|module|code|script|package|project|library|tool|app|application|class|"
    r"function|implementation|program|source|tests?|test\s+suite|cli|api|server|plugin|"
    r"extension|repo|repository|codebase|utility|helpers?)s?\s+"
    r"(?:is|was|were|are|has\s+been|have\s+been)\s+"
)
#: "Code written by", "file generated with" at a line's start.
_BARE = r"(?:code|file|module|script|source)\s+(?:(?:is|was|has\s+been)\s+)?"
#: A sentence's start inside a line.
_SENTENCE = r"(?:(?<=[.!?;:)\]>]\s)|(?<=[—–|]\s)|(?<=[.!?;:]\s\s))"
_SPLIT = re.compile(
    r"\s*(?:[,;/&+|\[\]]|\band\b|\bwith\b|\bw/|\bassisted\s+by\b|\busing\b|\bvia\b|"
    r"\bhelped\s+by\b|\bfeat\.?|\by\b|\bund\b|\bet\b|\be\b|\bи\b|、|和|与|，)\s*",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^[\s\-*•+>·]*")
_EMAIL = re.compile(r"<([^<>\s]+@[^<>\s]+)>")
_METADATA = re.compile(
    r"^__(?:author|credits|maintainer)__[ \t]*(?::[^=\n]*)?=[ \t]*", re.MULTILINE
)
_DOC_PREFIX = re.compile(r"^[rRuUbBfF]{0,2}")
_LEADING = re.compile(r"^[^\w@©(]+")
_TRAILING = re.compile(r"[\s|#*=\"'`~-]+$")


@dataclass(frozen=True)
class Signature:
    """Where a file says an assistant wrote it."""

    line: int
    #: The signature as written (one line, at most :data:`MAX_TEXT` characters).
    text: str


class _Patterns:
    """The regular expressions of one list of assistants.

    Each is compiled on first use: the statement and sentence patterns hold
    the names several times over and take some 10 ms each to compile, which
    a file whose first signature is a field, or a run where no file names an
    assistant, never pays.
    """

    _FLAGS = re.IGNORECASE | re.MULTILINE

    def __init__(self, names: Assistants) -> None:
        self.names = names

    @cached_property
    def field(self) -> re.Pattern[str]:
        return re.compile(
            rf"^[^\w\n]*(?:@author\s+|(?:{_FIELDS})\s*[:：]\s*)(?P<value>[^\n]*)$", self._FLAGS
        )

    @cached_property
    def _body(self) -> str:
        name, strict = self.names.name, self.names.strict_name
        # "Generated by Claude", "written with Claude": a bare first name is an
        # assistant's after a machine's verb or "with"; after "written by" it
        # needs a qualifier ("Written by Claude Shannon", "by Devin").
        return (
            rf"(?:{_THIS}|{_BARE})?(?:{_VERBS})\s+{_ADVERB}{_PREP_TOOL}\s*[:\-–]?\s*\[?{name}"
            rf"|(?:{_THIS}|{_BARE})?{_MACHINE}\s+{_ADVERB}{_PREP}\s*[:\-–]?\s*\[?{name}"
            rf"|(?:{_THIS}|{_BARE})?(?:{_VERBS})\s+{_ADVERB}{_PREP_AUTHOR}\s*[:\-–]?\s*\[?{strict}"
            rf"|with\s+(?:the\s+)?(?:help|assistance)\s+(?:of|from)\s+{name}"
            rf"|由\s*{name}\s*(?:生成|编写|編寫|创建|撰写)"
            rf"|{name}\s*(?:により|によって|で)(?:生成|作成)"
        )

    @cached_property
    def statement(self) -> re.Pattern[str]:
        """A statement that starts the line ("AI" and "LLM" count here only)."""
        any_strict = self.names.any_strict_name
        generic = (
            rf"|(?:{_THIS}|{_BARE})?{_WROTE}\s+{_ADVERB}(?:by|with|using)\s*[:\-–]?\s*\[?{any_strict}"
            rf"|{_THIS}{_ADVERB}(?:AI|LLM)[\s-](?:generated|written|authored)(?![\w-])"
        )
        return re.compile(rf"^[^\w\n@]*(?P<sig>{self._body}{generic})", self._FLAGS)

    @cached_property
    def sentence(self) -> re.Pattern[str]:
        """A statement that starts a sentence inside the line (named assistants only)."""
        return re.compile(rf"{_SENTENCE}(?P<sig>{self._body})", self._FLAGS)

    @cached_property
    def clause(self) -> re.Pattern[str]:
        """A closing clause: "Derpy - A simple container tool, made with AI"."""
        any_strict = self.names.any_strict_name
        return re.compile(
            rf",\s*(?P<sig>(?:{_WROTE}|built)\s+(?:with|by|using)\s+{any_strict})\s*[.!]?\s*$",
            self._FLAGS,
        )

    @cached_property
    def label(self) -> re.Pattern[str]:
        return re.compile(
            r"^[^\w\n@]*(?:(?:source|origin|provenance|status|note|notice|disclaimer)\s*:\s*)?"
            r"(?P<sig>AI[\s-](?:generated|written|assisted|authored)"
            r"(?:\s+(?:code|file|module|script))?)\s*(?:$|[:.(—–]|-\s|by\b|with\b|using\b)",
            self._FLAGS,
        )

    @cached_property
    def copyright(self) -> re.Pattern[str]:
        strict = self.names.strict_name
        return re.compile(
            rf"^[^\w\n]*(?P<sig>(?:copyright|\(c\)|©)[^\n]*?(?:,|&|\band\b|/|\+|\bwith\b)\s*{strict})",
            self._FLAGS,
        )

    @cached_property
    def item(self) -> re.Pattern[str]:
        return re.compile(rf"^(?:{self.names.any_strict_name})", re.IGNORECASE)

    def is_item(self, item: str) -> bool:
        """``item`` (one entry of a list of names) is an assistant."""
        item = _BULLET.sub("", item).strip().strip("\"'`*_")
        email = _EMAIL.search(item)
        if email is not None and BOT_EMAIL.search(email.group(1)):
            return True
        found = self.item.match(item)
        if found is None:
            return False
        # An assistant's name with a person's address is a person's name.
        return email is None

    def in_line(
        self, text: str, following: Sequence[str], at_start: bool = True
    ) -> tuple[int, str] | None:
        """``(offset, text)`` of the signature on ``text`` (one line), or ``None``.

        ``following`` are the next lines of the same block, read as the list
        of names of an empty field (``Credits:``); the offset is that of the
        list's line that names the assistant (0: this line). ``at_start``:
        the line starts a sentence, so a statement or label may start it.
        """
        field = self.field.match(text)
        if field is not None:
            value = field.group("value").strip()
            if value:
                found = self.statement.match(value) or self.sentence.search(value)
                if found is not None:
                    return 0, found.group("sig")  # "Author: Generated with Claude Code"
                if any(self.is_item(item) for item in _items(value)):
                    return 0, text
            else:
                for offset, line in enumerate(following[:_LIST_LINES], 1):
                    if not line.strip(" \t#\"'*|-"):
                        break
                    if any(self.is_item(item) for item in _items(line)):
                        return offset, f"{text.strip()} {line.strip()}"
        names = ("statement", "label") if at_start else ()
        for name in (*names, "sentence", "copyright", "clause"):
            found = getattr(self, name).search(text)
            if found is not None:
                return 0, found.group("sig")
        return None


def _items(value: str) -> list[str]:
    """The names of a list ("Jane Doe / Claude Code", "Jane (with Claude Code)"):
    each entry whole, and what its parentheses hold."""
    items = [item for item in _SPLIT.split(value) if item]
    for inside in _PARENTHESES.findall(value):
        items.extend(item for item in _SPLIT.split(inside) if item)
    return items


_PARENTHESES = re.compile(r"\(([^()]*)\)")


def _continues(previous: str, line: str) -> bool:
    """``line`` goes on the sentence of ``previous``: ``previous`` has words
    and neither ends a sentence nor is a field (``Version: 1.0``), and
    ``line`` is neither a field nor a list item."""
    stripped = previous.strip(" \t#\"'*|=~`-")
    if not stripped or stripped[-1] in ".!?:;)]>。！？":
        return False
    if _FIELD_LIKE.match(stripped) is not None:
        return False
    current = line.strip(" \t#\"'|=~`")
    if not current or current[0] in "-*•+>·" or current[0].isdigit():
        return False
    return _FIELD_LIKE.match(current) is None


_FIELD_LIKE = re.compile(r"^[^\W\d][\w ()./-]{0,30}[:：]\s")


@lru_cache(maxsize=16)
def _patterns(names: Assistants) -> _Patterns:
    return _Patterns(names)


def clean_text(text: str) -> str:
    """``text`` on one line, without leading punctuation (a docstring's
    quotes, ``#``) or an unmatched ``[``, cut to :data:`MAX_TEXT` characters."""
    text = " ".join(text.split())
    text = _LEADING.sub("", text) or text
    text = _TRAILING.sub("", text) or text
    if "]" not in text:
        text = text.replace("[", "")
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "\u2026"
    return text


def _scan_block(
    patterns: _Patterns, lines: Sequence[tuple[int, str]]
) -> Signature | None:
    """The first signature in a block of lines (a docstring, a run of
    comments). A line that goes on the previous line's sentence is read with
    it, so that a statement wrapped over two lines is still one."""
    texts = [text for _, text in lines]
    if not patterns.names.has_stem("\n".join(texts)):
        return None  # no assistant named, no "AI" as an author: no signature
    for index, (number, text) in enumerate(lines):
        # A line that goes on the previous line's sentence does not start a
        # statement ("designed to be / written by AI agents").
        continues = index > 0 and _continues(texts[index - 1], text)
        found = patterns.in_line(text, texts[index + 1 :], at_start=not continues)
        if found is None and not continues:
            # A statement wrapped over lines: "Generated / by ChatGPT".
            joined, end = text, index + 1
            while end < len(texts) and _continues(texts[end - 1], texts[end]):
                joined += " " + texts[end].strip(" \t#")
                end += 1
            if end > index + 1:
                found = patterns.in_line(joined, ())
        if found is not None:
            offset, matched = found
            return Signature(number + offset, clean_text(matched))
    return None


def _blocks(comments: Sequence[tuple[int, str]]) -> Iterator[list[tuple[int, str]]]:
    """Runs of comments on consecutive lines."""
    block: list[tuple[int, str]] = []
    for number, text in comments:
        if block and number != block[-1][0] + 1:
            yield block
            block = []
        block.append((number, text))
    if block:
        yield block


def _docstring_lines(header: Header) -> list[tuple[int, str]]:
    source = _DOC_PREFIX.sub("", header.docstring)
    return [
        (header.docstring_line + offset, line)
        for offset, line in enumerate(source.split("\n"))
    ]


def find_signature(text: str, header: Header, names: Assistants) -> Signature | None:
    """The first signature of an assistant in ``text``, or ``None``.

    ``header`` is :func:`~vibrails.tagging.markers.scan_header` of the whole
    text (no line limit). The header is read first, then module metadata,
    then every other comment.
    """
    patterns = _patterns(names)
    if header.docstring:
        found = _scan_block(patterns, _docstring_lines(header))
        if found is not None:
            return found
    for block in _blocks(header.comments):
        found = _scan_block(patterns, block)
        if found is not None:
            return found
    text = normalise_newlines(text)
    found = _metadata(patterns, text)
    if found is not None:
        return found
    last = _last_comment_with_stem(text, names)
    if last < 0:
        return None
    comments = [(line, token.group()[1:].strip())
                for line, token in own_line_comments(text, last)]
    for block in _blocks(comments):
        found = _scan_block(patterns, block)
        if found is not None:
            return found
    return None


_HASH_RUN = re.compile(r"#[^\n]*")


def _last_comment_with_stem(text: str, names: Assistants) -> int:
    """Start of the last ``#…`` run that names an assistant, or -1 (cheap: the
    runs are joined and looked at once; one by one only when that finds one)."""
    runs = _HASH_RUN.findall(text)
    if not runs or not names.has_stem("\n".join(runs)):
        return -1
    last = -1
    for run in _HASH_RUN.finditer(text):
        if names.has_stem(run.group()):
            last = run.start()
    return last


def _metadata(patterns: _Patterns, text: str) -> Signature | None:
    """``__author__ = "…"`` and the like, naming an assistant."""
    if "__author__" not in text and "__credits__" not in text and "__maintainer__" not in text:
        return None
    for assignment in _METADATA.finditer(text):
        variable = assignment.group(0).split("=")[0].split(":")[0].strip()
        depth = 0
        for kind, value, pos in _literals(text, assignment.end()):
            if kind == "open":
                depth += 1
            elif kind == "close":
                depth -= 1
                if depth <= 0:
                    break
            elif kind == "end":
                if depth <= 0:
                    break
            elif any(patterns.is_item(name) for name in _items(value)):
                line = text.count("\n", 0, pos) + 1
                return Signature(line, clean_text(f"{variable}: {value}"))
    return None


_TOKEN = re.compile(r"""(?P<string>[rRuUbB]{0,2}(?=['"]))|(?P<open>[\[({])|(?P<close>[\])}])|(?P<end>\n)|[^'"\[\](){}\n]+""")


def _literals(text: str, pos: int) -> Iterator[tuple[str, str, int]]:
    """From ``pos``: ``("string", value, offset)``, brackets and line ends,
    until the expression ends (at most 200 tokens)."""
    for _ in range(200):
        token = _TOKEN.match(text, pos)
        if token is None:
            return
        kind = token.lastgroup or "other"
        if kind == "string":
            string = STRING.match(text, token.end())
            if string is None:
                return
            body = string.group()
            quote = 3 if body[:3] in ('"""', "'''") else 1
            value = body[quote:-quote] if len(body) >= 2 * quote else body[quote:]
            yield "string", value, token.start()
            pos = string.end()
            continue
        if kind in ("open", "close", "end"):
            yield kind, "", token.start()
        pos = token.end()
        if pos >= len(text):
            return
