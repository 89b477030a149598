"""Issue 13, classes 4 and 5 (and 10 for tasks): versioned task folders and tfx's runner warning."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.adoext.conftest import Ext, base_manifest

TASK_ID = "7c939663-33ca-4cb6-9b8c-6e164d446eea"


def task_ext(make_ext: Callable[..., Ext]) -> Ext:
    """An extension with one build task contribution whose folder is tasks/MyTask."""
    task = {
        "id": "my-task",
        "type": "ms.vss-distributed-task.task",
        "targets": ["ms.vss-distributed-task.tasks"],
        "properties": {"name": "tasks/MyTask"},
    }
    files = [{"path": "tasks"}, {"path": "img", "addressable": True}]
    return make_ext(base_manifest(contributions=[task], files=files))


def task_json(major: int, execution: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """Return a valid task.json of one major version."""
    return {
        "id": TASK_ID,
        "name": "MyTask",
        "friendlyName": "My task",
        "instanceNameFormat": "Run",
        "version": {"Major": major, "Minor": 0, "Patch": 0},
        "execution": execution,
        **extra,
    }


def node(*runners: str) -> dict[str, Any]:
    """Return an execution block running index.js with each runner."""
    return {runner: {"target": "index.js"} for runner in runners}


def warnings_of(ext: Ext) -> list[str]:
    """Package and return the warnings as text."""
    return [str(w) for w in ext.package().warnings]


def test_every_version_folder_is_read_and_checked(make_ext: Callable[..., Ext]) -> None:
    ext = task_ext(make_ext)
    ext.write("tasks/MyTask/v1/task.json", task_json(1, node("Node20_1")))
    ext.write("tasks/MyTask/v1/index.js", "")
    ext.write("tasks/MyTask/v2/task.json", task_json(2, node("Node20_1"), friendlyName=""))
    ext.write("tasks/MyTask/v2/index.js", "")
    ext.write(
        "tasks/MyTask/v3/task.json", task_json(3, {"Node20_1": {"target": "$(CurrentDirectory)/gone.js"}})
    )
    warnings = warnings_of(ext)
    assert not any("no task.json" in w or "cannot" in w for w in warnings), warnings
    assert [w.split(": ", 3)[2] for w in warnings] == [
        "task tasks/MyTask/v2/task.json",
        "task tasks/MyTask/v3/task.json",
    ], warnings
    assert "friendlyName is a required string" in warnings[0]
    assert "execution.Node20_1.target references file that does not exist: ./gone.js" in warnings[1]


def test_a_task_folder_without_any_task_json_is_a_warning(make_ext: Callable[..., Ext]) -> None:
    ext = task_ext(make_ext)
    ext.write("tasks/MyTask/README.md", "no task here")
    assert warnings_of(ext) == [
        "vss-extension.json: $.contributions[0].properties.name: build task 'my-task' has no task.json: "
        "expected one in tasks/MyTask/ or its sub-folders. properties.name must be the task's folder "
        "(relative to --root), holding task.json."
    ]


def test_invalid_task_json_is_named_from_the_root_without_python_text(make_ext: Callable[..., Ext]) -> None:
    ext = task_ext(make_ext)
    ext.write("tasks/MyTask/task.json", '{"id": ')
    (warning,) = warnings_of(ext)
    assert "task tasks/MyTask/task.json: invalid JSON at line 1 column 8" in warning
    assert "Errno" not in warning and str(ext.root) not in warning


def test_node16_beside_node20_gives_no_runner_warning(make_ext: Callable[..., Ext]) -> None:
    ext = task_ext(make_ext)
    ext.write("tasks/MyTask/task.json", task_json(1, node("Node16", "Node20_1")))
    ext.write("tasks/MyTask/index.js", "")
    assert warnings_of(ext) == []


def test_a_task_with_only_end_of_life_runners_is_warned(make_ext: Callable[..., Ext]) -> None:
    ext = task_ext(make_ext)
    ext.write("tasks/MyTask/task.json", task_json(1, node("Node10", "Node16")))
    ext.write("tasks/MyTask/index.js", "")
    (warning,) = warnings_of(ext)
    assert "task tasks/MyTask/task.json: MyTask@1 depends on an end-of-life task runner" in warning


def test_an_old_major_version_is_excused_by_a_newer_one_with_a_current_runner(
    make_ext: Callable[..., Ext],
) -> None:
    ext = task_ext(make_ext)
    for major, runners in ((1, ("Node10",)), (2, ("Node20_1",))):
        ext.write(f"tasks/MyTask/v{major}/task.json", task_json(major, node(*runners)))
        ext.write(f"tasks/MyTask/v{major}/index.js", "")
    assert warnings_of(ext) == []


def test_a_prejob_handler_without_a_current_runner_is_warned(make_ext: Callable[..., Ext]) -> None:
    ext = task_ext(make_ext)
    ext.write("tasks/MyTask/task.json", task_json(1, node("Node20_1"), prejobexecution=node("Node16")))
    ext.write("tasks/MyTask/index.js", "")
    (warning,) = warnings_of(ext)
    assert "end-of-life task runner" in warning
