"""The demo scenario (data/demo.yaml): organizations, people, proposals and donors' payments from the 2019 work plan.

It sits in the core so that every package's demo module reads its own part of the scenario without
importing fundmgr.demo, which orchestrates the seeding and imports them (the one direction).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

DEMO_FILE = Path(__file__).parent / "data" / "demo.yaml"


@cache
def demo_data() -> dict[str, Any]:
    """The demo scenario file, parsed once."""
    return yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
