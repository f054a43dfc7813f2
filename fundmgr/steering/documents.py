"""The meeting pack and the minutes as PDF, in the language asked for (by default the meeting's), as one reader may
see them.

The FMU's copy is the full record. An SC member's copy leaves out, for each proposal they are
recused from, the scores, the ranking and the votes (the decision itself stays: it binds everyone).

Approved minutes are frozen (steering.operations.minutes): their full content is stored as JSON and their PDF as
a file; a recused member's copy is rendered from the frozen content with the same redaction as the draft
(`redacted_for`), so nothing after the approval changes what they say.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from fundmgr.db import db
from fundmgr.finance.models import Allocation
from fundmgr.funds.rights import is_fund_manager
from fundmgr.funds.seats import chair_term, rules_of, seat_labels
from fundmgr.i18n import LANGUAGE_NAMES, localize
from fundmgr.pdf import render_pdf
from fundmgr.proposals.queries import technical_review_of
from fundmgr.steering.facts import key_facts
from fundmgr.steering.models import AgendaItem, Decision, Meeting, Minutes, Stance
from fundmgr.steering.portfolio_proposal import minutes_departures, pack_section
from fundmgr.steering.queries import ranking_for
from fundmgr.steering.scoring import ProposalScore
from fundmgr.steering.verification import decision_record_of
from fundmgr.steering.voting import DECISION_RULES, consensus, counted_votes, quorum_for, tally
from fundmgr.storage import read_stored


def meeting_data(meeting: Meeting) -> dict[str, Any]:
    return {
        "reference": meeting.reference,
        "title": meeting.title,
        "held_on": meeting.held_on,
        "mode": meeting.mode.title,
        "location": meeting.location,
        "state": meeting.state.title,
        "quorum_seats": rules_of(meeting.fund).quorum_voting_seats,
        "decision_rule": str(DECISION_RULES.get(meeting.fund.decision_rule, meeting.fund.decision_rule)),
        "fund": localize(meeting.fund.name),
        "currency": meeting.fund.currency,
        "participants": meeting.fund.participants_label,
    }


def score_data(entry: ProposalScore | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    return {
        "weighted_mean": entry.weighted_mean,
        "rank": entry.rank,
        "area_rank": entry.area_rank,
        "review_count": entry.review_count,
        "disagreement": entry.disagreement,
        "criteria": [
            {
                "name": c.criterion.label,
                "weight": c.criterion.weight,
                "mean": c.mean,
                "spread": c.spread,
                "count": c.count,
                "disagreement": c.disagreement,
            }
            for c in entry.criteria
        ],
        "recommendations": [(r.title, n) for r, n in sorted(entry.recommendations.items(), key=lambda x: -x[1])],
    }


def technical_comments(proposal: Any, reader: Any) -> list[dict[str, Any]]:
    """The technical reviewers' comments on the proposal the reader may read, as plain data."""
    return [
        {"reviewer": i.reviewer.name, "organization": i.reviewer.organization.label, "body": c.body}
        for i in technical_review_of(proposal, reader)
        for c in i.comments
    ]


def pack_data(meeting: Meeting, reader: Any) -> dict[str, Any]:
    """Agenda, ranking of the agenda's proposals, and a page per proposal with key facts and scores.

    Scores are those of the version on the agenda; ranks are among the agenda's proposals.
    """
    proposals = [item.proposal for item in meeting.items]
    versions = {item.proposal_id: item.version for item in meeting.items}
    ranking = ranking_for(reader, meeting.fund, proposals, versions)
    pages = []
    for item in meeting.items:
        recused = item.proposal.is_recused(reader)
        entry = None if recused else ranking.entry_for(item.proposal_id)
        pages.append(
            {
                "position": item.position,
                "reference": item.proposal.reference,
                "title": item.proposal.title,
                "redacted": recused,
                "facts": None if recused else key_facts(meeting.fund, item.version),
                "score": score_data(entry),
                "scores_hidden": not recused and entry is None,
                "technical_comments": [] if recused else technical_comments(item.proposal, reader),
            }
        )
    ranked = sorted((p for p in pages if p["score"] and p["score"]["rank"]), key=lambda p: p["score"]["rank"])
    return {
        "meeting": meeting_data(meeting),
        "pages": pages,
        "ranked": ranked,
        "portfolio": pack_section(meeting, reader),
    }


def allocations_of(decision: Decision) -> list[dict[str, Any]]:
    """The allocations finance made for an approval (they carry the decision's reference)."""
    allocations = db.session.scalars(
        sa.select(Allocation)
        .where(Allocation.proposal_id == decision.proposal_id, Allocation.reference == decision.reference)
        .order_by(Allocation.id)
    )
    return [{"organization": a.organization.label, "total": a.total} for a in allocations]


