"""Logging: text or JSON lines (``TIDINGS_LOG_FORMAT``), each carrying the request id.

The request id comes from a sane ``X-Request-Id`` header or is made up, is echoed in the
response, and is set in a context variable for the request's task, so every line logged
while handling it (and the access line) carries it. Nothing logs request bodies, query
strings or headers, so credentials and signing keys never reach the log.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
from typing import Any

import orjson
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import ids

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
access = logging.getLogger("tidings.access")


class _WithRequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class _SchedulerAtDebug(logging.Filter):
    """APScheduler reports each job run at INFO, two lines a sweep; they are DEBUG here."""

    def __init__(self, level: str) -> None:
        super().__init__()
        self.level: int = logging.getLevelNamesMapping()[level.upper()]

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("apscheduler.") and record.levelno == logging.INFO:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return record.levelno >= self.level
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line).decode()


def config(level: str, fmt: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for uvicorn's ``log_config``: everything to stderr."""
    formatter: dict[str, Any] = (
        {"()": JsonFormatter}
        if fmt == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    )
    quiet = {"level": level.upper(), "handlers": ["stderr"], "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": _WithRequestId},
            "scheduler": {"()": _SchedulerAtDebug, "level": level},
        },
        "formatters": {"default": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
                "filters": ["request_id", "scheduler"],
            }
        },
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {
            "uvicorn": quiet,
            "uvicorn.error": quiet,
            # uvicorn.access is switched off by serve (access_log=False): tidings.access replaces
            # it, and a level set here would not hold (uvicorn resets it to its log_level).
        },
    }


class Watch:
    """Watches one HTTP response go out: the status it started with (500 until one does),
    the seconds since the request came, and ``headers`` added to it. Pass ``send`` on."""

    def __init__(self, send: Send, headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
        self._send, self._headers = send, headers
        self.status = 500
        self._started = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self._started

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            if self._headers:
                message["headers"] = [*message.get("headers", []), *self._headers]
        await self._send(message)


def _logged_path(path: str) -> str:
    """The path as logged: a portal link's one-time code is left out."""
    if path.startswith(_PORTAL_ENTER):
        return _PORTAL_ENTER + "…"
    return path


_PORTAL_ENTER = "/portal/enter/"


class RequestLog:
    """Sets the request id, echoes it as ``X-Request-Id``, and logs one access line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _SANE_ID.fullmatch(given) else ids.hex32()
        token = request_id.set(rid)
        watch = Watch(send, ((b"x-request-id", rid.encode()),))
        try:
            await self.app(scope, receive, watch.send)
        except ClientDisconnect:
            # Gone mid-body, or cut off by TIDINGS_BODY_TIMEOUT_S: nobody is left to answer, and
            # it is not the server's fault, so it is one access line (nginx's 499), no traceback.
            watch.status = 499
        finally:
            if access.isEnabledFor(logging.INFO):
                status, took_ms = watch.status, round(watch.seconds * 1000, 1)
                client, path = scope.get("client"), _logged_path(scope["path"])
                access.info(
                    "%s %s %d %.1f ms", scope["method"], path, status, took_ms,
                    extra={"fields": {"method": scope["method"], "path": path,
                                      "status": status, "duration_ms": took_ms,
                                      "client": client[0] if client else None}},
                )  # fmt: skip
            request_id.reset(token)
