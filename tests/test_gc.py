"""A served app freezes what start-up made and collects its young generation less often."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from app.main import GC_YOUNG_THRESHOLD, create_app
from app.settings import Settings


@pytest.fixture
def restored_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.parametrize("tuned", [True, False])
async def test_a_served_app_settles_the_collector_once_started_and_a_test_app_does_not(
    tmp_path: object, restored_gc: None, tuned: bool
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/gc.db")
    gc.unfreeze()
    app = create_app(settings, say=lambda *_: None, tune_gc=tuned)
    async with app.router.lifespan_context(app):
        frozen, young = gc.get_freeze_count(), gc.get_threshold()[0]
    if tuned:
        assert frozen > 10_000 and young == GC_YOUNG_THRESHOLD
    else:
        assert frozen == 0 and young != GC_YOUNG_THRESHOLD