def decision_data(decision: Decision | None) -> dict[str, Any] | None:
    if decision is None:
        return None
    allocations = allocations_of(decision)
    record = decision_record_of(decision)
    return {
        "reference": decision.reference,
        "record_hash": record.record_hash if record is not None else None,
        "outcome": str(decision.outcome_title),
        "conditions": decision.conditions,
        "approved_amount": decision.approved_amount,
        "allocations": allocations,
        "allocated": sum((a["total"] for a in allocations), Decimal("0.00")),
    }


# What a recused reader's copy leaves out of an item (the decision itself stays: it binds everyone).
WITHHELD = ("reservations", "objections", "votes", "tally")


def item_minutes(item: AgendaItem, names: dict[int, str]) -> dict[str, Any]:
    """One item of the full minutes: recusals, quorum, the decision; under consensus the reservations and objections
    (named only where the member asked), never a count; under a vote the votes per member and their tally."""
    quorum = quorum_for(item)
    record = item.quorum_record or quorum.as_record()
    data = {
        "position": item.position,
        "reference": item.proposal.reference,
        "title": item.proposal.title,
        "state": item.state.title,
        "recused": [names.get(m, "?") for m in record["recused"]],
        "recused_ids": list(record["recused"]),
        "quorum": {"eligible": len(record["eligible"]), "present": len(record["present"]),
                   "required": record["required"], "met": record["met"]},
        "decision": decision_data(item.decision),
        "presided_by": item.presided_by.name if item.presided_by else None,
        "presided_by_id": item.presided_by_id,
        "redacted": False,
        "by_consensus": item.meeting.by_consensus,
    }  # fmt: skip
    if item.meeting.by_consensus:
        positions = consensus(item, quorum)
        data["reservations"] = [position_minute(p, names) for p in positions.reservations]
        data["objections"] = [position_minute(p, names) for p in positions.objections]
    else:
        data["votes"] = [(names.get(v.member_id, "?"), v.choice.title) for v in counted_votes(item, quorum)]
        data["tally"] = [(choice.title, n) for choice, n in tally(item, quorum).counts.items()]
    return data


def position_minute(position: Any, names: dict[int, str]) -> dict[str, Any]:
    """A reservation or an objection as minuted: its text, and the member's name only if they asked."""
    return {
        "text": position.text,
        "name": names.get(position.member_id, "?") if position.minute_by_name else None,
        "objection": position.stance is Stance.object,
    }


def minutes_content(meeting: Meeting) -> dict[str, Any]:
    """The full minutes as data (the FMU's copy): what approval freezes."""
    names = {a.member_id: a.member.name for a in meeting.attendance}
    seats = seat_labels(meeting.fund, meeting.held_on)
    minutes = meeting.minutes
    return {
        "meeting": meeting_data(meeting) | {"started_at": meeting.started_at, "ended_at": meeting.ended_at},
        "present": [attendee(a, seats) for a in meeting.attendance if a.present],
        "absent": [attendee(a, seats) for a in meeting.attendance if not a.present],
        "items": [item_minutes(item, names) for item in meeting.items],
        "summary": minutes.summary if minutes is not None else "",
        "approved_here": [m.meeting.reference for m in approved_in(meeting)],
        "matters": [matter_minutes(d, names) for d in meeting.matters_decided],
        "approval": None,
        "departures": minutes_departures(meeting),
    }


def matter_minutes(decision: Decision, names: dict[int, str]) -> dict[str, Any]:
    """A matter the meeting decided as a whole, as its minutes record it (no tally: the decision and its wording)."""
    record = decision_record_of(decision)
    quorum = decision.quorum_record or {}
    return {
        "reference": decision.reference,
        "subject": str(decision.subject.title),
        "matter": decision.matter,
        "outcome": str(decision.outcome_title),
        "approved_amount": decision.approved_amount,
        "call": decision.call.display_name if decision.call is not None else None,
        "presided_by": names.get(decision.presided_by_id or 0, ""),
        "quorum": {"present": len(quorum.get("present", [])), "required": quorum.get("required", 0)},
        "record_hash": record.record_hash if record is not None else None,
    }


def approved_in(meeting: Meeting) -> list[Minutes]:
    """The minutes of earlier meetings the committee approved in this one."""
    return list(db.session.scalars(sa.select(Minutes).where(Minutes.approved_in_id == meeting.id).order_by(Minutes.id)))


def recused_references(meeting: Meeting, reader: Any) -> set[str]:
    """The proposals on the meeting's agenda the reader is recused from now."""
    return {item.proposal.reference for item in meeting.items if item.proposal.is_recused(reader)}


