"""The budget grid's live totals read typed numbers as the server does (static/js/numbers.js).

Every text of the per-language tables of tests/test_numbers.py, and a few more, is read by the script
in Chromium and by fundmgr.numbers: both accept it as the same number, or both refuse it.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

import fundmgr
from fundmgr.numbers import Kind, NumberRefused, number_symbols, parse_number
from tests.test_numbers import ENGLISH, FRENCH, SPANISH

MORE = ["1,000.", "0,001", "012,345", "1 000 000,5", "1\u2009000", "1\u2007000", "1’000", "1\t000", "1,000'000",
        "1'000 000", "00,5", "1..5", "1,,5", ",", ".", "'", " ", "1 ,5", "1, 5"]  # fmt: skip
READ = """([rows, symbols]) => rows.map(([text, rules]) => {
  const value = window.fundmgrNumbers.scaled(text, symbols, rules);
  return value === null ? null : value.toString();
})"""


def server_reading(text: str, kind: Kind, language: str) -> str | None:
    """The number as typed times 10^decimals (cents, ten-thousandths of a percent), None when refused."""
    try:
        value = parse_number(text, kind, language)
    except NumberRefused:
        return None
    return None if value is None else str(int(value * kind.per * 10**kind.decimals))


def test_the_script_reads_every_text_as_the_server_does(page: Page):
    page.add_script_tag(path=str(Path(fundmgr.__file__).parent / "static" / "js" / "numbers.js"))
    for language, table in (("en", ENGLISH), ("fr", FRENCH), ("es", SPANISH)):
        rows = [(kind, text) for kind, text, _answer in table if text.strip()]
        rows += [(kind, text) for kind in dict.fromkeys(kind for kind, _text in rows) for text in MORE]
        decimal, group = number_symbols(language)
        script = page.evaluate(
            READ, [[(text, kind.limits()) for kind, text in rows], {"decimal": decimal, "group": group}]
        )
        server = [server_reading(text, kind, language) for kind, text in rows]
        differences = [(text, s, j) for (_kind, text), s, j in zip(rows, server, script, strict=True) if s != j]
        assert differences == [], language
