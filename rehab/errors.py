"""Errors a user can act on: the CLI prints them on one line and exits with code 2."""


class RehabError(Exception):
    """A problem with the user's input or environment, with a message that says what to do."""


class InputError(RehabError):
    """A file or argument the user gave cannot be used (missing, corrupt, unsupported)."""


class StreamFileError(RehabError):
    """A landmark stream file is missing, corrupt or of an unsupported version."""


class StoreError(RehabError):
    """The database cannot be opened, migrated or written (says which database and why)."""


class AccessDenied(RehabError):
    """The asking user may not see or change this data (wrong patient, wrong role)."""


class NotFound(RehabError):
    """A patient, session, user or prescription id that does not exist."""


class NotYours(AccessDenied, NotFound):
    """A record that does not exist or that the asker may not see: one answer for both, so
    that asking cannot tell which ids exist (both `except AccessDenied` and `except NotFound`
    catch it)."""


class SignInThrottled(AccessDenied):
    """Too many failed sign-ins for this account or from this client: wait and try again."""

    def __init__(self, retry_after_s: float) -> None:
        self.retry_after_s = retry_after_s
        minutes = retry_after_s / 60
        wait = f"{retry_after_s:.0f} s" if retry_after_s < 90 else f"{minutes:.0f} min"
        super().__init__(f"too many failed sign-ins: try again in {wait}")
