"""The registry of notification kinds: what each is called on the preferences page, who may get it, its default.

A kind's e-mail is the pair of templates `templates/emails/<code>.txt` and `.html` (the subject is the
`subject` block of the .txt one). A package that sends a kind registers it here, or calls
`register_kind` at import time for a kind of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from fundmgr.accounts.models import Role
from fundmgr.funds import rights
from fundmgr.notifications.models import Channel

AGENCY, FMU, SC = Role.agency, Role.fmu, Role.sc_member


@dataclass(frozen=True)
class Group:
    """A heading of the preferences page."""

    code: str
    label: object


PROPOSALS = Group("proposals", _l("Proposals"))
STEERING = Group("steering", _l("Steering Committee"))
MONEY = Group("money", _l("Allocations and transfers"))
RESULTS = Group("results", _l("Progress reports"))
GROUPS = (PROPOSALS, STEERING, MONEY, RESULTS)


@dataclass(frozen=True)
class Kind:
    """One kind of notification.

    `roles`: who may receive it (only those see it on their preferences page); `default`: the channel of
    a user who has not chosen one; `trigger`: the event that sends it, for the documentation.
    """

    code: str
    label: object
    description: object
    group: Group
    roles: frozenset[Role]
    default: Channel = Channel.email
    trigger: str = ""

    def applies_to(self, user: object) -> bool:
        """Whether the user holds, on some fund, a role this kind is for."""
        return bool(rights.roles_held(user) & self.roles)


KINDS: dict[str, Kind] = {}


def register_kind(
    code: str,
    label: object,
    description: object,
    *,
    group: Group,
    roles: tuple[Role, ...],
    default: Channel = Channel.email,
    trigger: str = "",
) -> Kind:
    """Add a kind to the registry (idempotent for the same code)."""
    if len(code) > 40:
        raise ValueError(f"notification kind code too long: {code!r}")
    kind = Kind(code, label, description, group, frozenset(roles), default, trigger)
    KINDS[code] = kind
    return kind


def get_kind(code: str) -> Kind:
    """The registered kind; a KeyError names an unknown one (a programming error, never a user's)."""
    try:
        return KINDS[code]
    except KeyError:
        raise KeyError(f"unknown notification kind {code!r}; register it in fundmgr.notifications.kinds") from None


def kinds_for(user: object) -> list[Kind]:
    """The kinds a user may receive, in the registry's order."""
    return [kind for kind in KINDS.values() if kind.applies_to(user)]


# --- The kinds fundmgr sends -------------------------------------------------------------------------------
# Events (fundmgr.notifications.events) send the first ones; fundmgr.deadlines sends the date-driven ones.

register_kind(
    "proposal_submitted",
    _l("Proposal submitted"),
    _l("A proposal is submitted (or resubmitted) to the fund."),
    group=PROPOSALS,
    roles=(FMU, AGENCY),
    trigger="proposal submitted or resubmitted by its lead organization",
)
register_kind(
    "proposal_returned",
    _l("Proposal returned for revision"),
    _l("The Fund Management Unit returns a proposal of your organization, with its reasons."),
    group=PROPOSALS,
    roles=(AGENCY,),
    trigger="proposal returned for revision at screening",
)
register_kind(
    "proposal_forwarded",
    _l("Proposal forwarded to the Steering Committee"),
    _l("A screened proposal is sent to the Steering Committee for review."),
    group=PROPOSALS,
    roles=(FMU, AGENCY),
    trigger="proposal forwarded to Steering Committee review after screening",
)
register_kind(
    "scoring_assigned",
    _l("Proposal to score"),
    _l("You are asked to score a proposal, by a deadline."),
    group=STEERING,
    roles=(SC,),
    trigger="FMU assigns Steering Committee members to score a proposal (or changes the deadline)",
)
register_kind(
    "scoring_reminder",
    _l("Scoring deadline reminder"),
    _l("Reminders before a scoring deadline you have not met yet, the last one on the day itself."),
    group=STEERING,
    roles=(SC,),
    trigger="`flask send-reminders` (fundmgr.deadlines): the fund's days before a scoring deadline, then on the day",
)
register_kind(
    "procedure_circulated",
    _l("Written procedure circulated"),
    _l("A decision is proposed by written procedure: members may object until its deadline."),
    group=STEERING,
    roles=(SC, FMU),
    trigger="FMU circulates a written procedure",
)
register_kind(
    "procedure_reminder",
    _l("Written procedure reminder"),
    _l("A reminder before a written procedure you have not answered closes."),
    group=STEERING,
    roles=(SC,),
    trigger="`flask send-reminders` (fundmgr.deadlines): the fund's days before its deadline, then on the day",
)
register_kind(
    "meeting_scheduled",
    _l("Meeting scheduled"),
    _l("A Steering Committee meeting is scheduled."),
    group=STEERING,
    roles=(SC, FMU),
    trigger="FMU schedules a Steering Committee meeting",
)
register_kind(
    "meeting_pack_ready",
    _l("Meeting pack ready"),
    _l("Proposals are put on a meeting's agenda: its meeting pack is ready to read."),
    group=STEERING,
    roles=(SC, FMU),
    trigger="FMU puts proposals on a meeting's agenda (one unread notification per meeting, refreshed)",
)
register_kind(
    "item_opened",
    _l("Item opened in a meeting"),
    _l("In a meeting you attend, an item opens for positions or votes: the link leads to the live board."),
    group=STEERING,
    roles=(SC,),
    default=Channel.in_app,
    trigger="whoever presides (or the FMU for them) opens an agenda item in a meeting under way",
)
register_kind(
    "decision_taken",
    _l("Decision taken"),
    _l("The Steering Committee decides on a proposal; the decision letter comes attached."),
    group=STEERING,
    roles=(AGENCY, FMU),
    trigger="decision recorded in a meeting, or a written procedure adopted",
)
register_kind(
    "allocation_approved",
    _l("Allocation approved"),
    _l("Money is allocated to your organization for an approved programme."),
    group=MONEY,
    roles=(AGENCY, FMU),
    trigger="an approval allocates money to each participating organization",
)
register_kind(
    "transfer_made",
    _l("Transfer made"),
    _l("A tranche of an allocation is transferred."),
    group=MONEY,
    roles=(AGENCY, FMU),
    trigger="FMU records a transfer",
)
register_kind(
    "report_submitted",
    _l("Progress report submitted"),
    _l("A lead agency submits a progress report for review."),
    group=RESULTS,
    roles=(FMU,),
    trigger="lead agency submits a progress report",
)
register_kind(
    "report_due",
    _l("Progress report due"),
    _l("A reminder before a progress report of your programme is due."),
    group=RESULTS,
    roles=(AGENCY,),
    trigger="`flask send-reminders` (fundmgr.deadlines): the fund's days before a report is due (14 and 3)",
)
register_kind(
    "report_overdue",
    _l("Progress report overdue"),
    _l("A progress report is past its due date."),
    group=RESULTS,
    roles=(AGENCY, FMU),
    trigger="`flask send-reminders` (fundmgr.deadlines): the day after a report's due date, once",
)
register_kind(
    "financial_report_due",
    _l("Financial report due"),
    _l("A reminder before your organization's certified annual expenditure or final financial statements are due, "
       "and once they are overdue."),
    group=RESULTS,
    roles=(AGENCY,),
    trigger="`flask send-reminders` (fundmgr.deadlines): the fund's days before the due date, and the day after it",
)  # fmt: skip
register_kind(
    "report_returned",
    _l("Progress report returned"),
    _l("The Fund Management Unit returns a progress report with what to change."),
    group=RESULTS,
    roles=(AGENCY,),
    trigger="FMU returns a submitted progress report",
)
register_kind(
    "report_accepted",
    _l("Progress report accepted"),
    _l("The Fund Management Unit accepts a progress report."),
    group=RESULTS,
    roles=(AGENCY,),
    trigger="FMU accepts a submitted progress report",
)
