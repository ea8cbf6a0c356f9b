"""Domain errors: raised deep in services, turned into HTTP bodies once, in ``app.api.errors``."""

from __future__ import annotations

from typing import Any

from app import settings


class TidingsError(Exception):
    """Base of every error a caller of the API can cause."""

    def __init__(self, message: str, *, code: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.code = code  # the SFMC errorcode, where the API has one
        self.details: dict[str, Any] = {}  # extra fields for the error body


class Invalid(TidingsError):
    """The request is malformed or breaks a validation rule (400)."""

    def __init__(self, message: str, *, code: int = 10000, field: str | None = None) -> None:
        super().__init__(message, code=code)
        self.field = field


class InvalidFields(Invalid):
    """Several fields fail at once; Broadcast-style APIs name every one (422 ``errors``)."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        name, problems = next(iter(fields.items()))
        super().__init__(f"{name} {problems[0]}", field=name)
        self.fields = fields


class NotFound(TidingsError):
    """The thing does not exist for this account (404)."""

    def __init__(self, message: str, *, code: int = 30003) -> None:
        super().__init__(message, code=code)


class Conflict(TidingsError):
    """The thing exists already, or its state forbids the change (409)."""

    def __init__(self, message: str, *, code: int = 30004) -> None:
        super().__init__(message, code=code)


class Unauthenticated(TidingsError):
    """No credential, or one that is unknown, expired or revoked (401)."""

    def __init__(self, message: str = "Not Authorized") -> None:
        super().__init__(message, code=0)


class Forbidden(TidingsError):
    """The credential is valid but lacks the scope the route needs (403)."""

    def __init__(self, message: str, *, code: int = 20002) -> None:
        super().__init__(message, code=code)


class TooLarge(TidingsError):
    """The request body is over the configured limit (413)."""

    def __init__(self, limit_bytes: int) -> None:
        super().__init__(f"The request body is over the limit of {limit_bytes} bytes", code=10006)


class RateLimited(TidingsError):
    """Too many requests for this client, account or address (429, with Retry-After)."""

    def __init__(self, what: str, retry_after_s: int) -> None:
        super().__init__(f"Rate limit exceeded for this {what}; retry after {retry_after_s} s",
                         code=50100)  # fmt: skip
        self.retry_after_s = retry_after_s


class Unavailable(TidingsError):
    """The database cannot take the request now (down, locked past the timeout, full): 503."""

    def __init__(self, message: str = "The database is unavailable; retry later") -> None:
        super().__init__(message, code=0)
        self.retry_after_s = 1


class OAuthError(TidingsError):
    """An RFC 6749 token-endpoint error: ``invalid_client`` is 401, the rest 400."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.status = 401 if error == "invalid_client" else 400


class StorageUnavailable(Exception):
    """A database driver failed in a way a retry can fix (down, restarting, locked past the busy
    timeout, disk full). ``app.storage`` raises it, the driver's exception chained; the API
    answers 503."""


# Defined with the settings, which import nothing of the app; raised by other start-up code too.
ConfigError = settings.ConfigError
