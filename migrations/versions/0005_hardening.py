"""Hardening: accounts, sign-in sessions and media jobs.

- `users.username_key` (the username NFKC-normalised and case-folded), unique: "Dana" and
  "dana" can no longer be two accounts. Existing usernames that clash stop the upgrade
  with a message that names them (ids), before anything is changed.
- `audit_log.action` may also be `sign_in`, `sign_in_failed`, `sign_in_blocked` and
  `sign_out` (a refused access is `refuse`, from on_device).
- `web_sessions` (server-side sign-in sessions), `sign_in_throttle` (failed sign-ins per
  account and per client) and `jobs` (uploaded-media work for `rehab worker`).

On SQLite the users and audit_log changes are batch move-and-copy rewrites: every row and id
survives (tested).

Revision ID: 0005
Revises: clinical
Create Date: 2026-11-30 09:40:00

"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "clinical"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ACTIONS = ("read", "create", "update", "delete", "refuse")
NEW_ACTIONS = (*OLD_ACTIONS, "sign_in", "sign_in_failed", "sign_in_blocked", "sign_out")


def _actions_check(actions: Sequence[str]) -> str:
    return "action IN (" + ", ".join(f"'{a}'" for a in actions) + ")"


def username_key(username: str) -> str:
    """As rehab.store.access.username_key (a migration keeps its own copy: frozen in time)."""
    return unicodedata.normalize("NFKC", username).casefold()


def _users_table(with_key: bool) -> sa.Table:
    """users as 0001 left it (plus the new column): batch mode copies from this offline."""
    key = [sa.Column("username_key", sa.String(length=64), nullable=True)] if with_key else []
    return sa.Table(
        "users",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        *key,
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("role IN ('admin', 'therapist', 'patient')", name="ck_users_role"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )


def _audit_table(actions: Sequence[str]) -> sa.Table:
    return sa.Table(
        "audit_log",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("resource", sa.String(length=64), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=255), nullable=False),
        sa.CheckConstraint(_actions_check(actions), name="ck_audit_log_action"),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name="fk_audit_log_patient_id_patients"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_audit_log_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        sa.Index("ix_audit_log_patient_at", "patient_id", "at"),
        sa.Index("ix_audit_log_user_id", "user_id"),
    )


def _copy_from(table: sa.Table) -> dict[str, sa.Table]:
    return {"copy_from": table} if context.is_offline_mode() else {}


def _fill_username_keys() -> None:
    """Each user's key; stops (before any change is committed) when two would clash."""
    if context.is_offline_mode():
        op.execute("UPDATE users SET username_key = lower(username)")
        return
    bind = op.get_bind()
    users = bind.execute(sa.text("SELECT id, username FROM users ORDER BY id")).all()
    seen: dict[str, tuple[int, str]] = {}
    clashes = []
    for user_id, username in users:
        key = username_key(username)
        if key in seen:
            first_id, first = seen[key]
            clashes.append(f"'{first}' (#{first_id}) and '{username}' (#{user_id})")
        else:
            seen[key] = (user_id, username)
    if clashes:
        raise RuntimeError(
            "usernames must be unique regardless of case, but these differ only in case: "
            + "; ".join(clashes)
            + ". Rename one of each pair (or deactivate and rename it), then upgrade again."
        )
    for key, (user_id, _name) in seen.items():
        bind.execute(
            sa.text("UPDATE users SET username_key = :k WHERE id = :i"), {"k": key, "i": user_id}
        )


def _create_tables() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("handoff_hash", sa.String(length=64), nullable=True),
        sa.Column("handoff_expires_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_web_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("handoff_hash", name=op.f("uq_web_sessions_handoff_hash")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
    )
    op.create_index(op.f("ix_web_sessions_user_id"), "web_sessions", ["user_id"], unique=False)
    op.create_table(
        "sign_in_throttle",
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(), nullable=False),
        sa.Column("blocked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_sign_in_throttle")),
    )
    _create_jobs()


def _create_jobs() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("media_token", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("worker", sa.String(length=128), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("progress_text", sa.String(length=200), nullable=False),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('analyse_video', 'annotate_image', 'annotate_video')",
            name=op.f("ck_jobs_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed', 'cancelled')",
            name=op.f("ck_jobs_status"),
        ),
        sa.CheckConstraint("progress BETWEEN 0 AND 1", name=op.f("ck_jobs_progress")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_jobs_owner_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_jobs_patient_id_patients"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("media_token", name=op.f("uq_jobs_media_token")),
    )
    op.create_index("ix_jobs_status_id", "jobs", ["status", "id"], unique=False)
    op.create_index(op.f("ix_jobs_owner_id"), "jobs", ["owner_id"], unique=False)


def upgrade() -> None:
    with op.batch_alter_table("users", **_copy_from(_users_table(False))) as batch_op:
        batch_op.add_column(sa.Column("username_key", sa.String(length=64), nullable=True))
    _fill_username_keys()
    with op.batch_alter_table("users", **_copy_from(_users_table(True))) as batch_op:
        batch_op.alter_column("username_key", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(op.f("uq_users_username_key"), ["username_key"])
    with op.batch_alter_table("audit_log", **_copy_from(_audit_table(OLD_ACTIONS))) as batch_op:
        batch_op.drop_constraint(op.f("ck_audit_log_action"), type_="check")
        batch_op.create_check_constraint("action", _actions_check(NEW_ACTIONS))
    _create_tables()


def downgrade() -> None:
    op.drop_index(op.f("ix_jobs_owner_id"), table_name="jobs")
    op.drop_index("ix_jobs_status_id", table_name="jobs")
    op.drop_table("jobs")
    op.drop_table("sign_in_throttle")
    op.drop_index(op.f("ix_web_sessions_user_id"), table_name="web_sessions")
    op.drop_table("web_sessions")
    op.execute(
        "DELETE FROM audit_log WHERE action NOT IN ("
        + ", ".join(f"'{a}'" for a in OLD_ACTIONS)
        + ")"
    )
    with op.batch_alter_table("audit_log", **_copy_from(_audit_table(NEW_ACTIONS))) as batch_op:
        batch_op.drop_constraint(op.f("ck_audit_log_action"), type_="check")
        batch_op.create_check_constraint("action", _actions_check(OLD_ACTIONS))
    with op.batch_alter_table("users", **_copy_from(_users_table(True))) as batch_op:
        batch_op.drop_constraint(op.f("uq_users_username_key"), type_="unique")
        batch_op.drop_column("username_key")
