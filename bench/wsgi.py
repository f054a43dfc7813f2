"""What the benchmark serves: fundmgr's production app (fundmgr.wsgi) with the layout floor (bench.floor)."""

from bench.floor import add_layout_floor
from fundmgr.wsgi import app

add_layout_floor(app)
