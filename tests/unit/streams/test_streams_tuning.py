from __future__ import annotations

import pytest
from aiokafka import codec
from pydantic import ValidationError

from streams.tuning import load_tuning


def test_compression_defaults_to_none_and_gzip_needs_nothing_more():
    assert load_tuning().producer_compression == "none"
    assert load_tuning(producer_compression="gzip").producer_compression == "gzip"


def test_a_codec_that_is_not_installed_is_refused_when_the_settings_are_read(monkeypatch):
    # aiokafka itself would only fail when the worker's producer starts.
    monkeypatch.setattr(codec, "cramjam", None)
    with pytest.raises(ValidationError, match="needs the Python package 'cramjam'"):
        load_tuning(producer_compression="lz4")


def test_an_unknown_codec_is_refused():
    with pytest.raises(ValidationError):
        load_tuning(producer_compression="brotli")
