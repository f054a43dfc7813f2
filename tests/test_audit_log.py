"""The audit log: visible to the FMU and administrators, per object, exportable without formula injection."""

from __future__ import annotations

import io

import openpyxl
import pytest

from fundmgr.accounts.models import Role
from fundmgr.audit import record_audit
from tests.factories import sign_in


@pytest.fixture
def entries(make_user):
    target = make_user(Role.agency, name="Target")
    fmu = make_user(Role.fmu, name="Officer")
    record_audit(
        "user.updated", target, actor=fmu, before={"name": "Old"}, after={"name": "New"},
        summary="=cmd|' /C calc'!A0",
    )  # fmt: skip
    record_audit("user.other", fmu, actor=None)
    return target, fmu


@pytest.mark.parametrize(("role", "status"), [(Role.fmu, 200), (Role.admin, 200), (Role.agency, 403),
                                              (Role.sc_member, 403), (Role.viewer, 403)])  # fmt: skip
def test_only_fmu_and_admins_read_the_log(client, make_user, role, status):
    sign_in(client, make_user(role))
    assert client.get("/audit/").status_code == status
    assert client.get("/audit/export.csv").status_code == status


def test_log_of_one_object_shows_before_and_after(client, entries):
    target, fmu = entries
    sign_in(client, fmu)
    html = client.get(f"/audit/?object_type=users&object_id={target.id}").get_data(as_text=True)
    assert "user.updated" in html
    assert "<del>Old</del>" in html
    assert "user.other" not in html


def test_exports_neutralise_formulas(client, entries):
    """Does a value starting with = come out as text in CSV and Excel?"""
    target, fmu = entries
    sign_in(client, fmu)
    csv_text = client.get(f"/audit/export.csv?object_id={target.id}&object_type=users").get_data(as_text=True)
    assert "user.updated" in csv_text
    assert "'=cmd|" in csv_text
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/audit/export.xlsx?action=user.updated").data))
    values = [cell.value for row in workbook.active.iter_rows() for cell in row]
    assert "user.updated" in values
    assert "'=cmd|' /C calc'!A0" in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)


def audit_actions_in_code() -> set[str]:
    """Every action the code passes to record_audit (directly or via an `action=` argument); f-strings expanded."""
    import ast
    import pathlib

    from fundmgr.finance.models import BudgetRevision, TopUp, TopUpState
    from fundmgr.results.models import ExtensionState, ReviewDecision

    expansions = {
        "extension.": [s.value for s in ExtensionState],
        "progress_report.": [d.value for d in ReviewDecision],
    }
    # a change after approval is audited as f"{change.audit_type}.{state}" (finance/operations/changes.py)
    changes = [f"{kind.audit_type}.{state.value}" for kind in (TopUp, BudgetRevision) for state in TopUpState]
    found: set[str] = set()
    for path in pathlib.Path("fundmgr").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            values = [node.args[0]] if name == "record_audit" and node.args else []
            values += [kw.value for kw in node.keywords if kw.arg == "action"]
            for value in values:
                for const in ast.walk(value):
                    if isinstance(const, ast.Constant) and const.value == ".":
                        found.update(changes)
                    elif isinstance(const, ast.Constant) and isinstance(const.value, str) and "." in const.value:
                        prefix = const.value
                        found.update(prefix + v for v in expansions[prefix]) if prefix in expansions else found.add(
                            prefix
                        )
    return found


def test_every_audit_action_has_a_label():
    from fundmgr.audit_labels import ACTION_LABELS

    actions = audit_actions_in_code()
    assert len(actions) > 100
    assert sorted(actions - set(ACTION_LABELS)) == []


def test_log_shows_translated_labels_not_codes(client, make_user):
    target = make_user(Role.agency, name="Target")
    fmu = make_user(Role.fmu, name="Officer", locale="fr")
    record_audit("proposal.matrix_item_removed", target, actor=fmu)
    sign_in(client, fmu)
    html = client.get(f"/audit/?object_type=users&object_id={target.id}").get_data(as_text=True)
    assert "Élément de la matrice des résultats supprimé" in html
    assert ">proposal.matrix_item_removed<" not in html
