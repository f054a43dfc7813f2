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
