"""Content assets (the Content Builder stand-in): the create/update request and the asset."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, model_validator

from app.wire import validate
from app.wire.base import SfmcModel
from app.wire.errors import refuse

ASSET_TYPES = {208: "htmlemail", 207: "templatebasedemail", 209: "textonlyemail"}
TYPE_IDS = {name: type_id for type_id, name in ASSET_TYPES.items()} | {"textonly": 209}
_TYPE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"id": {"enum": sorted(ASSET_TYPES)}, "name": {"enum": sorted(TYPE_IDS)}},
}
_NOT_ONE_LINE = "views.subjectline must be one line, without line breaks or control characters"


def _asset_type(value: Any) -> str:
    """``{id: 208}`` or ``{name: "htmlemail"}`` (or 207/209) as the type's name."""
    if value is None:
        return "htmlemail"
    if isinstance(value, dict):  # an id or name of another type ({} or []) is no type either
        type_id, name = value.get("id"), value.get("name")
        if isinstance(type_id, int) and type_id in ASSET_TYPES:
            return ASSET_TYPES[type_id]
        if isinstance(name, str) and name in TYPE_IDS:
            return ASSET_TYPES[TYPE_IDS[name]]
    raise refuse("format", "assetType must be {id: 208, name: htmlemail} (or 207/209)", code=10005)


def _views(value: Any) -> Any:
    if not value:
        return {}
    if not isinstance(value, dict):
        raise refuse("type", "views must be an object", code=10001)
    for names in _VIEW_NAMES:  # in this order, each part's first view with content wins
        for name in names:
            view = value.get(name)
            if isinstance(view, dict) and isinstance(view.get("content"), str):
                break
            if view is not None and not isinstance(view, dict):
                raise refuse("type", f"views.{name} must be an object with content", code=10001)
    return value


def _content(value: Any) -> Any:
    """A view whose content is not a string counts as absent, as before."""
    return value if isinstance(value, str) else None


def _required(name: str) -> Any:
    def check(value: Any) -> Any:
        if not isinstance(value, str) or not value.strip():
            raise refuse("blank", f"{name} is required", code=10002)
        return value

    return BeforeValidator(check)


def _customer_key(value: Any) -> Any:
    if not isinstance(value, str) or not value:
        raise refuse("blank", "customerKey is required", code=10002)
    if len(value) > 200:
        raise refuse("length", "customerKey must be at most 200 characters", code=10005)
    return value


class View(SfmcModel):
    content: Annotated[str | None, BeforeValidator(_content)] = Field(
        None, description="The view's text (not a string: the view is left empty)",
        examples=["<p>Hello %%FirstName%%</p>"],
    )  # fmt: skip


class Views(SfmcModel):
    """The asset's parts; each holds ``{content}``. ``subjectLine`` is read as
    ``subjectline``; a ``html`` view without ``text`` regenerates the text view."""

    subjectline: View | None = Field(None, examples=[{"content": "Your order %%OrderNo%%"}])
    subject_line: View | None = Field(None, alias="subjectLine", examples=[None])
    preheader: View | None = Field(None, examples=[{"content": "Thanks, %%FirstName%%"}])
    html: View | None = Field(None, examples=[{"content": "<p>Hello %%FirstName%%</p>"}])
    text: View | None = Field(None, examples=[{"content": "Hello %%FirstName%%"}])


NO_VIEWS = Views.model_validate({})
_VIEW_NAMES = (("subjectline", "subjectLine"), ("preheader",), ("html",), ("text",))


class AssetType(SfmcModel):
    id: int = Field(description="208 htmlemail, 207 templatebasedemail, 209 textonlyemail",
                    examples=[208])  # fmt: skip
    name: str = Field(examples=["htmlemail"])


def view_text(views: Views, *names: str) -> str | None:
    """The first of ``names``' views with content ("" when present without), None if absent."""
    for name in names:
        view = getattr(views, name)
        if view is not None and view.content is not None:
            return str(view.content)
    return "" if views.model_fields_set & set(names) else None


