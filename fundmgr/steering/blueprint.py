"""URL map of steering."""

from flask import Blueprint

bp = Blueprint("steering", __name__, url_prefix="/steering")
