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
