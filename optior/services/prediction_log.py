"""Who reads the prediction log, and which case labels they may see."""

from __future__ import annotations

from dataclasses import dataclass

from optior.db.model_store import LabelAccess


@dataclass(frozen=True)
class Viewer:
    """Who is looking: the signed-in user's name (None without sign-in) and whether they are an admin.

    A case label may name a patient, so it is shown only to the user who entered it, and to admins.
    """

    name: str | None
    is_admin: bool = False

    @property
    def label_access(self) -> LabelAccess:
        return LabelAccess(owner=self.name, every_owner=self.is_admin)
