"""SARIF 2.1.0: write an :class:`AnalysisResult` for GitHub code scanning and
read any producer's SARIF (ruff, bandit, semgrep, CodeQL ...) into findings."""

from __future__ import annotations

import ast
import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from hefesto_core.analyzer.engine import ANALYZER_VERSION
from hefesto_core.analyzer.fingerprint import fingerprint
from hefesto_core.analyzer.masking import mask_secrets
from hefesto_core.analyzer.result import AnalysisResult
from hefesto_core.analyzer.rules.catalog import CATALOG
from hefesto_core.models import Finding, FindingStatus, Severity

__all__ = ["SARIF_SCHEMA", "findings_from_sarif", "to_sarif"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}


def to_sarif(result: AnalysisResult) -> dict[str, Any]:
    """A SARIF log with one run; ignored findings carry an in-source suppression."""
    used = sorted({f.rule_id for f in result.findings()} | set(CATALOG))
    rules = []
    for rule_id in used:
        info = CATALOG.get(rule_id)
        if info is None:
            continue
        rules.append(
            {
                "id": rule_id,
                "name": "".join(w.capitalize() for w in rule_id.split("_")),
                "shortDescription": {"text": info.title},
                "fullDescription": {"text": f"{info.title}. {info.suggestion}"},
                "help": {"text": info.suggestion},
                "defaultConfiguration": {"level": _LEVEL[info.severity]},
                "properties": {
                    "tags": [info.category],
                    "security-severity": _SECURITY_SEVERITY[info.severity],
                },
            }
        )
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    for f in result.findings():
        region: dict[str, Any] = {"startLine": f.line_start, "endLine": f.line_end, "startColumn": f.column}
        if f.code_snippet:
            region["snippet"] = {"text": f.code_snippet}
        item: dict[str, Any] = {
            "ruleId": f.rule_id,
            "level": _LEVEL[Severity(f.severity)],
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.file_path, "uriBaseId": "%SRCROOT%"},
                        "region": region,
                    },
                    **(
                        {"logicalLocations": [{"fullyQualifiedName": f.function_name, "kind": "function"}]}
                        if f.function_name
                        else {}
                    ),
                }
            ],
            "partialFingerprints": {"hefesto/v1": f.finding_id},
            "properties": {
                "severity": Severity(f.severity).value,
                "issue_type": f.issue_type,
                "confidence": f.confidence,
                "finding_id": f.finding_id,
                **({"suggestion": f.suggestion} if f.suggestion else {}),
            },
        }
        if f.rule_id in index:
            item["ruleIndex"] = index[f.rule_id]
        if f.status == FindingStatus.IGNORED:
            item["suppressions"] = [{"kind": "inSource"}]
        results.append(item)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "hefesto",
                "version": ANALYZER_VERSION,
                "semanticVersion": ANALYZER_VERSION,
                "informationUri": "https://github.com/hefesto-stream/hefesto",
                "rules": rules,
            }
        },
        "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(result.root).as_uri() + "/"}},
        "results": results,
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [
                    {
                        "level": "error",
                        "message": {"text": p.error},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": p.file_path, "uriBaseId": "%SRCROOT%"},
                                    **({"region": {"startLine": p.line}} if p.line else {}),
                                }
                            }
                        ],
                    }
                    for p in result.parse_failures
                ],
            }
        ],
    }
    if result.commit_sha:
        run["versionControlProvenance"] = [
            {"repositoryUri": f"urn:hefesto:{result.repo}", "revisionId": result.commit_sha}
        ]
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


# ----------------------------------------------------------------- import

_LEVEL_TO_SEVERITY = {
    "error": Severity.HIGH,
    "warning": Severity.MEDIUM,
    "note": Severity.LOW,
    "none": Severity.INFO,
}


def _severity(result: dict[str, Any], rule: dict[str, Any]) -> Severity:
    props = {**rule.get("properties", {}), **result.get("properties", {})}
    for key in ("severity", "issue_severity", "problem.severity"):
        value = str(props.get(key, "")).upper()
        if value in Severity.__members__:
            return Severity(value)
    sec = props.get("security-severity")
    if sec is not None:
        try:
            score = float(sec)
        except (TypeError, ValueError):
            score = -1.0
        if score >= 9.0:
            return Severity.CRITICAL
        if score >= 7.0:
            return Severity.HIGH
        if score >= 4.0:
            return Severity.MEDIUM
        if score >= 0.1:
            return Severity.LOW
    level = result.get("level") or rule.get("defaultConfiguration", {}).get("level") or "warning"
    return _LEVEL_TO_SEVERITY.get(str(level), Severity.MEDIUM)


def _issue_type(rule_id: str, rule: dict[str, Any]) -> str:
    if rule_id.upper() in CATALOG:
        return rule_id.upper()
    name = rule.get("name") or rule_id
    text = "".join(c if c.isalnum() else "_" for c in str(name)).strip("_").upper()
    while "__" in text:
        text = text.replace("__", "_")
    if not text or not text[0].isalpha():
        text = f"RULE_{text}"
    return text[:64] if len(text) >= 2 else "EXTERNAL_FINDING"


def _rel_path(uri: str, base: str | None, source_root: Path | None) -> str:
    parsed = urlparse(uri)
    path = unquote(parsed.path)
    if base:
        base_path = unquote(urlparse(base).path)
        if path.startswith(base_path):
            path = path[len(base_path) :]
    if source_root is not None and path.startswith("/"):
        with contextlib.suppress(ValueError):
            path = Path(path).resolve().relative_to(source_root.resolve()).as_posix()
    return path.lstrip("/").removeprefix("./")


