"""Build task checks (task.json of each ms.vss-distributed-task.task contribution): warnings, as in tfx.

Like tfx 0.23.1, a task's folder (`properties.name`, relative to --root) holds its task.json, or one
per version in direct sub-folders (`MyTask/v1/task.json`, `MyTask/v2/task.json`); every one is read
and checked. The end-of-life runner warning fires, as in tfx, only for a task.json with no current
runner (Node20_1, Node24, PowerShell3, ...) in some handler, unless a higher major version of the same
task in that folder has one.

Fixed against tfx: execution targets written Windows-style (`$(currentDirectory)\\run.ps1`) are checked
with the separator normalised, so a task that exists is not reported missing on Linux; and every
task.json is checked (tfx stops at the first one with a problem).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, NamedTuple

from adoext.package.diagnostics import Report
from adoext.package.sources.manifests import load_json

TASK_TYPE = "ms.vss-distributed-task.task"
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
NAME = re.compile(r"^[A-Za-z0-9\-]+$")
VARIATION_SELECTED = re.compile("[^\ufe0f\ufe0e][\ufe0f\ufe0e]")
HANDLERS = ("execution", "prejobexecution", "postjobexecution")
# tfx's lists (lib/jsonvalidate.ts): runners whose targets it checks, and those at end of life.
SUPPORTED_RUNNERS = frozenset(
    {"Node", "Node10", "Node16", "Node20_1", "Node24", "PowerShell", "PowerShell3", "Process"}
)
DEPRECATED_RUNNERS = frozenset({"Node", "Node6", "Node10", "Node16"})
CURRENT_DIRECTORY = re.compile(r"\$\(\s*currentdirectory\s*\)", re.IGNORECASE)
RUNNER_HINT = "See https://aka.ms/node-runner-guidance to upgrade the task (e.g. add a Node20_1 handler)."


class TaskJson(NamedTuple):
    """One task.json found for a contribution: where it is (from --root) and what it holds."""

    path: Path
    shown: str
    data: dict[str, Any]


def _major(task: dict[str, Any]) -> Any:
    """Return version.Major, or None."""
    version = task.get("version")
    return version.get("Major") if isinstance(version, dict) else None


def _current_runners(task: dict[str, Any]) -> int:
    """Return the fewest non-deprecated runners of any handler present (0 when there is none)."""
    counts = [
        len([runner for runner in task[handler] if runner not in DEPRECATED_RUNNERS])
        for handler in HANDLERS
        if isinstance(task.get(handler), dict)
    ]
    return min(counts) if counts else 0


def _target_problems(task: dict[str, Any], folder: Path) -> list[str]:
    """Return handler targets that are missing or name a file that does not exist."""
    found = []
    for handler in HANDLERS:
        runners = task.get(handler)
        if not isinstance(runners, dict):
            continue
        for runner, spec in runners.items():
            if runner not in SUPPORTED_RUNNERS:
                continue
            target = spec.get("target") if isinstance(spec, dict) else None
            if not isinstance(target, str) or not target:
                found.append(f"{handler}.{runner}.target is required.")
                continue
            relative = CURRENT_DIRECTORY.sub(".", target).replace("\\", "/")
            if not re.search(r"\$\([^)]+\)", relative) and not (folder / relative).is_file():
                found.append(f"{handler}.{runner}.target references file that does not exist: {relative}")
    return found


def _characters(text: str) -> int:
    """Count as tfx's check (validator's isLength) does: characters, a variation selector (U+FE0E/F)
    after one not counted."""
    return len(text) - len(VARIATION_SELECTED.findall(text))


def _task_problems(task: dict[str, Any], folder: Path) -> list[str]:
    """Return every problem tfx reports for one task.json."""
    found = []
    if not isinstance(task.get("id"), str) or not UUID.fullmatch(task["id"]):
        found.append("id is a required GUID.")
    if not isinstance(task.get("name"), str) or not NAME.fullmatch(task["name"]):
        found.append("name is required and may only contain letters, digits and dashes.")
    friendly = task.get("friendlyName")
    if not isinstance(friendly, str) or not 1 <= _characters(friendly) <= 40:
        found.append("friendlyName is a required string of at most 40 characters.")
    if not task.get("instanceNameFormat"):
        found.append("instanceNameFormat is required.")
    return found + _target_problems(task, folder)


def _candidates(folder: Path) -> list[Path]:
    """Return folder/task.json and each direct sub-folder's task.json that exist (tfx's search)."""
    found = [folder / "task.json"] if (folder / "task.json").is_file() else []
    if folder.is_dir():
        with os.scandir(folder) as entries:
            children = sorted(entry.name for entry in entries if entry.is_dir())
        found += [folder / name / "task.json" for name in children if (folder / name / "task.json").is_file()]
    return found


def _shown(path: Path, root: Path) -> str:
    """Name a path from --root, with forward slashes."""
    return Path(os.path.relpath(path, root)).as_posix()


def _read(path: Path, root: Path, where: tuple[str | None, str], report: Report) -> TaskJson | None:
    """Parse one task.json; an unreadable or invalid one is a warning, as in tfx."""
    shown = _shown(path, root)
    try:
        data = load_json(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        report.warn(f"task {shown}: cannot be read.", where[0], where[1], "Check the file's permissions.")
        return None
    except json.JSONDecodeError as exc:
        report.warn(
            f"task {shown}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}.",
            where[0],
            where[1],
            "Please make sure the task.json file is correct.",
        )
        return None
    except ValueError as exc:
        report.warn(f"task {shown}: invalid JSON: {exc}.", where[0], where[1],
                    "Please make sure the task.json file is correct.")
        return None
    if not isinstance(data, dict):
        report.warn(f"task {shown}: must be a JSON object.", where[0], where[1])
        return None
    return TaskJson(path, shown, data)


def _check_runner(
    task: TaskJson, versions: list[TaskJson], where: tuple[str | None, str], report: Report
) -> None:
    """Warn when no handler has a current runner and no higher major version of the task has one."""
    if _current_runners(task.data) > 0:
        return
    data, major = task.data, _major(task.data)
    for other in versions:
        other_major = _major(other.data)
        same = other.data.get("name") == data.get("name") and other.data.get("id") == data.get("id")
        newer = (
            isinstance(other_major, int | float) and isinstance(major, int | float) and other_major > major
        )
        if same and newer and _current_runners(other.data) > 0:
            return
    report.warn(
        f"task {task.shown}: {data.get('name')}@{major or '?'} depends on an end-of-life task runner "
        "(no current runner in its handlers).",
        where[0],
        where[1],
        RUNNER_HINT,
    )


def check_tasks(contributions: list[Any], root: Path, origins: list[tuple[str, str]], report: Report) -> None:
    """Warn about every build task whose task.json files are missing or wrong, and about duplicate tasks."""
    seen: dict[tuple[str, str], str] = {}
    for index, item in enumerate(contributions):
        if not isinstance(item, dict) or item.get("type") != TASK_TYPE:
            continue
        origin, path = origins[index] if index < len(origins) else (None, f"$.contributions[{index}]")
        props = item.get("properties") if isinstance(item.get("properties"), dict) else {}
        assert isinstance(props, dict)
        if not props.get("name"):
            continue  # tfx checks only tasks that name their folder
        folder = root / str(props["name"])
        where = (origin, path)
        versions = [
            found for p in _candidates(folder) if (found := _read(p, root, where, report)) is not None
        ]
        if not _candidates(folder):
            report.warn(
                f"build task '{item.get('id') or props['name']}' has no task.json: expected one in "
                f"{_shown(folder, root)}/ or its sub-folders.",
                origin,
                f"{path}.properties.name",
                "properties.name must be the task's folder (relative to --root), holding task.json.",
            )
        for task in versions:
            for problem in _task_problems(task.data, task.path.parent):
                report.warn(
                    f"task {task.shown}: {problem}",
                    origin,
                    path,
                    "Please make sure the task.json file is correct.",
                )
            _check_runner(task, versions, where, report)
        own: set[tuple[str, str]] = set()
        for task in versions:
            key = (str(task.data.get("id", "")).lower(), str(task.data.get("name", "")))
            if key in seen and key not in own:
                report.warn(
                    f"task {task.shown} has the same id and name as {seen[key]}; "
                    "Azure DevOps keeps only one.",
                    origin,
                    path,
                    "Give each task its own id and name.",
                )
            own.add(key)
            seen.setdefault(key, task.shown)
