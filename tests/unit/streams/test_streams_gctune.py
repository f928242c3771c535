import gc

import pytest

from streams.gctune import GC_PAUSE, configure_gc


@pytest.fixture
def restore_gc():
    threshold, callbacks = gc.get_threshold(), list(gc.callbacks)
    yield
    gc.set_threshold(*threshold)
    gc.callbacks[:] = callbacks


def _sample(generation: int, suffix: str) -> float:
    for metric in GC_PAUSE.collect():
        for sample in metric.samples:
            if sample.name.endswith(suffix) and sample.labels["generation"] == str(generation):
                return sample.value
    return 0.0


@pytest.mark.usefixtures("restore_gc")
def test_sets_generation_zero_only_and_times_collections():
    _, gen1, gen2 = gc.get_threshold()
    configure_gc(gen0_threshold=12_345)
    assert gc.get_threshold() == (12_345, gen1, gen2)
    count, total = _sample(2, "_count"), _sample(2, "_sum")
    gc.collect()
    assert _sample(2, "_count") == count + 1
    assert _sample(2, "_sum") > total


@pytest.mark.usefixtures("restore_gc")
def test_none_keeps_the_threshold_and_the_timer_is_added_once():
    threshold = gc.get_threshold()
    configure_gc(gen0_threshold=None)
    configure_gc(gen0_threshold=None)
    assert gc.get_threshold() == threshold
    assert sum(type(cb).__name__ == "_PauseTimer" for cb in gc.callbacks) == 1
