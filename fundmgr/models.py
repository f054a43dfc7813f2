"""Every model module, imported so the metadata (and Alembic) knows all tables."""

from fundmgr import (
    audit,  # noqa: F401
    ratelimits,  # noqa: F401 - also registers the fundmgr:// rate-limit store
)
from fundmgr.accounts import models as accounts_models  # noqa: F401
from fundmgr.accounts import sessions as accounts_sessions  # noqa: F401
from fundmgr.calls import models as calls_models  # noqa: F401
from fundmgr.deadlines import models as deadlines_models  # noqa: F401
from fundmgr.finance import models as finance_models  # noqa: F401
from fundmgr.funds import models as funds_models  # noqa: F401
from fundmgr.funds import seats as funds_seats  # noqa: F401
from fundmgr.jobs import models as jobs_models  # noqa: F401
from fundmgr.notifications import models as notifications_models  # noqa: F401
from fundmgr.opendata import models as opendata_models  # noqa: F401
from fundmgr.proposals import models as proposals_models  # noqa: F401
from fundmgr.results import models as results_models  # noqa: F401
from fundmgr.steering import models as steering_models  # noqa: F401
from fundmgr.steering import summaries as steering_summaries  # noqa: F401
