"""GET /api/models/live: how the predictions made in advance did once the actual times arrived."""

from __future__ import annotations

from flask import Response

from optior.api.operation import Operation
from optior.api.serialize import json_response
from optior.services.live_accuracy import live_accuracy
from optior.services.live_accuracy_models import LiveAccuracy
from optior.web.context import current_runtime


def live() -> Response:
    """Weekly accuracy of advance predictions against the holdout figures, with drift flags."""
    return json_response(live_accuracy(current_runtime()))


LIVE = Operation("liveAccuracy", "Accuracy of predictions made at schedule import, by week, once actual times "
                 "arrived.", LiveAccuracy, "Weekly figures and drift flags.")
