"""A pseudo-locale, where every message of the catalogs is wrapped in markers, and the check for text without them.

Text reaches people only through the catalogs. To prove it, the tests render pages in a pseudo-locale whose
catalog translates every msgid into itself between markers ("Save" -> "⟦Save⟧", placeholders and plural forms
kept). Whatever a person can read there is then marked, or data, or a string that never went through gettext:
a miss the catalog test (tests/test_translations.py) cannot see, since it knows only the extracted strings.

- `write_pseudo_translations(folder)` builds the catalogs at test time (nothing generated is committed) from
  the msgids of the French catalog (which the catalog test keeps complete) and from WTForms' own messages (the
  field errors Flask-WTF translates in its "wtforms" domain). The pseudo-locale is `PSEUDO_LOCALE`, Esperanto:
  a locale CLDR knows, so Babel formats its dates and numbers, and whose month and day names are not English,
  so an English "May" written by a template still shows. `pseudo_locale_config(folder)` is the configuration
  an app of the tests needs to offer it (production never does).
- `untranslated_text(html, known)` lists the readable text of a page that is neither marked nor data: text
  nodes, and the attributes people read (title, alt, aria-label, placeholder, label, the value of buttons, the
  data-*-text messages scripts show). It skips scripts and styles, elements declaring another language with
  `lang` (the language menu's endonyms), and elements marked `translate="no"` (codes shown as codes: the audit
  log's actions and changes). `untranslated_plain_text(text, known)` does the same for plain text (e-mails,
  a PDF's text from pdftotext, a spreadsheet's cells).

What counts as data (`KnownData`), compared word by word, case-folded (a stylesheet may capitalise) and without
hyphens (pdftotext joins a word hyphenated at a line's end):
- words without letters (numbers, amounts, percentages, numeric dates), with a digit or an inner dot (codes
  such as TA1 or MIG-SC-2026-01, file and domain names), links and e-mail addresses, ISO currency codes, the
  product's name and names the same in every language (CSV, Excel, PDF, ISO);
- what Babel writes in the pseudo-locale: its dates (month and day names, the words of the long formats),
  file sizes, and the names CLDR gives to territories, languages and currencies;
- texts stored in the database (`stored_texts()`): what people typed, and reference data. The fund's
  reference data carries {en, fr, es} texts shown with `|l10n` (or `localize` in Python: form choices,
  charts), which falls back to English in the pseudo-locale. Rather than mark one of those paths, every text
  of the database is known data, matched as a whole phrase (or, before an ellipsis, the beginning of one: a
  name the page shortens). Enum columns and code-like values (lower-case identifiers such as "on_track") are
  not data: a state shown as "draft" instead of its translated label is a miss. The cost: a template string
  that is exactly a stored text (a hard-coded "Protection" where an area is called that) would pass; rare,
  and the French and Spanish pages would show it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import list_currencies
from wtforms.i18n import messages_path

from fundmgr.db import db
from fundmgr.i18n import LANGUAGES, format_file_size
from tests.support import REPO as ROOT

PSEUDO_LOCALE = "eo"
OPEN, CLOSE = "⟦", "⟧"
TRANSLATIONS = ROOT / "fundmgr" / "translations"
SOURCE_CATALOG = TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po"
PRODUCT_NAME = "fundmgr"


# --- The catalogs --------------------------------------------------------------------------------------------


def marked(text: str) -> str:
    return f"{OPEN}{text}{CLOSE}"


def pseudo_catalog(source: Catalog, domain: str = "messages") -> Catalog:
    """A catalog of the pseudo-locale translating every message of `source` into itself between markers."""
    catalog = Catalog(locale=PSEUDO_LOCALE, domain=domain)
    for message in source:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            forms = (message.id[0],) + (message.id[1],) * (catalog.num_plurals - 1)
            string: str | tuple[str, ...] = tuple(marked(form) for form in forms)
        else:
            string = marked(message.id)
        catalog.add(message.id, string, flags=message.flags - {"fuzzy"}, context=message.context)
    return catalog


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def write_pseudo_translations(folder: Path) -> Path:
    """Compile the pseudo-locale's catalogs (ours, and WTForms' messages) into folder/<locale>/LC_MESSAGES."""
    target = folder / PSEUDO_LOCALE / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    sources = {"messages": SOURCE_CATALOG, "wtforms": Path(messages_path()) / "wtforms.pot"}
    for domain, source in sources.items():
        with (target / f"{domain}.mo").open("wb") as handle:
            write_mo(handle, pseudo_catalog(read_catalog(source), domain))
    return folder


def pseudo_locale_config(folder: Path) -> dict[str, Any]:
    """Settings that let an app (of the tests) offer the pseudo-locale: its catalogs after ours."""
    return {
        "LANGUAGES": [*LANGUAGES, PSEUDO_LOCALE],
        "BABEL_TRANSLATION_DIRECTORIES": f"{TRANSLATIONS};{folder}",
    }


# --- What is data --------------------------------------------------------------------------------------------

# A word: letters and digits, with inner hyphens, apostrophes and dots ("Multi-Partner", "MIG-SC-2026-01").
WORD = re.compile(r"\w+(?:[-'’.]\w+)*")
LINK = re.compile(r"\bhttps?://[^\s\"'<>]*|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")  # addresses and e-mail addresses
HYPHENS = re.compile(r"[-‐\u00ad]")
CODE_LIKE = re.compile(r"[a-z][a-z0-9_]*")  # "draft", "on_track": a code, whose label should have been shown
ELLIPSIS = ("…", "...")
LANGUAGE_KEYS = set(LANGUAGES)
# Names that are the same in every language: this product, file formats, a standard.
UNIVERSAL_NAMES = {PRODUCT_NAME, "CSV", "Excel", "PDF", "ISO"}


def words_of(text: str) -> tuple[str, ...]:
    """The words of a text, case-folded (a stylesheet may write a stored name in capitals), without hyphens
    (pdftotext joins a word hyphenated at the end of a line: "child-sensitivity" becomes "childsensitivity")."""
    return tuple(HYPHENS.sub("", word.casefold()) for word in WORD.findall(text))


def significant_words(text: str) -> tuple[str, ...]:
    """The words of a text that are not data by themselves (links and addresses left out)."""
    return tuple(word for word in words_of(LINK.sub(" ", text)) if not is_data_word(word))


def is_data_word(word: str) -> bool:
    """A word without letters, with a digit or an inner dot (a code, a file or domain name), a currency code, a
    name the same in every language, or a word Babel writes in the pseudo-locale's dates and file sizes."""
    return not any(c.isalpha() for c in word) or any(c.isdigit() or c == "." for c in word) or word in data_words()