def _enclosing_symbol(source_root: Path | None, rel: str, line: int, cache: dict[str, Any]) -> str | None:
    if source_root is None:
        return None
    if rel not in cache:
        cache[rel] = None
        path = source_root / rel
        try:
            if path.suffix == ".py" and path.resolve().is_relative_to(source_root.resolve()):
                from hefesto_core.analyzer.scopes import build_scopes
                from hefesto_core.analyzer.source import module_name

                cache[rel] = build_scopes(
                    ast.parse(path.read_text(encoding="utf-8", errors="replace")), module_name(rel)
                )
        except (OSError, SyntaxError, ValueError):
            cache[rel] = None
    root = cache[rel]
    if root is None:
        return None
    from hefesto_core.analyzer.scopes import innermost

    best = innermost(root, line)
    return best.qualname if best is not root else None


@dataclass(slots=True)
class _Run:
    """What every result of one SARIF run shares."""

    repo: str
    tool: str
    rules: dict[str, dict[str, Any]]
    rule_list: list[Any]
    bases: dict[str, str | None]
    commit_sha: str | None
    source_root: Path | None
    sources: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, run: dict[str, Any], *, repo: str, source_root: Path | None, commit_sha: str | None) -> _Run:
        driver = run.get("tool", {}).get("driver", {})
        rule_list = driver.get("rules", []) if isinstance(driver.get("rules"), list) else []
        return cls(
            repo=repo,
            tool=str(driver.get("name") or "sarif"),
            rules={str(r.get("id")): r for r in rule_list if isinstance(r, dict)},
            rule_list=rule_list,
            bases={
                k: v.get("uri") for k, v in run.get("originalUriBaseIds", {}).items() if isinstance(v, dict)
            },
            commit_sha=commit_sha
            or next((v.get("revisionId") for v in run.get("versionControlProvenance", [])), None),
            source_root=source_root,
        )

    def rule_id(self, result: dict[str, Any]) -> str:
        rule_id = result.get("ruleId") or result.get("rule", {}).get("id")
        index = result.get("ruleIndex")
        if rule_id is None and isinstance(index, int) and 0 <= index < len(self.rule_list):
            rule_id = self.rule_list[index].get("id")
        return str(rule_id or "unknown")

    def source_line(self, rel: str, line: int) -> str:
        """The source line (for a stable fingerprint), '' when unavailable."""
        if self.source_root is None:
            return ""
        if rel not in self.sources:
            try:
                path = (self.source_root / rel).resolve()
                ok = path.is_relative_to(self.source_root.resolve()) and path.is_file()
                self.sources[rel] = (
                    path.read_text(encoding="utf-8", errors="replace").splitlines() if ok else []
                )
            except OSError:
                self.sources[rel] = []
        lines = self.sources[rel]
        return lines[line - 1] if 0 < line <= len(lines) else ""


def _finding(run: _Run, result: dict[str, Any], symbols: dict[str, Any]) -> Finding | None:
    rule_id = run.rule_id(result)
    rule = run.rules.get(rule_id, {})
    locations = [loc.get("physicalLocation") for loc in result.get("locations", [])]
    phys = next((p for p in locations if p and p.get("artifactLocation", {}).get("uri")), None)
    if phys is None:
        return None
    art = phys["artifactLocation"]
    rel = _rel_path(art["uri"], run.bases.get(art.get("uriBaseId", "")), run.source_root)
    region = phys.get("region", {})
    start = max(int(region.get("startLine", 1)), 1)
    message = result.get("message", {}).get("text") or rule.get("shortDescription", {}).get("text") or rule_id
    snippet = region.get("snippet", {}).get("text")
    symbol = _enclosing_symbol(run.source_root, rel, start, symbols)
    finding_id = (result.get("partialFingerprints") or {}).get("hefesto/v1") or fingerprint(
        repo=run.repo,
        file_path=rel,
        symbol=symbol,
        rule_id=f"{run.tool}:{rule_id}",
        # Code, not line numbers, so the id survives unrelated edits above.
        code=run.source_line(rel, start) or snippet or f"{start}:{message}",
    )
    suppressed = any(s.get("status", "accepted") == "accepted" for s in result.get("suppressions", []))
    return Finding(
        finding_id=finding_id,
        repo=run.repo,
        commit_sha=run.commit_sha,
        file_path=rel,
        line_start=start,
        line_end=max(int(region.get("endLine", start)), start),
        column=max(int(region.get("startColumn", 1)), 1),
        function_name=symbol,
        rule_id=rule_id[:256],
        issue_type=_issue_type(rule_id, rule),
        severity=_severity(result, rule),
        message=message[:4096],
        suggestion=(rule.get("help", {}).get("text") or None),
        code_snippet=mask_secrets(snippet) if snippet else None,
        status=FindingStatus.IGNORED if suppressed else FindingStatus.OPEN,
        detected_by=run.tool[:128],
        metadata={"sarif_level": result.get("level")},
    )


def findings_from_sarif(
    doc: dict[str, Any], *, repo: str, source_root: Path | None = None, commit_sha: str | None = None
) -> list[Finding]:
    """Findings from every result of every run (results without a physical
    location are skipped: they cannot be correlated with a line)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("runs"), list):
        raise ValueError("not a SARIF log: no 'runs' array")
    out: list[Finding] = []
    symbols: dict[str, Any] = {}
    for raw in doc["runs"]:
        run = _Run.of(raw, repo=repo, source_root=source_root, commit_sha=commit_sha)
        for result in raw.get("results", []):
            finding = _finding(run, result, symbols)
            if finding is not None:
                out.append(finding)
    return out
