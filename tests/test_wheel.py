"""The built wheel is the product: installed on its own, it migrates a database and serves pages and static files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.support import REPO

# Run inside the clean environment, from a folder outside the checkout.
SERVE = """
import json, sys
import fundmgr
app = fundmgr.create_app()
client = app.test_client()
page = client.get("/account/login")
css = client.get("/static/css/fundmgr.css")
print(json.dumps({
    "package": fundmgr.__file__,
    "page": [page.status_code, page.get_data(as_text=True)],
    "css": [css.status_code, css.mimetype, len(css.get_data())],
}))
"""


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.once
def test_the_built_wheel_migrates_and_serves_the_sign_in_page_on_its_own(tmp_path):
    """Installed alone from its wheel, does fundmgr migrate a fresh database and serve its pages and static files?"""
    source = tmp_path / "source"  # a copy, so the build writes nothing into the checkout
    shutil.copytree(REPO / "fundmgr", source / "fundmgr", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "dist"), str(source)], tmp_path)
    (wheel,) = (tmp_path / "dist").glob("fundmgr-*.whl")

    # A clean environment; the dependencies come from this one's site-packages through a .pth file
    # (whose own .pth files, the checkout's editable install among them, are not processed there).
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path)
    python = str(venv / "bin" / "python")
    clean_site = Path(
        run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path).strip()
    )
    (clean_site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run([*pip, "--python", python, "install", "--no-deps", "--no-compile", str(wheel)], tmp_path)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {name: value for name, value in os.environ.items() if name not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env |= {
        "FUNDMGR_ENV_NAME": "testing",
        "FUNDMGR_SECRET_KEY": "wheel-test-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
    }
    run([python, "-m", "flask", "--app", "fundmgr", "db", "upgrade"], elsewhere, env)
    served = json.loads(run([python, "-c", SERVE], elsewhere, env).strip().splitlines()[-1])

    assert Path(served["package"]).is_relative_to(venv)
    status, page = served["page"]
    assert status == 200
    assert 'name="email"' in page
    assert 'name="password"' in page
    assert served["css"] == [200, "text/css", (REPO / "fundmgr" / "static" / "css" / "fundmgr.css").stat().st_size]
