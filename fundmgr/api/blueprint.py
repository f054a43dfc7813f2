"""URL map of the JSON API: one blueprint under /api/v1, its routes declared in the views modules."""

from fundmgr.api.core import bp
from fundmgr.api.views import calls, finance, funds, proposals, results  # noqa: F401 - each declares its routes on bp

__all__ = ["bp"]
