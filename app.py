"""Start OptiOR: python app.py (development server) or gunicorn app:server (production)."""

import logging

from optior.app import create_app

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
logging.getLogger("alembic").setLevel(logging.WARNING)  # optior.services.runtime logs what a migration did
app = create_app()
server = app.server

if __name__ == "__main__":
    settings = server.extensions["optior"].settings
    app.run(host=settings.host, port=settings.port, debug=settings.debug)
