"""Build task checks (task.json of each ms.vss-distributed-task.task contribution): warnings, as in tfx.

Fixed against tfx: execution targets written Windows-style (`$(currentDirectory)\\run.ps1`) are checked
with the separator normalised, so a task that exists is not reported missing on Linux.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from adoext.diagnostics import Report
from adoext.validation import TASK_TYPE

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
NAME = re.compile(r"^[A-Za-z0-9\-]+$")
DEPRECATED_RUNNERS = frozenset({"Node", "Node10", "Node16"})


def _target_problems(task: dict[str, Any], folder: Path) -> list[str]:
    """Return execution runners that are deprecated or whose target file is missing."""
    found = []
    execution = task.get("execution") if isinstance(task.get("execution"), dict) else {}
    assert isinstance(execution, dict)
    for runner, spec in execution.items():
        if runner in DEPRECATED_RUNNERS:
            found.append(f"execution.{runner} uses a deprecated Node runner; move to Node20_1.")
        target = spec.get("target") if isinstance(spec, dict) else None
        if not isinstance(target, str):
            continue
        relative = target.replace("$(currentDirectory)", "").replace("\\", "/").lstrip("/")
        if "$(" not in relative and not (folder / relative).is_file():
            found.append(f"execution.{runner}.target references file that does not exist: {target}")
    return found


def _task_problems(task: dict[str, Any], folder: Path) -> list[str]:
    """Return every problem of one task.json."""
    found = []
    if not isinstance(task.get("id"), str) or not UUID.match(task["id"]):
        found.append("id must be a GUID.")
    if not isinstance(task.get("name"), str) or not NAME.match(task["name"]):
        found.append("name may only contain letters, digits and dashes.")
    if isinstance(task.get("friendlyName"), str) and len(task["friendlyName"]) > 40:
        found.append("friendlyName must be at most 40 characters.")
    if not task.get("instanceNameFormat"):
        found.append("instanceNameFormat is missing.")
    return found + _target_problems(task, folder)


def check_tasks(contributions: list[Any], root: Path, origins: list[tuple[str, str]], report: Report) -> None:
    """Warn about every build task whose task.json is missing or wrong, and about duplicate tasks."""
    seen: dict[tuple[str, str], str] = {}
    for index, item in enumerate(contributions):
        if not isinstance(item, dict) or item.get("type") != TASK_TYPE:
            continue
        origin, path = origins[index] if index < len(origins) else (None, f"$.contributions[{index}]")
        props = item.get("properties") if isinstance(item.get("properties"), dict) else {}
        assert isinstance(props, dict)
        folder = root / str(props.get("name", ""))
        try:
            task = json.loads((folder / "task.json").read_text(encoding="utf-8-sig"))
        except (OSError, ValueError) as exc:
            report.warn(
                f"cannot read {folder / 'task.json'}: {exc}",
                origin,
                f"{path}.properties.name",
                "properties.name must be the task's folder, holding a valid task.json.",
            )
            continue
        if not isinstance(task, dict):
            continue
        for problem in _task_problems(task, folder):
            report.warn(
                f"task {folder.name}/task.json: {problem}",
                origin,
                path,
                "Please make sure the task.json file is correct.",
            )
        key = (str(task.get("id", "")).lower(), str(task.get("name", "")))
        if key in seen:
            report.warn(
                f"task {folder.name} has the same id and name as {seen[key]}; Azure DevOps keeps only one.",
                origin,
                path,
                "Give each task its own id and name.",
            )
        seen.setdefault(key, folder.name)