class AssetIn(SfmcModel):
    """``POST /asset/v1/content/assets``: an email's content, rendered with %%attributes%%."""

    not_an_object = "The request body must be a JSON object"
    not_an_object_code = 10001
    error_messages = {"name": "name is required", "customer_key": "customerKey is required"}
    error_codes = {"name": 10002, "customer_key": 10002}

    views: Annotated[Views, BeforeValidator(_views)] = Field(
        default=NO_VIEWS, examples=[{"subjectline": {"content": "Your order %%OrderNo%%"},
                                          "html": {"content": "<p>Hello %%FirstName%%</p>"}}],
    )  # fmt: skip
    asset_type: Annotated[str, BeforeValidator(_asset_type)] = Field(
        "htmlemail", examples=[{"id": 208, "name": "htmlemail"}],
        json_schema_extra=_TYPE_SCHEMA,
        description="{id: 208, name: htmlemail} (or 207 templatebasedemail, 209 textonlyemail)",
    )  # fmt: skip
    name: Annotated[str, _required("name")] = Field(examples=["Order confirmation"])
    customer_key: Annotated[str, BeforeValidator(_customer_key)] = Field(
        max_length=200, description="The asset's key, unique in the account",
        examples=["order-confirm-content"],
    )  # fmt: skip

    @model_validator(mode="after")
    def _one_line_subject(self) -> AssetIn:
        subject = view_text(self.views, "subjectline", "subject_line")
        if subject is not None and not validate.is_single_line(subject):
            raise refuse("format", _NOT_ONE_LINE, code=10005)
        return self


class AssetPatch(SfmcModel):
    """``PATCH /asset/v1/content/assets/{id}``: the fields given replace the asset's."""

    not_an_object = AssetIn.not_an_object
    not_an_object_code = 10001

    views: Annotated[Views | None, BeforeValidator(_views)] = Field(
        None, examples=[{"html": {"content": "<p>Hi %%FirstName%%</p>"}}]
    )
    asset_type: Annotated[str, BeforeValidator(_asset_type)] = Field(
        "htmlemail", examples=[{"id": 208, "name": "htmlemail"}],
        json_schema_extra=_TYPE_SCHEMA,
        description="{id: 208, name: htmlemail} (or 207/209)",
    )  # fmt: skip
    name: Annotated[str | None, _required("name")] = Field(None, examples=["Order shipped"])
    customer_key: Annotated[str | None, BeforeValidator(_customer_key)] = Field(
        None, max_length=200, examples=["order-shipped-content"]
    )

    @model_validator(mode="after")
    def _one_line_subject(self) -> AssetPatch:
        subject = view_text(self.views or NO_VIEWS, "subjectline", "subject_line")
        if subject is not None and not validate.is_single_line(subject):
            raise refuse("format", _NOT_ONE_LINE, code=10005)
        return self


class AssetOut(SfmcModel):
    """A content asset, as Content Builder shows it."""

    id: int = Field(examples=[1])
    customer_key: str = Field(examples=["order-confirm-content"])
    name: str = Field(examples=["Order confirmation"])
    asset_type: AssetType
    views: dict[str, View] = Field(
        description="subjectline, preheader, html and text, each {content}",
        examples=[{"subjectline": {"content": "Your order"}, "html": {"content": "<p>Hi</p>"}}],
    )
    created_date: str = Field(examples=["2024-03-21T09:00:00.000Z"])
    modified_date: str = Field(examples=["2024-03-21T09:00:00.000Z"])


class AssetPage(SfmcModel):
    """``GET /asset/v1/content/assets``: one page, or the one asset a key filter names."""

    count: int = Field(description="Assets in all pages", examples=[1])
    page: int = Field(examples=[1])
    page_size: int = Field(examples=[50])
    items: list[AssetOut]


class AssetDeleted(SfmcModel):
    id: int = Field(examples=[1])
    deleted: bool = Field(examples=[True])
