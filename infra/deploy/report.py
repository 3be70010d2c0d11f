"""A rollout's report: ``report.json`` (data) and ``report.md`` (people) in its run folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infra.deploy.engine import RolloutResult


def as_data(result: RolloutResult) -> dict[str, Any]:
    """The whole run as plain data."""
    return {
        "run": result.run_id,
        "commit": result.commit,
        "failed": result.failed,
        "halted": result.halted,
        "skipped": result.skipped,
        "seconds": round(result.seconds, 2),
        "waves": [
            {
                "name": w.name,
                "passed": w.passed,
                "reverted": w.reverted,
                "seconds": round(w.seconds, 2),
                "devices": [d.as_dict() for d in w.devices],
            }
            for w in result.waves
        ],
    }


def markdown(result: RolloutResult) -> str:
    """A short summary: verdict, waves, and every failed device with its failed checks."""
    mode = "rollout" if result.commit else "dry run"
    verdict = f"halted at wave `{result.halted}`" if result.halted else ("failed" if result.failed else "passed")
    lines = [f"# hatang {mode} {result.run_id}: {verdict}", "", "| wave | devices | changed | failed | result |"]
    lines.append("|---|---:|---:|---:|---|")
    for w in result.waves:
        changed = sum(1 for d in w.devices if d.changed)
        state = "reverted" if w.reverted else ("passed" if w.passed else "failed")
        lines.append(f"| {w.name} | {len(w.devices)} | {changed} | {len(w.failed_devices)} | {state} |")
    for name in result.skipped:
        lines.append(f"| {name} | | | | not run |")
    failed = [d for w in result.waves for d in w.failed_devices]
    if failed:
        lines += ["", "## Failed devices", ""]
        for d in failed:
            why = d.error or "; ".join(f"{c.name}: {c.detail}" for c in d.checks if c.ok is False)
            back = {True: "back to its previous configuration", False: "NOT verified back", None: "unchanged"}[
                d.reverted
            ]
            lines.append(f"- `{d.device}` ({d.wave}, step {d.step}): {why} — {back}")
    return "\n".join(lines) + "\n"


def write_reports(result: RolloutResult, root: Path) -> tuple[Path, Path]:
    """Write report.json and report.md into the run folder."""
    data_path, md_path = root / "report.json", root / "report.md"
    data_path.write_text(json.dumps(as_data(result), indent=1, ensure_ascii=False) + "\n")
    md_path.write_text(markdown(result))
    return data_path, md_path
