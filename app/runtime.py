"""The running service's shared parts, started and stopped together by the app's lifespan."""

from __future__ import annotations

import dataclasses

import httpx

from app import clock, providers, scheduler
from app.delivery import client, dispatcher
from app.providers.sandbox import Sandbox
from app.providers.sms_gateway import SmsGateway
from app.providers.smtp import SmtpProvider
from app.services.access import auth, bootstrap, ratelimit
from app.services.sending import outbound
from app.services.wakeups import Wakeups
from app.services.webhooks import callbacks
from app.services.webhooks import listen as listen_streams
from app.services.webhooks.keys import KeyBox
from app.settings import ConfigError, Settings
from app.storage import listen, migrations
from app.storage.db import Db


@dataclasses.dataclass(kw_only=True)
class Runtime:
    settings: Settings
    db: Db
    auth: auth.Authenticator
    http: httpx.AsyncClient
    sandbox: Sandbox
    email: providers.EmailProvider
    sms: providers.SmsProvider
    sender: outbound.Sender
    keys: KeyBox
    poster: client.Poster
    dispatcher: dispatcher.Dispatcher
    callbacks: callbacks.Manager
    jobs: scheduler.Jobs
    now: clock.Clock
    limits: ratelimit.Limits
    wake: Wakeups
    listeners: listen_streams.Listeners
    listener: listen.Listener | None = None
    notifier: listen.Notifier | None = None  # the api role's wake-ups for other processes

    @classmethod
    async def start(
        cls, settings: Settings, *, say: bootstrap.Say = print, now: clock.Clock = clock.now_ms
    ) -> Runtime:
        db, key = await _prepared_db(settings, say=say, now=now)
        authenticator = auth.Authenticator(
            db,
            signing_key=key,
            token_ttl_s=settings.access_token_ttl_s,
            cache_ttl_s=settings.auth_cache_ttl_s,
            now=now,
        )
        http = httpx.AsyncClient(timeout=10.0, follow_redirects=False)
        sandbox = Sandbox(domain=settings.envelope_domain)
        email, sms = _providers(settings, sandbox, http)
        keys = KeyBox(settings.secret_key)
        poster = client.Poster(
            allow_private=settings.allow_private_callbacks,
            concurrency=settings.webhook_concurrency,
        )
        webhooks = dispatcher.Dispatcher(db, poster, keys, settings, now=now)
        sender = outbound.Sender(
            db,
            email=email,
            sms=sms,
            settings=settings,
            now=now,
            on_outcome=webhooks.wake_for_outcomes,
        )
        notifier = listen.Notifier(db) if settings.role == "api" else None
        wake = (
            Wakeups(sender=sender.wake, dispatcher=webhooks.wake)
            if notifier is None  # this process works: it wakes its own workers
            else Wakeups(sender=notifier.sends, dispatcher=notifier.outbox)
        )
        manager = callbacks.Manager(db, keys, poster, settings, now, wake=wake)
        jobs = scheduler.Jobs(db, wake, settings, now=now)
        listener = None
        if notifier is None:
            listener = await _listening(db, settings, wake)
            sender.start()
            webhooks.start()
            jobs.start()
        return cls(
            settings=settings,
            db=db,
            auth=authenticator,
            http=http,
            sandbox=sandbox,
            email=email,
            sms=sms,
            sender=sender,
            keys=keys,
            poster=poster,
            dispatcher=webhooks,
            callbacks=manager,
            jobs=jobs,
            now=now,
            limits=ratelimit.Limits.of(settings, now),
            wake=wake,
            listeners=listen_streams.Listeners(settings.listen_per_account),
            listener=listener,
            notifier=notifier,
        )

    async def stop(self) -> None:
        await self.jobs.stop()
        if self.listener is not None:
            await self.listener.stop()
        if self.notifier is not None:
            await self.notifier.stop()
        await self.sender.stop()
        await self.dispatcher.stop()
        await self.poster.close()
        await self.email.close()
        await self.http.aclose()
        await self.db.disconnect()


def check_role(settings: Settings) -> None:
    """``api`` and ``worker`` need PostgreSQL: SQLite has one process (``serve`` checks this
    before it starts, so the operator gets one line, not a start-up traceback)."""
    if settings.role != "all" and not settings.database_url.startswith("postgresql"):
        raise ConfigError(f"role {settings.role} needs PostgreSQL: SQLite has one process")


async def _prepared_db(
    settings: Settings, *, say: bootstrap.Say, now: clock.Clock
) -> tuple[Db, bytes]:
    """The database connected, migrated and bootstrapped, and the access-token signing key."""
    check_role(settings)
    db = Db(settings.database_url, busy_timeout_s=settings.db_busy_timeout_s)
    await db.connect()
    try:
        await migrations.apply(db)
        async with db.exclusive():
            await bootstrap.run(db, settings, say=say, now=now())
        key = await auth.load_signing_key(db, settings.secret_key, now=now())
    except BaseException:
        await db.disconnect()
        raise
    return db, key


def _providers(
    settings: Settings, sandbox: Sandbox, http: httpx.AsyncClient
) -> tuple[providers.EmailProvider, providers.SmsProvider]:
    """SMTP and the SMS gateway when configured, else the sandbox for each."""
    email: providers.EmailProvider = sandbox
    if settings.smtp_url:
        email = SmtpProvider(
            settings.smtp_url,
            bounce_domain=settings.envelope_domain,
            concurrency=settings.send_concurrency,
        )
    sms: providers.SmsProvider = sandbox
    if settings.sms_gateway_url:
        sms = SmsGateway(
            settings.sms_gateway_url,
            client=http,
            authorization=settings.sms_gateway_authorization,
        )
    return email, sms


async def _listening(db: Db, settings: Settings, wake: Wakeups) -> listen.Listener | None:
    """PostgreSQL NOTIFY from other processes wakes the dispatcher, or the sender when an
    API-only process queued sends (SQLite has one process)."""
    if db.dialect != "postgresql":
        return None
    wakes = {listen.CHANNEL: wake.dispatcher, listen.SENDS: wake.sender}
    listener = listen.Listener(settings.database_url, wakes, db.token)
    await listener.start()
    return listener
