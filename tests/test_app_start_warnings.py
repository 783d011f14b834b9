"""Starting the app prints no deprecation warning from Dash or its component packages."""

from __future__ import annotations

import json
import subprocess
import sys

DEPRECATIONS = {"DeprecationWarning", "PendingDeprecationWarning", "FutureWarning"}
PROBE = """
import json, sys, warnings
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as caught:
    from optior.config import Settings
    from optior.app import create_app
    create_app(Settings(database_url="sqlite:///" + sys.argv[1], model_dir=sys.argv[2], auto_seed=False))
print(json.dumps([{"category": w.category.__name__, "file": w.filename, "message": str(w.message)}
                  for w in caught]))
"""


def test_creating_the_app_emits_no_deprecation_warning_from_dash(tmp_path):
    """A fresh interpreter, so every module (dash_table included, were it used) is imported while recording."""
    (tmp_path / "models").mkdir()
    answer = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "optior.db"), str(tmp_path / "models")],
                            capture_output=True, text=True, check=True, timeout=120)
    caught = json.loads(answer.stdout.strip().splitlines()[-1])
    from_dash = [w for w in caught if w["category"] in DEPRECATIONS
                 and ("dash" in w["file"] or "dash" in w["message"].lower())]
    assert from_dash == []
