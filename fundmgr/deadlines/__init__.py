"""Deadlines and reminders: who has done their part before each deadline, and reminders sent exactly once.

Three kinds of deadline:

- scoring: an SC member assigned to score a proposal's current version (in review) by `Assignment.due_on`;
  done when their review is submitted; a member recused since (declared conflict, organization) is not chased.
- procedure: an open written procedure's `deadline`; every eligible member (the Steering Committee less
  those recused) is asked to answer; done when they have answered (objection or not).
- report: a reporting period's `due_date`; the lead organization's agency staff (who alone write reports)
  are responsible; done when the report is handed in (submitted or accepted); a returned report is
  outstanding again.

When reminders go out (the fund's `reminders.days_before`, default 14 and 3 days, and a last one):
scoring and written procedures close at the end of their deadline day (nobody can act after it), so their
last reminder goes out on the deadline day itself; a report can still be handed in late, so its last
reminder (`report_overdue`) goes out on the day it becomes overdue, the day after its due date.

`flask --app fundmgr send-reminders`, run daily by cron, sends for each person who has not done their
part the latest reminder whose day has come (a run that missed days catches up with that one only, never
the earlier ones), unless that or a later reminder of the same deadline was already sent to them, and
only within CATCH_UP_DAYS of its day (older ones are left to the FMU's "send a reminder now"). Moving a
deadline starts its reminders afresh. Each reminder is claimed in `reminders_sent` under a unique key
(kind, object, recipient, due date, offset) with INSERT ... ON CONFLICT DO NOTHING, in the transaction
that queues its notification: of two overlapping runs only one claims it, the other skips it.
"""