def redacted_for(content: dict[str, Any], reader: Any, recused_now: set[str]) -> dict[str, Any]:
    """The reader's copy of the minutes: without what was said on the items they were recused from (as the item's
    record says, or now), unless they presided over it. One rule for the live draft and the frozen minutes."""
    reader_id = getattr(reader, "id", None)
    items = []
    for item in content["items"]:
        recused = item["reference"] in recused_now or (reader_id is not None and reader_id in item["recused_ids"])
        if recused and item["presided_by_id"] != reader_id:
            item = {k: v for k, v in item.items() if k not in WITHHELD} | {"redacted": True}
        items.append(item)
    withheld = {item["reference"] for item in items if item["redacted"]}
    departures = content.get("departures")  # minutes frozen before portfolio proposals have none
    if departures:
        departures = [d for d in departures if d["reference"] not in withheld]
    return content | {"items": items, "departures": departures}


def minutes_data(meeting: Meeting, reader: Any) -> dict[str, Any]:
    """The minutes as the reader may see them, from the live records (a draft)."""
    return redacted_for(minutes_content(meeting), reader, recused_references(meeting, reader))


def attendee(attendance: Any, seats: dict[int, str]) -> dict[str, str]:
    member = attendance.member
    return {
        "name": member.name,
        "organization": member.organization.label,
        "constituency": seats.get(member.id, ""),
    }


def render_in_language(meeting: Meeting, template: str, build: Any, reader: Any, language: str | None) -> bytes:
    """Render a meeting document in the language asked for (by default the meeting's), whatever the reader's own:
    the fixed labels and the names of places are translated, what members wrote stays as written."""
    language = language or meeting.language
    with force_locale(language):
        return render_pdf(template, build(meeting, reader) | {"language": language})


def meeting_pack_pdf(meeting: Meeting, reader: Any, language: str | None = None) -> bytes:
    return render_in_language(meeting, "steering/pack.html", pack_data, reader, language)


def minutes_pdf(meeting: Meeting, reader: Any, language: str | None = None) -> bytes:
    """The reader's copy in the language asked for (by default the meeting's): approved minutes are the stored PDF
    (in the meeting's language), else rendered from their frozen content in that language (for a recused reader,
    without their items); a draft is built from the live records."""
    language = language or meeting.language
    minutes = meeting.minutes
    if minutes is None or not minutes.is_frozen:
        return render_in_language(meeting, "steering/minutes.html", minutes_data, reader, language)
    assert minutes.content is not None
    assert minutes.storage_key is not None
    content = redacted_for(frozen_in(thaw(minutes.content), language), reader, recused_references(meeting, reader))
    if language == meeting.language and not any(item["redacted"] for item in content["items"]):
        return read_stored(minutes.storage_key)
    return render_frozen(language, content)


def render_frozen(language: str, content: dict[str, Any]) -> bytes:
    with force_locale(language):
        return render_pdf("steering/minutes.html", content | {"language": language})


# The frozen minutes keep their content in each language under this key, beside the meeting language's own.
TRANSLATIONS = "translations"


