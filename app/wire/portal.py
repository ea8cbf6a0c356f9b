"""The consumer portal: links an operator creates, the session they open, what the portal sends."""

from __future__ import annotations

import enum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    field_validator,
)

from app.wire.base import SfmcModel
from app.wire.callbacks import CallbackPatch
from app.wire.errors import refuse
from app.wire.subscriptions import SubscriptionIn, SubscriptionPatch

LINK_MIN_S, LINK_MAX_S = 3600, 7 * 86400
_ID = "8f14e45f-ceea-467a-9a36-dedd4bea2543"
_AT = "2024-03-21T09:00:00.000Z"
_SUB = "9e2f1c3b-7a4d-4e5f-8a6b-0c1d2e3f4a5b"


class Permission(enum.StrEnum):
    """What a portal session may do (Svix App Portal's names); ViewBase is always included."""

    VIEW_BASE = "ViewBase"  # see the link's callbacks, their health, attempts, the catalog
    VIEW_ENDPOINT_SECRET = "ViewEndpointSecret"  # noqa: S105 - read a callback's signing key
    MANAGE_ENDPOINT_SECRET = "ManageEndpointSecret"  # noqa: S105 - rotate it
    MANAGE_ENDPOINT = "ManageEndpoint"  # create, change, verify, delete; subscriptions
    CREATE_ATTEMPTS = "CreateAttempts"  # test events and replays


_CB, _SUB_SCOPE = "event_notification_callback_", "event_notification_subscription_"
# The scopes a link's creator must hold to grant each permission: a link gives nothing its
# creator could not do itself (the README's portal section lists them).
PERMISSION_SCOPES: dict[Permission, tuple[str, ...]] = {
    Permission.VIEW_BASE: (_CB + "read", _SUB_SCOPE + "read"),
    Permission.VIEW_ENDPOINT_SECRET: (_CB + "update",),
    Permission.MANAGE_ENDPOINT_SECRET: (_CB + "update",),
    Permission.MANAGE_ENDPOINT: (
        _CB + "update",
        _CB + "delete",
        _SUB_SCOPE + "create",
        _SUB_SCOPE + "update",
        _SUB_SCOPE + "delete",
    ),
    Permission.CREATE_ATTEMPTS: (_CB + "update",),
}
CREATE_CALLBACKS_SCOPES = (_CB + "create",)  # and mayCreateCallbacks (with ManageEndpoint)


def _name(value: str) -> str:
    if len(value) > 200:
        raise ValueError("too long")
    return value.strip()


_ERRORS: dict[str, str | tuple[str, str]] = {
    "callback_ids": "callbackIds must be an array of at most 100 callback ids",
    "may_create_callbacks": "mayCreateCallbacks must be true or false",
    "permissions": "permissions must be an array of " + ", ".join(p.value for p in Permission),
    "expires_in_seconds": f"expiresInSeconds must be an integer from {LINK_MIN_S} to {LINK_MAX_S}",
    "name": "name must be a string of at most 200 characters",
}


class PortalLinkIn(SfmcModel):
    """``POST /platform/v1/portal-links``: a one-time link to a portal over some callbacks."""

    error_messages = _ERRORS
    error_codes = dict.fromkeys(_ERRORS, 10001)

    callback_ids: Annotated[list[StrictStr], Field(max_length=100)] = Field(
        [], description="The account's callbacks the portal shows (may be empty)",
        examples=[[_ID]],
    )  # fmt: skip
    may_create_callbacks: StrictBool = Field(
        False, description="With ManageEndpoint: may register new callbacks (they join the link)",
        examples=[False],
    )  # fmt: skip
    permissions: list[Permission] = Field(
        [Permission.VIEW_BASE], description="ViewBase is implied", max_length=5,
        examples=[["ViewBase", "CreateAttempts"]],
    )  # fmt: skip
    expires_in_seconds: StrictInt = Field(
        86400, ge=LINK_MIN_S, le=LINK_MAX_S, description="1 hour to 7 days", examples=[86400]
    )
    name: Annotated[StrictStr, AfterValidator(_name), Field(max_length=200)] = Field(
        "", examples=["Orders team"]
    )

    @field_validator("permissions", mode="after")
    @classmethod
    def _with_base(cls, value: list[Permission]) -> list[Permission]:
        return [p for p in Permission if p in value or p is Permission.VIEW_BASE]

    def needs_scopes(self) -> tuple[str, ...]:
        """The scopes whoever creates this link must hold (``PERMISSION_SCOPES``)."""
        wanted = [scope for p in self.permissions for scope in PERMISSION_SCOPES[p]]
        if self.may_create_callbacks and Permission.MANAGE_ENDPOINT in self.permissions:
            wanted += CREATE_CALLBACKS_SCOPES
        return tuple(dict.fromkeys(wanted))


