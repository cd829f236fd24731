"""The app the benchmarks serve: the production app plus the baseline endpoints.

``gunicorn bench.wsgi:app``. The endpoints are registered here, outside ``lms``, so no
configuration can switch them on in a real deployment.
"""

from bench.endpoints import bp
from lms import create_app

app = create_app()
app.register_blueprint(bp)