def frozen_minutes(meeting: Meeting, approval: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """What approving the minutes stores: their full content as JSON in the meeting's language, with the approval
    (where, when, who signed), and the same content in each other language (the records' labels and titles
    translated at the same moment); and the PDF in the meeting's language."""
    copies = {}
    for language in LANGUAGE_NAMES:
        with force_locale(language):
            copies[language] = freeze(minutes_content(meeting) | {"approval": approval})
    content = copies.pop(meeting.language) | {TRANSLATIONS: copies}
    return content, render_frozen(meeting.language, frozen_in(thaw(content), meeting.language))


def frozen_in(content: dict[str, Any], language: str) -> dict[str, Any]:
    """The frozen minutes' content in a language: the copy frozen in it, else (minutes approved before they were
    frozen in each language, or the meeting's own language) the meeting language's content, whose fixed labels the
    template then translates."""
    translations = content.get(TRANSLATIONS) or {}
    own = {k: v for k, v in content.items() if k != TRANSLATIONS}
    return translations.get(language, own)


def freeze(value: Any) -> Any:
    """Plain data as JSON: dates, instants and amounts tagged so that `thaw` gives them back; lazy texts as text."""
    if isinstance(value, dict):
        return {str(k): freeze(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [freeze(v) for v in value]
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def thaw(value: Any) -> Any:
    """The data `freeze` stored."""
    if isinstance(value, list):
        return [thaw(v) for v in value]
    if not isinstance(value, dict):
        return value
    if value.keys() == {"$decimal"}:
        return Decimal(value["$decimal"])
    if value.keys() == {"$datetime"}:
        return datetime.fromisoformat(value["$datetime"])
    if value.keys() == {"$date"}:
        return date.fromisoformat(value["$date"])
    return {k: thaw(v) for k, v in value.items()}


def minutes_filename(meeting: Meeting, language: str | None = None) -> str:
    """The minutes' file name; a copy in another language than the meeting's says which."""
    suffix = f"-{language}" if language and language != meeting.language else ""
    return f"{meeting.reference}-minutes{suffix}.pdf"


# --- The decision letter --------------------------------------------------------------------------


def letter_signatories(decision: Decision) -> list[dict[str, str]]:
    """Who signs: the member who presided over the item (a matter: over the meeting; a written procedure: whoever
    presided for the committee when it concluded, or for a decision recorded before that was kept, the chair on the
    day of the decision), and the FMU officer who recorded or circulated it."""
    presiding, role = None, _("Chair of the Steering Committee")
    chair = chair_term(decision.fund, decision.decided_on)
    if decision.item is not None or decision.meeting is not None:
        presiding = decision.item.presided_by if decision.item is not None else decision.presided_by
        if presiding is not None and (chair is None or presiding.id not in chair.person_ids()):
            role = (_("Presiding over the item for the Steering Committee") if decision.item is not None
                    else _("Presiding over the meeting for the Steering Committee"))  # fmt: skip
    elif decision.presided_by is not None:
        presiding = decision.presided_by
        if chair is None or presiding.id not in chair.person_ids():
            role = _("Presiding over the written procedure for the Steering Committee")
    else:
        presiding = chair.holder if chair is not None else None
    officer = decision.procedure.circulated_by if decision.procedure else None
    if is_fund_manager(decision.recorded_by, decision.fund):
        officer = decision.recorded_by
    people = []
    if presiding is not None:
        people.append({"name": presiding.name, "role": role})
    if is_fund_manager(officer, decision.fund):
        people.append({"name": officer.name, "role": _("Fund Management Unit")})
    return people


def decision_letter_data(decision: Decision) -> dict[str, Any]:
    """Everything the letter says, as plain data in the current language (render it in the same one)."""
    proposal, item, procedure = decision.proposal, decision.item, decision.procedure
    organizations = []
    if proposal is not None:
        lead = proposal.lead_organization
        organizations = ([lead] if lead else []) + [
            p.organization for p in proposal.participants if p.organization_id != proposal.lead_organization_id
        ]
    meeting = None
    if (held_in := decision.held_in) is not None:
        meeting = {"reference": held_in.reference, "title": held_in.title, "held_on": held_in.held_on,
                   "position": item.position if item is not None else None}  # fmt: skip
    return {
        "subject": decision.subject.value,
        "subject_title": decision.subject.title,
        "matter": minutes_wording(decision.minutes) if decision.minutes is not None else decision.matter,
        "call": decision.call.display_name if decision.call is not None else None,
        "fund": localize(decision.fund.name),
        "currency": decision.fund.currency,
        "participant": decision.fund.participant_label,
        "participants": decision.fund.participants_label,
        "reference": decision.reference,
        "decided_on": decision.decided_on,
        "outcome": decision.outcome.value,
        "outcome_title": decision.outcome.title,
        "funds": decision.outcome.funds,
        "conditions": decision.conditions,
        "approved_amount": decision.approved_amount,
        "proposal": {"reference": proposal.reference, "title": proposal.title, "version": decision.version.number}
        if proposal is not None and decision.version is not None
        else None,
        "addressees": [{"acronym": o.label, "name": o.full_name} for o in organizations],
        "meeting": meeting,
        "procedure": {"reference": procedure.reference, "deadline": procedure.deadline} if procedure else None,
        "allocations": allocations_of(decision),
        "signatories": letter_signatories(decision),
        "record_hash": record.record_hash if (record := decision_record_of(decision)) is not None else None,
    }


def minutes_wording(minutes: Minutes) -> str:
    """An approval of minutes as the letter words it (in the current language)."""
    meeting = minutes.meeting
    return _("The Steering Committee approves the minutes of its meeting %(ref)s (%(title)s) of %(date)s.",
             ref=meeting.reference, title=meeting.title, date=format_date(meeting.held_on, "long"))  # fmt: skip


def render_decision_letter(data: dict[str, Any], language: str) -> bytes:
    """The letter from its data, in that language (no database: may run after the commit)."""
    with force_locale(language):
        allocated = sum((a["total"] for a in data["allocations"]), Decimal("0.00"))
        return render_pdf("steering/decision_letter.html", data | {"language": language, "allocated": allocated})


def decision_letter_pdf(decision: Decision, language: str) -> bytes:
    """The decision letter to the proposal's organizations, in the given language."""
    with force_locale(language):
        data = decision_letter_data(decision)
    return render_decision_letter(data, language)


def decision_letter_filename(decision: Decision) -> str:
    return f"{decision.reference.replace('/', '-')}-decision-letter.pdf"
