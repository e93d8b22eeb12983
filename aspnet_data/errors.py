"""What the data layer refuses, under one base class.

Every exception ASPnet Atlas raises on purpose derives from :class:`AtlasError`, so a page or
the command line can tell a refusal it must explain from a bug. A refusal that concerns one
field of a form is a :class:`FieldError`, whose ``code`` is the suffix of an interface text
(``error.<code>`` in ui/locales); several of them travel together in :class:`ValidationFailed`.

>>> try:
...     raise ValidationFailed([FieldError("email", "email")])
... except AtlasError as refused:
...     [e.code for e in refused.errors]
['email']
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any


class AtlasError(Exception):
    """A refusal or a missing record that the person using ASPnet Atlas is told about."""


class FieldError(AtlasError, ValueError):
    """A problem with one field: ``code`` is an i18n key suffix (``error.<code>``), ``params``
    the values its text names, ``warning`` a problem shown that does not block saving.

    Validators collect them in lists (wrapped in :class:`ValidationFailed` when raised); an
    operation that stops at its first problem (accounts, passwords) raises one on its own.
    Two field errors are equal when they say the same thing about the same field.
    """

    def __init__(
        self, field: str, code: str, params: Mapping[str, Any] | None = None, *, warning: bool = False
    ) -> None:
        super().__init__(f"{field}: {code}")
        self.field = field
        self.code = code
        self.params: dict[str, Any] = dict(params or {})
        self.warning = warning

    def _key(self) -> tuple[str, str, dict[str, Any], bool]:
        return (self.field, self.code, self.params, self.warning)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldError) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.field, self.code, self.warning))

    def __repr__(self) -> str:
        extra = (f", {self.params!r}" if self.params else "") + (", warning=True" if self.warning else "")
        return f"FieldError({self.field!r}, {self.code!r}{extra})"


class ValidationFailed(AtlasError, ValueError):
    """A record that cannot be stored as it is; ``errors`` says why, field by field."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.code}" for e in errors))
        self.errors = errors


class FileRefused(FieldError):
    """An uploaded file that is not stored, and why: ``code`` (``executable``, ``archive``,
    ``too_large``, ``quota``...; see :data:`aspnet_data.files.REFUSALS`) names a text of the
    interface under ``files.refused_<code>`` (:attr:`key`), ``params`` the values it names.
    ``field`` is the form's field for the file ("file" unless told)."""

    def __init__(self, code: str, params: Mapping[str, Any] | None = None, *, field: str = "file") -> None:
        super().__init__(field, code, params)

    @property
    def key(self) -> str:
        """The interface text's key (``files.refused_<code>``)."""
        return f"files.refused_{self.code}"


class Conflict(AtlasError):
    """Someone saved the record since it was read: ``current`` is what is stored now."""

    def __init__(self, current: Mapping[str, Any]) -> None:
        super().__init__("the record was changed by someone else")
        self.current = current


class NotFound(AtlasError, LookupError):
    """No such record (an institution, a message, an audit row...): its key is the argument."""


class PermissionDenied(AtlasError):
    """The actor may not do this; ``action`` (a name in permissions.ACTIONS) and ``network``
    say what was refused."""

    def __init__(self, action: str, network: str | None = None) -> None:
        super().__init__(f"not allowed: {action}" + (f" on {network}" if network else ""))
        self.action = action
        self.network = network


class EditWindowPassed(PermissionDenied):
    """The author of a message may change it only for a while after posting it; that time is over."""

    def __init__(self) -> None:
        super().__init__("edit_message")


class ProjectClosed(PermissionDenied):
    """A closed project takes no more requests to join (its own network's schools still join)."""

    def __init__(self) -> None:
        super().__init__("add_to_project")


class TransitionRefused(AtlasError):
    """An application cannot move from ``stage`` to ``to`` (the move exists, not from there)."""

    def __init__(self, stage: str, to: str) -> None:
        super().__init__(f"{stage} -> {to} is not allowed")
        self.stage, self.to = stage, to


class RateLimited(AtlasError):
    """Too many messages in too little time: the next one must wait."""


class LoginRefused(AtlasError):
    """Why a login failed: ``invalid`` (name or password), ``locked`` (until ``until``) or ``disabled``."""

    def __init__(self, reason: str, until: datetime | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.until = until


class BulkError(AtlasError):
    """A file or plan that cannot be used: ``code`` is an i18n key suffix (``bulk.<code>``)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code + (f" {params}" if params else ""))
        self.code = code
        self.params = params


class ExportTooLarge(AtlasError, ValueError):
    """The selection has more rows than the chosen format can hold."""


class DatabaseError(AtlasError):
    """A database problem worth one clear line to the user (the command line exits non-zero on it)."""


class SchemaTooNewError(DatabaseError):
    """The file was written by a newer version of ASPnet Atlas."""


class DatabaseUnavailable(DatabaseError):
    """The database server cannot be reached just now (restarting, network down): nothing was
    written; pages say the data is briefly unavailable and recover by themselves."""
