"""The kinds of job: each domain package registers the documents it builds, next to the view that asks for them.

A kind says how to build its file from the job's parameters (`build`, reporting progress as it goes) and who may
see a job of it once it exists (`may_see`: the asker must still have the right the asking view checked, so a
person who lost it cannot download what they asked for before).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from fundmgr.jobs.models import Job

# The steps a job goes through, by the key kept in jobs.step; shown in the reader's language.
STEPS = {
    "": _l("Waiting to start"),
    "collect": _l("Collecting the data"),
    "render": _l("Laying out the document"),
    "files": _l("Adding the files"),
    "compress": _l("Compressing the file"),
    "store": _l("Keeping the file"),
    "done": _l("Ready"),
    "failed": _l("Failed"),
}


@dataclass(frozen=True)
class Output:
    """What a job made: the bytes and how they are offered."""

    data: bytes
    filename: str
    content_type: str


Progress = Callable[[int, str], None]  # progress(percent, step key)


@dataclass(frozen=True)
class Kind:
    name: str
    title: Any  # a lazily translated title ("Annual results report (PDF)")
    build: Callable[[Job, Progress], Output]
    may_see: Callable[[Any, Job], bool]  # (user, job): whether the user may still have the file
    # Only the newest file of a scope (its fund, or every fund) is worth keeping: a newer one replaces it (the IATI
    # file, which crawlers fetch); the others are kept for the retention period (fundmgr.jobs.retention).
    newest_only: bool = False


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Make a kind known to the runner (and the worker, which builds the same app)."""
    KINDS[kind.name] = kind
    return kind


def kind_of(job: Job) -> Kind:
    return KINDS[job.kind]
