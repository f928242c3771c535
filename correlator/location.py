"""Where in the code an alert happened: :func:`locate`.

Sources, most trusted first: the alert's explicit ``frames``, its
``file_path``/``line_number``, then frames parsed from ``stack_trace``. For a
chained exception the frames of the exception finally raised come first and
its causes' frames are interleaved by depth (a wrapper's ``raise ... from``
line rarely holds the defect; the cause's innermost frame often does).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from correlator.errors import InvalidArgumentError
from correlator.frames import AlertLocation, Frame, RawFrame
from correlator.parsers import is_library_path, parse_trace
from correlator.paths import PathMapper
from hefesto_core.models import IrisAlert

__all__ = ["alert_error", "locate"]


def _explicit_frames(alert: IrisAlert) -> list[RawFrame]:
    out: list[RawFrame] = []
    for f in alert.frames or ():
        in_app = f.in_app if f.in_app is not None else not is_library_path(f.file_path)
        out.append(RawFrame(f.file_path, f.line_number, f.function_name, in_app))
    return out


def _innermost_first(frames: Sequence[RawFrame]) -> list[RawFrame]:
    return [f for f in reversed(frames) if f.in_app]


def alert_error(alert: IrisAlert) -> tuple[str | None, str | None]:
    """The alert's error type and message; from its trace when it lacks them."""
    error_type, message = alert.error_type, alert.error_message
    if (error_type is None or message is None) and alert.stack_trace:
        parsed = parse_trace(alert.stack_trace)
        if parsed is not None:
            error_type = error_type or parsed.error_type
            message = message or parsed.error_message
    return error_type, message


def locate(
    alert: IrisAlert,
    *,
    source_roots: Sequence[str] = (),
    known_files: Collection[str] | None = None,
    max_frames: int = 5,
    container_prefixes: bool = True,
    mapper: PathMapper | None = None,
) -> AlertLocation:
    """The alert's in-app frames, innermost first, mapped to repository paths.

    ``known_files`` (the repo-relative files the findings know) enables the
    longest-unique-suffix match; without it only source roots, container
    prefixes and already-relative paths map (``container_prefixes=False``
    leaves paths under a container prefix unmapped, see :class:`PathMapper`).
    A caller mapping many alerts with the same roots passes its own
    ``mapper`` (then ``source_roots``, ``known_files`` and
    ``container_prefixes`` are the mapper's).
    """
    if max_frames < 1:
        raise InvalidArgumentError(f"max_frames must be at least 1, not {max_frames}")
    candidates: list[RawFrame] = []
    if alert.frames:
        candidates = _innermost_first(_explicit_frames(alert))
    elif alert.file_path:
        candidates = [RawFrame(alert.file_path, alert.line_number, alert.function_name, in_app=True)]
    elif alert.stack_trace:
        parsed = parse_trace(alert.stack_trace)
        if parsed is not None:
            # Round-robin over the chain so that every exception's innermost
            # in-app frame gets a low depth before anyone's outer frames.
            stacks = [_innermost_first(part.frames) for part in parsed.chain()]
            for level in range(max((len(s) for s in stacks), default=0)):
                candidates.extend(s[level] for s in stacks if level < len(s))

    if mapper is None:
        mapper = PathMapper(
            source_roots=source_roots, known_files=known_files, container_prefixes=container_prefixes
        )
    frames: list[Frame] = []
    seen: set[tuple[str, int | None]] = set()
    for raw in candidates:
        if (raw.runtime_path, raw.line_number) in seen:
            continue
        seen.add((raw.runtime_path, raw.line_number))
        mapping = mapper.map(raw.runtime_path, module=raw.module)
        frames.append(
            Frame(
                runtime_path=raw.runtime_path,
                file_path=mapping.repo_path,
                line_number=raw.line_number,
                function_name=raw.function_name,
                in_app=True,
                depth=len(frames),
                mapping=mapping,
            )
        )
        if len(frames) >= max_frames:
            break
    error_type, message = alert_error(alert)
    return AlertLocation(frames=tuple(frames), error_type=error_type, error_message=message)
