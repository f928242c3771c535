from __future__ import annotations

import pytest

from correlator.paths import PathMapper, normalize_path

KNOWN = [
    "payments/processor.py",
    "orders/processor.py",
    "src/main/java/com/acme/orders/Validator.java",
    "app/util.py",
    "shop/__init__.py",
]


@pytest.mark.parametrize(
    ("runtime", "repo_path", "method"),
    [
        ("/srv/app/payments/processor.py", "payments/processor.py", "source_root"),
        ("/usr/src/app/app/util.py", "app/util.py", "source_root"),
        ("C:\\app\\payments\\processor.py", "payments/processor.py", "source_root"),
        ("/tmp/build-7/orders/processor.py", "orders/processor.py", "suffix_match"),
        ("com/acme/orders/Validator.java", "src/main/java/com/acme/orders/Validator.java", "suffix_match"),
        ("payments.processor", "payments/processor.py", "module_name"),
        ("shop", None, "unmapped"),
        ("/tmp/processor.py", None, "unmapped"),
        ("orders/processor.py", "orders/processor.py", "as_given"),
    ],
)
def test_mapping_with_known_files(runtime: str, repo_path: str | None, method: str) -> None:
    mapping = PathMapper(known_files=KNOWN).map(runtime)
    assert (mapping.repo_path, mapping.method) == (repo_path, method)
    assert mapping.runtime_path == runtime


def test_unknown_file_under_a_root_keeps_its_unverified_mapping() -> None:
    mapping = PathMapper(known_files=KNOWN).map("/srv/app/payments/refunds.py")
    assert (mapping.repo_path, mapping.method) == ("payments/refunds.py", "source_root")
    assert PathMapper(known_files=KNOWN).map("lib/helpers.py").method == "as_given"


def test_ambiguous_suffix_is_refused_not_guessed() -> None:
    # Two known files share the longest suffix "processor.py".
    assert PathMapper(known_files=KNOWN).map("/elsewhere/processor.py").repo_path is None


def test_configured_source_root_wins_and_dotdot_is_refused() -> None:
    mapper = PathMapper(source_roots=["/opt/svc"])
    assert mapper.map("/opt/svc/a/b.py").repo_path == "a/b.py"
    assert mapper.map("/opt/svc/../etc/passwd").repo_path is None
    assert mapper.map("/elsewhere/c.py").method == "unmapped"
    assert mapper.map("rel/d.py").method == "as_given"


def test_source_root_result_must_be_a_known_file() -> None:
    mapper = PathMapper(source_roots=["/srv/app"], known_files=["svc/payments/processor.py"])
    mapping = mapper.map("/srv/app/payments/processor.py")
    assert (mapping.repo_path, mapping.method) == ("svc/payments/processor.py", "suffix_match")


def test_normalize_path() -> None:
    assert normalize_path("C:\\app\\x\\.\\y.py") == "/app/x/y.py"
    assert normalize_path("file:///srv/app//a.py") == "/srv/app/a.py"
    assert normalize_path("a/./b.py") == "a/b.py"


def test_container_prefixes_can_be_left_for_a_later_check() -> None:
    # The stream's fan-out has no file index: a /srv/app path stays unmapped
    # there and is resolved against the known files by the resolve agent.
    deferred = PathMapper(source_roots=["/opt/svc"], container_prefixes=False)
    assert deferred.map("/srv/app/payments/processor.py").method == "unmapped"
    assert deferred.map("/opt/svc/payments/processor.py").repo_path == "payments/processor.py"
    assert deferred.map("payments/processor.py").method == "as_given"
    # Resolved later with the files of a monorepo, the suffix wins.
    later = PathMapper(known_files=["services/checkout/payments/processor.py"])
    assert later.map("/srv/app/payments/processor.py").repo_path == "services/checkout/payments/processor.py"


def test_a_memoizing_mapper_answers_as_a_fresh_one() -> None:
    paths = [
        "/srv/app/pay.py",
        "/opt/build/src/pay.py",
        "src/pay.py",
        "C:\\build\\src\\pay.py",
        "<frozen runpy>",
        "/usr/lib/python3.11/json/decoder.py",
        "../etc/passwd.py",
    ]
    fresh = PathMapper(source_roots=["/opt/build"], container_prefixes=False)
    memo = PathMapper(source_roots=["/opt/build"], container_prefixes=False, memo_size=3)
    for _ in range(3):  # beyond memo_size: the memo is cleared and refilled
        for path in paths:
            for module in (None, "shop.pay"):
                assert memo.map(path, module=module) == fresh.map(path, module=module)
    assert len(memo._memo) <= 3