def normalized(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(repr=False)
class KnownData:
    """The stored texts and CLDR names that may appear on a page unmarked (see the module's docstring).

    Texts are compared by their significant words, so digits, codes and links inside them (which a PDF may
    break across lines) do not matter.
    """

    phrases: dict[str, list[tuple[str, ...]]]  # first word -> phrases (as words) starting with it, longest first
    texts: list[str]  # the stored texts, normalized and sorted: a shortened one is the beginning of one of them

    def phrase_at(self, words: tuple[str, ...], index: int) -> tuple[str, ...] | None:
        group = self.phrases.get(words[index], ())
        return next((p for p in group if words[index : index + len(p)] == p), None)

    def begins_a_text(self, text: str) -> bool:
        """Whether a text is the beginning of a stored one (its page cut it, with an ellipsis)."""
        text = normalized(text)
        index = bisect.bisect_left(self.texts, text)
        return index < len(self.texts) and self.texts[index].startswith(text)

    def including(self, texts: Iterable[str]) -> KnownData:
        """The same data, and more texts (what a test typed into a form)."""
        texts = list(texts)
        phrases = {first: list(group) for first, group in self.phrases.items()}
        for first, group in phrases_of(texts).items():
            phrases[first] = sorted({*phrases.get(first, ()), *group}, key=len, reverse=True)
        return KnownData(phrases, sorted({*self.texts, *map(normalized, texts)}))


def phrases_of(texts: Iterable[str]) -> dict[str, list[tuple[str, ...]]]:
    """Each line of the texts as its significant words, grouped by first word, longest first."""
    phrases: dict[str, set[tuple[str, ...]]] = {}
    for text in texts:
        for line in text.splitlines():
            words = significant_words(line)
            if words:
                phrases.setdefault(words[0], set()).add(words)
    return {first: sorted(group, key=len, reverse=True) for first, group in phrases.items()}


def known_data(texts: Iterable[str] = ()) -> KnownData:
    """Data for the check: the pseudo-locale's CLDR names, and the given texts (the database's)."""
    texts = list(texts)
    return KnownData(phrases_of([*cldr_names(), *texts]), sorted(map(normalized, texts)))


@cache
def cldr_names() -> tuple[str, ...]:
    """Names CLDR gives in the pseudo-locale: territories, languages, currencies."""
    locale = Locale.parse(PSEUDO_LOCALE)
    return (*locale.territories.values(), *locale.languages.values(), *locale.currencies.values())


@cache
def data_words() -> frozenset[str]:
    """Currency codes, names the same in every language, and every word Babel writes in the pseudo-locale's
    dates (month and day names, words of the long formats) and file sizes."""
    found = set(words_of(" ".join((*list_currencies(), *UNIVERSAL_NAMES))))
    first = datetime(2024, 1, 1, 9, 30, tzinfo=UTC)
    for day in range(0, 366, 3):  # every month, every weekday
        moment = first + timedelta(days=day)
        for style in ("short", "medium", "long", "full"):
            found.update(words_of(format_date(moment.date(), style, locale=PSEUDO_LOCALE)))
            found.update(words_of(format_datetime(moment, style, locale=PSEUDO_LOCALE)))
    for size in (0, 1, 2, 1500, 10**6, 10**9):
        found.update(words_of(format_file_size(size, PSEUDO_LOCALE)))
    return frozenset(found)


def stored_texts(session: Any) -> set[str]:
    """Every text of the database: string columns (not enums) and the strings inside JSON columns."""
    found: set[str] = set()
    for table in db.metadata.sorted_tables:
        textual = [c for c in table.columns if is_text_column(c)]
        if not textual:
            continue
        for row in session.execute(sa.select(*textual)):
            for column, value in zip(textual, row, strict=True):
                if isinstance(column.type, sa.JSON):
                    found.update(json_texts(value))
                elif isinstance(value, str) and not CODE_LIKE.fullmatch(value):
                    found.add(value)
    return found


def is_text_column(column: sa.Column) -> bool:
    kind = column.type
    return isinstance(kind, sa.JSON) or (isinstance(kind, sa.String) and not isinstance(kind, sa.Enum))


def json_texts(value: Any) -> Iterator[str]:
    """The strings of a JSON value; all of a {en, fr, es} text, only the non-code ones elsewhere."""
    if isinstance(value, dict):
        multilingual = "en" in value and set(value) <= LANGUAGE_KEYS
        for item in value.values():
            if multilingual and isinstance(item, str):
                yield item
            else:
                yield from json_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_texts(item)
    elif isinstance(value, str) and not CODE_LIKE.fullmatch(value):
        yield value


# --- The check -----------------------------------------------------------------------------------------------

# Elements whose text flows into their parent's (a translated sentence may hold a link or emphasis).
INLINE = frozenset({"a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "dfn", "em", "i", "kbd", "mark",
                    "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr"})  # fmt: skip
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                  "wbr"})  # fmt: skip
NOT_SHOWN = frozenset({"script", "style", "template"})
READ_ATTRIBUTES = frozenset({"title", "alt", "aria-label", "aria-description", "aria-roledescription",
                             "aria-valuetext", "placeholder", "label"})  # fmt: skip
