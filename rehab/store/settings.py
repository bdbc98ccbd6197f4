"""The clinic's settings (one row): its time zone.

Everyone signed in may read them (they hold no patient data); only an admin changes them.
The store's queries read the zone themselves (`zone_of`), once per transaction, so every
"today", week and day they compute is the clinic's local one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from rehab.clinic_time import UTC_NAME, zone_named
from rehab.domain import Role
from rehab.store.access import Actor, audit, require_role
from rehab.store.database import Transaction, sql
from rehab.store.models import AuditAction, ClinicSettings

ROW_ID = 1
_ZONE_KEY = "rehab.clinic_zone"


@dataclass(frozen=True)
class ClinicSettingsView:
    time_zone: str

    @property
    def zone(self) -> ZoneInfo:
        return zone_named(self.time_zone)


def clinic_settings(tx: Transaction) -> ClinicSettingsView:
    """The clinic's settings (UTC until an admin sets the time zone)."""
    return ClinicSettingsView(_zone_name(sql(tx)))


def set_time_zone(tx: Transaction, actor: Actor, name: str) -> ClinicSettingsView:
    """Set the clinic's time zone (an IANA name; admin only); TimeZoneError when unknown."""
    require_role(actor, Role.ADMIN)
    zone = zone_named(name)
    session = sql(tx)
    row = session.get(ClinicSettings, ROW_ID)
    if row is None:
        row = ClinicSettings(id=ROW_ID)
        session.add(row)
    row.time_zone = zone.key
    row.updated_at = dt.datetime.now(dt.UTC)
    row.updated_by_id = actor.user_id
    session.info.pop(_ZONE_KEY, None)
    audit(session, actor, AuditAction.UPDATE, "clinic_settings", detail=f"time zone {zone.key}")
    return ClinicSettingsView(zone.key)


def zone_of(session: Session) -> ZoneInfo:
    """The clinic's time zone, read once per transaction."""
    cached = session.info.get(_ZONE_KEY)
    if isinstance(cached, ZoneInfo):
        return cached
    zone = zone_named(_zone_name(session))
    session.info[_ZONE_KEY] = zone
    return zone


def _zone_name(session: Session) -> str:
    row = session.get(ClinicSettings, ROW_ID)
    return row.time_zone if row is not None else UTC_NAME