class PortalLinkOut(SfmcModel):
    """A portal link (never its code)."""

    id: str = Field(examples=["pl_6f1d2c3b4a5e6f708192a3b4"])
    name: str = Field(examples=["Orders team"])
    permissions: list[Permission] = Field(examples=[["ViewBase", "CreateAttempts"]])
    callback_ids: list[str] = Field(examples=[[_ID]])
    may_create_callbacks: bool = Field(examples=[False])
    created_at: str = Field(examples=[_AT])
    expires_at: str = Field(examples=["2024-03-22T09:00:00.000Z"])
    used_at: str | None = Field(description="When the one-time code was opened", examples=[None])
    revoked_at: str | None = Field(examples=[None])


class PortalLinkCreated(PortalLinkOut):
    """A new link: its URL holds the one-time code, shown here, once."""

    url: str = Field(examples=["https://tidings.example.com/portal/enter/Xq3…"])


class PortalLinkList(SfmcModel):
    """``GET /platform/v1/portal-links``: the account's links, newest first."""

    items: list[PortalLinkOut]


class PortalSession(SfmcModel):
    """``GET /portal/api/v1/session``: what this portal session may do, and its CSRF token."""

    permissions: list[Permission] = Field(examples=[["ViewBase"]])
    callback_ids: list[str] = Field(examples=[[_ID]])
    may_create_callbacks: bool = Field(examples=[False])
    expires_at: str = Field(examples=["2024-03-22T09:00:00.000Z"])
    csrf_token: str = Field(
        description="Send as X-CSRF-Token with every write", examples=["9f2c1d…"]
    )
    link_name: str = Field(
        description="The link's name (the account's own name is not shown to the link's team)",
        examples=["Orders team"],
    )


class SigningKey(SfmcModel):
    """``GET /portal/api/v1/callbacks/{callback_id}/secret``: the callback's signing key."""

    callback_id: str = Field(examples=[_ID])
    signature_key: str = Field(examples=["3q2+7w8c0bq6o0m4Yp0k9Yj6f2m6u9Q="])


_FROM_PATH = "Taken from the path (a value given here is ignored)"


def _from_path(raw: Any) -> str:
    """An id the path gives: the body may leave it out; it is replaced by the path's."""
    if raw is not None and not isinstance(raw, str):
        raise refuse("type", "must be a string: the path names it")
    return raw or ""


PathId = Annotated[str, BeforeValidator(_from_path)]


class PortalCallbackPatch(CallbackPatch):
    """``PATCH /portal/api/v1/callbacks/{callback_id}``: as ``PUT ens-callbacks`` takes one."""

    callback_id: PathId = Field("", description=_FROM_PATH, examples=[_ID])


class PortalSubscriptionIn(SubscriptionIn):
    """``POST /portal/api/v1/callbacks/{callback_id}/subscriptions``: as ``ens-subscriptions``
    takes them, each for the path's callback."""

    callback_id: PathId = Field("", description=_FROM_PATH, examples=[_ID])


class PortalSubscriptionPatch(SubscriptionPatch):
    """``PATCH …/subscriptions/{subscription_id}``: as ``PUT ens-subscriptions`` takes one."""

    subscription_id: PathId = Field("", description=_FROM_PATH, examples=[_SUB])
