import pytest

from correlator.explain import _DETAILS, _PRIOR
from correlator.model import FEATURES
from hefesto_core.models import MatchReason


def test_every_feature_has_words():
    # A feature without an entry would be explained by its bare name.
    assert set(FEATURES) <= set(_DETAILS)


def test_the_shared_prior_cannot_be_changed():
    with pytest.raises(ValueError, match="frozen"):
        _PRIOR.detail = "changed"  # type: ignore[misc]
    assert isinstance(_PRIOR, MatchReason)
