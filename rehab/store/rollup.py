"""Keep `set_stats` (per set and side sums of the reps) in step with `reps`.

`refresh_set_stats` recomputes the rows of the given sets from their reps with two
statements (delete, insert-select); the recorder calls it in the same transaction as each
rep it writes, so the rollup is never behind what is committed.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Delete,
    Insert,
    Select,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from rehab.store.models import Rep, SetStats


def _n(column: InstrumentedAttribute[float]) -> ColumnElement[int]:
    return func.count(case((Rep.complete.is_(True), column)))


def _done(column: InstrumentedAttribute[float]) -> ColumnElement[float]:
    return case((Rep.complete.is_(True), column))


def stats_select() -> Select[*tuple[Any, ...]]:
    """SELECT of set_stats rows computed from reps (filter it with .where())."""
    return select(
        Rep.set_id,
        Rep.side,
        func.count(case((Rep.complete.is_(True), Rep.id))),
        func.count(case((Rep.complete.is_(False), Rep.id))),
        _n(Rep.rom_deg),
        func.sum(_done(Rep.rom_deg)),
        func.max(_done(Rep.rom_deg)),
        _n(Rep.peak_angle_deg),
        func.sum(_done(Rep.peak_angle_deg)),
        func.min(_done(Rep.min_angle_deg)),
        func.max(_done(Rep.max_angle_deg)),
        _n(Rep.confidence),
        func.sum(_done(Rep.confidence)),
    ).group_by(Rep.set_id, Rep.side)


STATS_COLUMNS = [
    "set_id",
    "side",
    "complete_reps",
    "partial_reps",
    "rom_n",
    "rom_sum",
    "rom_max",
    "peak_n",
    "peak_sum",
    "min_angle_min",
    "max_angle_max",
    "confidence_n",
    "confidence_sum",
]


@functools.cache
def _refresh_statements() -> tuple[Delete, Insert]:
    """The two statements, built once: building the aggregate SELECT and its cache key each
    time was half the CPU of writing a rep (the live path writes one every few seconds per
    patient). The set ids are an expanding parameter."""
    ids: BindParameter[list[int]] = bindparam("set_ids", expanding=True)
    remove = delete(SetStats).where(SetStats.set_id.in_(ids))
    add = insert(SetStats).from_select(STATS_COLUMNS, stats_select().where(Rep.set_id.in_(ids)))
    return remove, add


def refresh_set_stats(session: Session, set_ids: Collection[int]) -> None:
    """Recompute the rollup rows of these sets from their reps, in the session's transaction.
    (Plain SQL on its connection, after flushing what is pending as the ORM would: no
    SetStats object is loaded in a writing session, so there is none to synchronise.)"""
    if not set_ids:
        return
    remove, add = _refresh_statements()
    params = {"set_ids": sorted(set_ids)}
    session.flush()
    connection = session.connection()
    connection.execute(remove, params)
    connection.execute(add, params)
