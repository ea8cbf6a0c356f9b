"""SMS through a generic HTTP JSON gateway, on the shared httpx client."""

from __future__ import annotations

import httpx

from app.providers import Result, Sms


class SmsGateway:
    """POSTs ``{to, from, message, messageId, countryCode}``.

    2xx is sent, 4xx rejected (except 408/429), anything else is retried.
    """

    def __init__(self, url: str, *, client: httpx.AsyncClient, authorization: str = "") -> None:
        self._url = url
        self._client = client
        self._headers = {"Authorization": authorization} if authorization else {}

    async def send_sms(self, sms: Sms) -> Result:
        payload = {
            "to": sms.to,
            "from": sms.sender,
            "message": sms.text,
            "messageId": sms.message_id,
            "countryCode": sms.country_code,
        }
        try:
            response = await self._client.post(self._url, json=payload, headers=self._headers)
        except httpx.HTTPError as exc:
            return Result("deferred", f"{type(exc).__name__}: {exc}")
        excerpt = response.text[:200]
        if response.is_success:
            provider_id = _gateway_id(response)
            return Result("sent", excerpt, provider_id=provider_id)
        if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
            return Result("rejected", f"gateway {response.status_code}: {excerpt}")
        return Result("deferred", f"gateway {response.status_code}: {excerpt}")

    async def close(self) -> None:
        return None


def _gateway_id(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    value = body.get("id") if isinstance(body, dict) else None
    return None if value is None else str(value)
