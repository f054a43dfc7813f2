"""URL map of jobs: a job's page and file, and one's documents."""

from flask import Blueprint, Flask

from fundmgr.jobs import views
from fundmgr.jobs.runner import run_after_request
from fundmgr.jobs.tasks import install_mail_transport
from fundmgr.web import add_view

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
add_view(bp, "/", views.MyDocumentsView, "mine")
add_view(bp, "/export.<fmt>", views.MyDocumentsExportView, "mine_export", heavy=True)
add_view(bp, "/<int:job_id>", views.JobView, "job")
add_view(bp, "/<int:job_id>/file", views.JobFileView, "file")


def init_jobs(app: Flask) -> None:
    """Register the pages, the in-request runner (tests) and, with a queue, the e-mail transport."""
    app.register_blueprint(bp)
    app.after_request(run_after_request)
    install_mail_transport(app)