BUTTON_TYPES = frozenset({"submit", "button", "reset"})


class VisibleText(HTMLParser):
    """A page's readable text as blocks: runs of text between block boundaries, and attribute values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # open elements, and whether their text is skipped
        self.page_language = ""

    @property
    def skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.page_language = a.get("lang", "")
        if tag not in INLINE:
            self.end_block()
        other_language = "lang" in a and tag != "html" and a["lang"] != self.page_language
        code = a.get("translate") == "no"  # declared not to be text of the page's language: codes, raw records
        skip = self.skipping or tag in NOT_SHOWN or other_language or code
        if not skip:
            self.blocks += [a[name] for name in READ_ATTRIBUTES & a.keys() if a[name].strip()]
            self.blocks += [value for name, value in a.items() if name.startswith("data-") and name.endswith("-text")]
            if tag == "input" and a.get("type", "").lower() in BUTTON_TYPES and a.get("value"):
                self.blocks.append(a["value"])
        if tag not in VOID:
            self.stack.append((tag, skip))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in INLINE:
            self.end_block()
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.current.append(data)

    def end_block(self) -> None:
        text = "\n".join(self.current)
        if text.strip():
            self.blocks.append(text)
        self.current = []

    def close(self) -> None:
        super().close()
        self.end_block()


def unmarked_parts(text: str) -> list[str]:
    """The parts of a text outside markers (nested markers count once; an unclosed one runs to the end)."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == OPEN:
            if depth == 0:
                parts.append(text[start:index])
            depth += 1
        elif char == CLOSE:
            if depth == 0:  # closes a marker opened before the text we see (cut text): all before was marked
                parts = []
            depth = max(depth - 1, 0)
            if depth == 0:
                start = index + 1
    if depth == 0:
        parts.append(text[start:])
    return [p for p in parts if p.strip()]


def unexplained(part: str, known: KnownData) -> bool:
    """Whether some words of an unmarked part are neither data nor allowed words."""
    stripped = part.strip()
    if stripped.endswith(ELLIPSIS) and known.begins_a_text(re.sub(r"^[\W\d_]+", "", stripped).rstrip("….").strip()):
        return False  # a stored text the page shortened (after its number, as in "1. Promoting fa…")
    words = significant_words(part)
    index = 0
    while index < len(words):
        phrase = known.phrase_at(words, index)
        if phrase is None:
            return True
        index += len(phrase)
    return False


def untranslated_in_blocks(blocks: Iterable[str], known: KnownData) -> list[str]:
    found: list[str] = []
    for block in blocks:
        for part in unmarked_parts(block):
            if unexplained(part, known):
                text = " ".join(part.split())
                if text not in found:
                    found.append(text)
    return found


def untranslated_text(html: str, known: KnownData | None = None) -> list[str]:
    """The readable texts of a page that did not pass through the catalogs (and are not data)."""
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return untranslated_in_blocks(parser.blocks, known or known_data())


def untranslated_plain_text(text: str, known: KnownData | None = None) -> list[str]:
    """The same check for plain text (an e-mail, a PDF's text, a spreadsheet's cell)."""
    return untranslated_in_blocks([text], known or known_data())
