"""URL map of finance."""

from flask import Blueprint

bp = Blueprint("finance", __name__, url_prefix="/finance")
