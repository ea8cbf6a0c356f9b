"""The one place domain errors become HTTP bodies, in the shape of the API being answered."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from app import errors
from app.api.http import JSONResponse

_STATUS: dict[type[errors.TidingsError], int] = {
    errors.Invalid: 400,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.TooLarge: 413,
    errors.RateLimited: 429,
    errors.Unavailable: 503,
}
log = logging.getLogger("tidings.api")

_SYNTAX = (10004, 10005)

# fuel-rest re-authenticates only when a 401 carries this header.
_INVALID_TOKEN = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


def sfmc_body(message: str, code: int) -> dict[str, object]:
    return {"message": message, "errorcode": code, "documentation": ""}


def _broadcast_style(request: Request) -> bool:
    """Routes under /api/v1 answer in Broadcast's dialect: 422 ``errors`` or ``error``."""
    return request.url.path.startswith("/api/v1/")


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.TidingsError)
    if isinstance(exc, errors.OAuthError):
        return JSONResponse(
            {"error": exc.error, "error_description": exc.message}, status_code=exc.status
        )
    status = _status(exc)
    headers = _INVALID_TOKEN if status == 401 else None
    if isinstance(exc, errors.RateLimited | errors.Unavailable):
        headers = {"Retry-After": str(exc.retry_after_s)}
    if _broadcast_style(request):
        return _broadcast_error(exc, status, headers)
    body = sfmc_body(exc.message, exc.code) | exc.details
    return JSONResponse(body, status_code=status, headers=headers)


def _broadcast_error(
    exc: errors.TidingsError, status: int, headers: dict[str, str] | None
) -> Response:
    if not isinstance(exc, errors.Invalid):
        return JSONResponse({"error": exc.message}, status_code=status, headers=headers)
    if isinstance(exc, errors.InvalidFields):
        fields = exc.fields
    else:
        fields = {exc.field or "base": [exc.message]}
    # An unparseable body (10004) or a bad query parameter (10005) is 400; a wrong value in
    # a body is 422, as in Rails.
    return JSONResponse({"errors": fields}, status_code=400 if exc.code in _SYNTAX else 422)


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 in the API's envelope instead of plain text."""
    assert isinstance(exc, HTTPException)
    body = {"error": exc.detail} if _broadcast_style(request) else sfmc_body(exc.detail, 0)
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


def _status(exc: errors.TidingsError) -> int:
    for kind in type(exc).__mro__:
        if kind in _STATUS:
            return _STATUS[kind]
    return 400


async def storage_error(request: Request, exc: Exception) -> Response:
    """The database failed in a way a retry can fix: 503 in the API's shape, never a 500.

    Nothing was acknowledged: the request's transaction did not commit. A programming error
    (bad SQL) is not converted by storage and stays a 500, so that it is noticed.
    """
    cause = exc.__cause__ or exc
    log.warning("database unavailable: %s: %s", type(cause).__name__, cause)
    return await domain_error(request, errors.Unavailable())


HANDLERS = {
    errors.TidingsError: domain_error,
    HTTPException: http_error,
    errors.StorageUnavailable: storage_error,
}
