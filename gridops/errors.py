"""Domain errors raised by services; the API turns them into JSON answers."""

from __future__ import annotations


class DomainError(Exception):
    """A request that breaks a business rule. `field` names the input at fault, if any."""

    http_status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        if code:
            self.code = code


class Conflict(DomainError):
    """The object changed under the caller (e.g. a concurrent transition)."""

    http_status = 409
    code = "conflict"


class NotPermitted(DomainError):
    """The actor may see the object but not take this action."""

    http_status = 403
    code = "not_permitted"
