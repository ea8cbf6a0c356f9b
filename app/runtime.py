"""The running service's shared parts, started and stopped together by the app's lifespan."""

from __future__ import annotations

import dataclasses

from app import clock
from app.services import auth, bootstrap
from app.settings import Settings
from app.storage import migrations
from app.storage.db import Db


@dataclasses.dataclass
class Runtime:
    settings: Settings
    db: Db
    auth: auth.Authenticator

    @classmethod
    async def start(
        cls, settings: Settings, *, say: bootstrap.Say = print, now: clock.Clock = clock.now_ms
    ) -> Runtime:
        db = Db(settings.database_url, busy_timeout_s=settings.db_busy_timeout_s)
        await db.connect()
        try:
            await migrations.apply(db)
            async with db.exclusive():
                await bootstrap.run(db, settings, say=say)
            key = await auth.load_signing_key(db, settings.secret_key)
        except BaseException:
            await db.disconnect()
            raise
        authenticator = auth.Authenticator(
            db,
            signing_key=key,
            token_ttl_s=settings.access_token_ttl_s,
            cache_ttl_s=settings.auth_cache_ttl_s,
            now=now,
        )
        return cls(settings=settings, db=db, auth=authenticator)

    async def stop(self) -> None:
        await self.db.disconnect()
