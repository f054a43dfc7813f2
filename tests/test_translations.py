"""English, French and Spanish ship: every string of the code is in the catalogs, translated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import render_template_string
from flask_babel import force_locale

from fundmgr.i18n import LANGUAGES
from tests.support import REPO

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
KEYWORDS = DEFAULT_KEYWORDS | {"_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}

TRANSLATED = LANGUAGES[1:]  # every language but English, the catalogs' source


def catalog(language: str):
    with (REPO / "fundmgr" / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def source_strings() -> set[str]:
    """Every translatable string in the code and templates (what `make messages` extracts)."""
    with (REPO / "babel.cfg").open() as config:
        methods, options = parse_mapping_cfg(config)
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(REPO), method_map=methods, options_map=options, keywords=KEYWORDS, directory_filter=not_hidden
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return {m for m in found if m}


def not_hidden(path: str) -> bool:
    """Folders are searched unless hidden (as `make messages` does): Babel's default also skips "_" ones."""
    return not Path(path).name.startswith(".")


@pytest.fixture(scope="module")
def extracted() -> set[str]:
    return source_strings()


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_of_the_code_is_in_the_catalog(extracted, language):
    """Would a user of this language meet an English string the catalog does not know?"""
    known = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog(language) if m.id}
    assert sorted(extracted - known) == [], "run `make messages` and translate the new strings"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_is_translated_with_its_placeholders(language):
    problems = []
    for message in catalog(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            if set(PLACEHOLDER.findall(text)) != expected:
                problems.append(f"placeholders differ: {ids[0]!r} -> {text!r}")
    assert problems == []


# The fund's own words (docs: /work/shared/domain.md, "Terminology"): what an English string names, each translation
# names with the fund's official term, whatever it says around it.
OFFICIAL_TERMS = {
    "es": {"Steering Committee": "comité rector", "Participating UN Organization": "participante"},
    "fr": {"Steering Committee": "comité de pilotage", "Participating UN Organization": "participante"},
}


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_committee_and_the_organizations_are_named_as_the_fund_names_them(language):
    """Is the Steering Committee the "Comité Rector" in Spanish and the "Comité de pilotage" in French everywhere, and
    a Participating UN Organization an "organización participante" / "organisation participante"?"""
    problems = []
    for message in catalog(language):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for term, official in OFFICIAL_TERMS[language].items():
            if any(term.lower() in i.lower() for i in ids if i):
                problems += [f"{ids[0]!r} -> {s!r}" for s in strings if official not in " ".join(s.lower().split())]
    assert problems == []


# WTForms' own message for an empty required field, in each language (its catalogs ship with WTForms).
REQUIRED = {"en": "This field is required.", "fr": "Ce champ est requis.", "es": "Este campo es obligatorio."}


def test_the_forms_own_messages_follow_each_requests_language(client):
    """WTForms' catalogs are read once per process: does each request still get its messages in its own language,
    one language after the other?"""
    assert set(REQUIRED) == set(LANGUAGES)
    for language in (*LANGUAGES, *reversed(LANGUAGES)):
        page = client.post("/account/login", data={"email": "", "password": ""},
                           headers={"Accept-Language": language}).get_data(as_text=True)  # fmt: skip
        assert REQUIRED[language] in page, language


SKIP_TO_CONTENT = {"en": "Skip to content", "fr": "Aller au contenu", "es": "Ir al contenido"}


def test_pages_and_forced_languages_follow_each_requests_language(app, client):
    """The translations are kept per request and locale: does each page come in its own request's language, one after
    the other, and does a text rendered in a forced language (an e-mail to someone else) come in that one?"""
    for language in (*LANGUAGES, *reversed(LANGUAGES)):
        page = client.get("/account/login", headers={"Accept-Language": language}).get_data(as_text=True)
        assert SKIP_TO_CONTENT[language] in page, language
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert render_template_string("{{ _('Skip to content') }}") == SKIP_TO_CONTENT["fr"]
        with force_locale("es"):
            assert render_template_string("{{ _('Skip to content') }}") == SKIP_TO_CONTENT["es"]
        assert render_template_string("{{ _('Skip to content') }}") == SKIP_TO_CONTENT["fr"]
