from __future__ import annotations

import pytest

from correlator import FindingsFormatError, findings_from_document, model
from correlator.compat import Compat, Family, compat, families_of
from correlator.features import short_name

from .conftest import make_finding


def test_every_feature_has_one_weight_and_signs_hold() -> None:
    assert set(model.WEIGHTS) == set(model.FEATURES)
    assert len(model.WEIGHT_VECTOR) == len(model.FEATURES)
    for name in model.NONNEGATIVE:
        assert model.WEIGHTS[name] >= 0, name
    for name in model.NONPOSITIVE:
        assert model.WEIGHTS[name] <= 0, name
    assert set(model.FITTED_FEATURES) | set(model.PRIOR_WEIGHTS) == set(model.FEATURES)


def test_sigmoid_is_safe_at_the_extremes() -> None:
    assert model.sigmoid(1000.0) == 1.0
    assert model.sigmoid(-1000.0) == 0.0
    assert model.sigmoid(0.0) == 0.5


@pytest.mark.parametrize(
    ("error", "family"),
    [
        (("AttributeError", "'NoneType' object has no attribute 'x'"), Family.NONE),
        (("TypeError", "'NoneType' object is not subscriptable"), Family.NONE),
        (("java.lang.NullPointerException", None), Family.NONE),
        (("TypeError", "Cannot read properties of undefined (reading 'id')"), Family.NONE),
        (("panic", "runtime error: invalid memory address or nil pointer dereference"), Family.NONE),
        (("IndexError", "list index out of range"), Family.INDEX),
        (("panic", "runtime error: index out of range [0] with length 0"), Family.INDEX),
        (("sqlite3.OperationalError", 'near "Neil": syntax error'), Family.SQL),
        (("OperationalError", "database is locked"), Family.RESOURCE),
        (("TimeoutError", "timed out"), Family.TIMEOUT),
        (("UnboundLocalError", "cannot access local variable 'x'"), Family.UNBOUND),
        (("OOMKilled", "exit code 137"), Family.MEMORY),
    ],
)
def test_families(error, family) -> None:
    assert family in families_of([error])


def test_database_lock_is_not_a_sql_syntax_error() -> None:
    assert Family.SQL not in families_of([("sqlite3.OperationalError", "database is locked")])


def test_compat_table() -> None:
    none = frozenset({Family.NONE})
    assert compat("POSSIBLE_NONE_DEREFERENCE", none) is Compat.EXPLAINED
    assert compat("UNCHECKED_INDEX", none) is Compat.RELATED
    assert compat("HARDCODED_SECRET", none) is Compat.UNEXPLAINED
    assert compat("SOME_IMPORTED_RULE", none) is Compat.UNKNOWN
    assert compat("POSSIBLE_NONE_DEREFERENCE", frozenset()) is Compat.UNKNOWN
    assert compat("HIGH_COMPLEXITY", frozenset({Family.TIMEOUT})) is Compat.RELATED


def test_findings_documents() -> None:
    f = make_finding().model_dump(mode="json")
    analysis = {"schema_version": 1, "files": [{"file_path": "shop/processor.py", "findings": [f]}]}
    assert [x.finding_id for x in findings_from_document(analysis)] == ["f-none-42"]
    assert len(findings_from_document([f, f])) == 2
    assert len(findings_from_document({"findings": [f]})) == 1
    with pytest.raises(FindingsFormatError, match=r"files\[0\]\.findings\[0\]"):
        findings_from_document({"files": [{"findings": [{**f, "line_start": 0}]}]})
    with pytest.raises(FindingsFormatError):
        findings_from_document({"something": 1})
    with pytest.raises(FindingsFormatError):
        findings_from_document("text")


def test_sarif_documents_go_through_the_sarif_importer() -> None:
    sarif = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "ruff", "rules": [{"id": "S608"}]}},
                "results": [
                    {
                        "ruleId": "S608",
                        "level": "error",
                        "message": {"text": "Possible SQL injection"},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": "shop/db.py"},
                                    "region": {"startLine": 12},
                                }
                            }
                        ],
                    }
                ],
            }
        ],
    }
    found = findings_from_document(sarif, repo="acme/shop")
    assert [(x.file_path, x.line_start, x.repo) for x in found] == [("shop/db.py", 12, "acme/shop")]


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("payments.processor.Processor.charge", "charge"),
        ("Processor.charge", "charge"),
        ("main.(*Server).handle", "handle"),
        ("async charge", "charge"),
        ("Layer.handle [as handle_request]", "handle"),
        ("com.acme.Cls$Inner.run", "run"),
        ("Object.<anonymous>", None),
        ("<module>", None),
        ("main.main.func1", None),
        (None, None),
    ],
)
def test_short_name(name: str | None, short: str | None) -> None:
    assert short_name(name) == short
