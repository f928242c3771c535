from __future__ import annotations

import pytest

from correlator import InvalidArgumentError, locate

from .conftest import PY_TRACE, make_alert

KNOWN = {"shop/processor.py", "shop/api.py"}


def test_trace_frames_are_in_app_innermost_first_with_depth() -> None:
    location = locate(make_alert(), known_files=KNOWN)
    assert [(f.file_path, f.line_number, f.depth) for f in location.frames] == [
        ("shop/processor.py", 42, 0),
        ("shop/api.py", 20, 1),
    ]
    assert location.error_type == "AttributeError"
    assert location.has_location


def test_explicit_frames_win_over_the_trace() -> None:
    alert = make_alert(
        frames=[
            {"file_path": "/srv/app/shop/api.py", "line_number": 5, "function_name": "h"},
            {"file_path": "/usr/lib/python3.11/json/decoder.py", "line_number": 337},
            {"file_path": "/srv/app/shop/processor.py", "line_number": 7, "in_app": False},
        ]
    )
    location = locate(alert, known_files=KNOWN)
    assert [(f.file_path, f.line_number) for f in location.frames] == [("shop/api.py", 5)]


def test_file_path_and_line_win_over_the_trace() -> None:
    alert = make_alert(file_path="/srv/app/shop/api.py", line_number=99, function_name="handle")
    location = locate(alert, known_files=KNOWN)
    assert [(f.file_path, f.line_number, f.function_name) for f in location.frames] == [
        ("shop/api.py", 99, "handle")
    ]
    # The error still comes from the trace when the alert lacks it.
    assert location.error_message == "'NoneType' object has no attribute 'card'"


def test_alert_error_fields_win_over_the_trace() -> None:
    location = locate(make_alert(error_type="Boom", error_message="custom"))
    assert (location.error_type, location.error_message) == ("Boom", "custom")


def test_max_frames_limits_and_rejects_nonsense() -> None:
    assert len(locate(make_alert(), known_files=KNOWN, max_frames=1).frames) == 1
    with pytest.raises(InvalidArgumentError):
        locate(make_alert(), max_frames=0)


def test_no_location_without_frames() -> None:
    location = locate(make_alert(stack_trace="OOMKilled: exit code 137"))
    assert location.frames == ()
    assert not location.has_location


def test_unmapped_in_app_frame_counts_but_has_no_file() -> None:
    trace = PY_TRACE.replace("/srv/app/", "/home/build/")
    location = locate(make_alert(stack_trace=trace), known_files={"other/file.py"})
    assert [f.file_path for f in location.frames] == [None, None]
    assert [f.depth for f in location.frames] == [0, 1]
    assert not location.has_location


def test_file_without_findings_is_still_a_location() -> None:
    location = locate(make_alert(), known_files={"other/file.py"})
    assert [f.file_path for f in location.frames] == ["shop/processor.py", "shop/api.py"]
    assert location.has_location


def test_chained_causes_interleave_by_depth() -> None:
    text = (
        "java.lang.IllegalStateException: transfer rejected\n"
        "\tat com.acme.TransferService.submit(TransferService.java:64)\n"
        "\tat com.acme.TransferController.create(TransferController.java:31)\n"
        'Caused by: java.lang.NullPointerException: "currency" is null\n'
        "\tat com.acme.TransferValidator.check(TransferValidator.java:19)\n"
    )
    known = {
        "src/main/java/com/acme/TransferService.java",
        "src/main/java/com/acme/TransferValidator.java",
        "src/main/java/com/acme/TransferController.java",
    }
    location = locate(make_alert(stack_trace=text), known_files=known)
    assert [f.file_path.rsplit("/", 1)[-1] for f in location.frames if f.file_path] == [
        "TransferService.java",
        "TransferValidator.java",
        "TransferController.java",
    ]
