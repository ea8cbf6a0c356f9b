"""OAuth2 client credentials (RFC 6749 4.4) at /v2/token, and who a token belongs to."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from app.wire.base import BroadcastModel, SfmcModel
from app.wire.errors import refuse

_CLIENT_ID = ("invalid_request", "client_id is required and must be a string.")
_BAD_CLIENT = ("invalid_client", "Client authentication failed.")


def _grant_type(value: Any) -> Any:
    if not value:
        raise refuse("invalid_request", "grant_type is required.")
    if value != "client_credentials":
        raise refuse("unsupported_grant_type", "Only grant_type=client_credentials is supported.")
    return value


def _account_id(value: Any) -> int | None:
    if value is None or value == "":
        return None
    text = str(value)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | str)
        or not (text.isascii() and text.isdigit())
    ):
        raise refuse("invalid_request", "account_id must be a numeric MID.")
    return int(text)


class TokenIn(BroadcastModel):
    """``POST /v2/token``, as JSON or a form; the first failing field is the error."""

    error_messages = {
        "grant_type": ("invalid_request", "grant_type is required."),
        "client_id": _CLIENT_ID,
        "client_secret": _BAD_CLIENT,
        "scope": ("invalid_request", "scope must be a space-separated string."),
    }
    not_an_object = "The body must be a JSON object or a form."

    grant_type: Annotated[Literal["client_credentials"], BeforeValidator(_grant_type)] = Field(
        description="Always client_credentials", examples=["client_credentials"]
    )
    client_id: str = Field(min_length=1, examples=["my-app"])
    client_secret: str = Field(min_length=1, examples=["s3cret-0123456789abcdef"])
    scope: str | None = Field(
        None, examples=["email_send email_read"],
        description="Space-separated scopes, a subset of the client's (omitted: all of them; "
        "empty: none)",
    )  # fmt: skip
    account_id: Annotated[int | None, BeforeValidator(_account_id)] = Field(
        None, description="The client's own account (MID), as a number or digits",
        examples=[1],
    )  # fmt: skip


class TokenOut(BroadcastModel):
    """An access token, in the fields SFMC clients read."""

    access_token: str = Field(examples=["eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"])
    token_type: str = Field(examples=["Bearer"])
    expires_in: int = Field(description="Lifetime in seconds", examples=[1080])
    scope: str = Field(description="The granted scopes, space-separated",
                       examples=["email_send email_read"])  # fmt: skip
    rest_instance_url: str = Field(examples=["https://tidings.example.com/"])
    soap_instance_url: str = Field(examples=["https://tidings.example.com/"])


class ContextId(SfmcModel):
    id: int | str | None = Field(examples=[1])


class ContextApplication(SfmcModel):
    client_id: str | None = Field(description="The OAuth client, if any", examples=["my-app"])
    token_id: str | None = Field(description="The API token, if any", examples=[None])


class TokenContextOut(SfmcModel):
    """``GET /platform/v1/tokenContext``: the account and scopes behind the bearer."""

    enterprise: ContextId
    organization: ContextId
    user: ContextId
    application: ContextApplication
    scopes: list[str] = Field(examples=[["email_read", "email_send"]])
