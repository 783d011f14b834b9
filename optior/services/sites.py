"""The sites (hospitals) of an installation: what the site selectors offer."""

from __future__ import annotations

from optior.db import analytics_queries as queries
from optior.services.runtime import Runtime
from optior.vocabulary import natural_room_key


def list_sites(runtime: Runtime) -> list[str]:
    """Every site with completed or scheduled cases, in natural order. One site (or none) means the pages show no
    site selector and label rooms without a site."""
    with runtime.db.read() as connection:
        return sorted(queries.sites(connection), key=natural_room_key)


def site_rooms(runtime: Runtime, site: str) -> list[str]:
    """The room names with cases at one site, in natural order."""
    with runtime.db.read() as connection:
        return sorted(queries.site_rooms(connection, site), key=natural_room_key)
