"""The 2030 Agenda's 169 SDG targets (fundmgr/data/sdg_targets.csv), which a proposal's target codes must name."""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "sdg_targets.csv"
CODE = re.compile(r"^\d{1,2}\.(\d{1,2}|[a-d])$")


@cache
def sdg_targets() -> dict[str, str]:
    """Every target code ("10.7", "10.c") with the title of its goal, in the Agenda's order."""
    with DATA.open(encoding="utf-8", newline="") as file:
        return {row["code"]: row["goal_title"] for row in csv.DictReader(file)}


def parse_targets(text: str) -> tuple[list[str], list[str]]:
    """The codes in a comma- or space-separated text, in order without repeats, and the entries that are no target."""
    codes: list[str] = []
    unknown: list[str] = []
    for entry in re.split(r"[\s,;]+", text.strip()):
        if not entry:
            continue
        code = entry.lower()
        if not CODE.match(code) or code not in sdg_targets():
            unknown.append(entry[:20])
        elif code not in codes:
            codes.append(code)
    return codes, unknown
