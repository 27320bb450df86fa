"""Running dbt in-process (dbtRunner), once per command, against the configured target.

dbt reads its connection from profiles.yml.example through environment variables; this module
sets them for the duration of the call only. The password travels as
DBT_ENV_SECRET_MCA_DB_PASSWORD, which dbt scrubs from its logs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reporting.errors import BuildError, ConfigError
from reporting.settings import Settings

log = logging.getLogger(__name__)


#: The node statuses that mean a failure: a model, seed or hook that errored, a test that failed.
FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})


@dataclass(frozen=True)
class NodeResult:
    unique_id: str
    resource_type: str
    status: str
    message: str
    seconds: float


@dataclass
class DbtRunSummary:
    command: str
    success: bool
    seconds: float
    nodes: list[NodeResult] = field(default_factory=list)
    error: str | None = None
    #: which raw tables the build found, one line (set by reporting.jobs.build_warehouse)
    raw_tables: str = ""

    def counts(self) -> dict[str, dict[str, int]]:
        """Per resource type (model, test, seed...), how many ended in each status."""
        out: dict[str, Counter[str]] = {}
        for n in self.nodes:
            out.setdefault(n.resource_type, Counter())[n.status] += 1
        return {k: dict(v) for k, v in sorted(out.items())}

    def failures(self) -> list[NodeResult]:
        return [n for n in self.nodes if n.status in FAILED_STATUSES]

    def to_dict(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "success": self.success,
            "seconds": round(self.seconds, 3),
            "counts": self.counts(),
            "failures": [
                {"node": n.unique_id, "status": n.status, "message": one_line(n.message)}
                for n in self.failures()
            ],
            "error": one_line(self.error) if self.error else None,
            **({"raw_tables": self.raw_tables} if self.raw_tables else {}),
        }


_ONE_AT_A_TIME = threading.Lock()


@contextlib.contextmanager
def _dbt_environment(settings: Settings, extra: dict[str, str] | None = None) -> Iterator[None]:
    """Set the variables profiles.yml reads for one dbt invocation, and put the old values back.

    The environment is the process's, so invocations are serialised (_ONE_AT_A_TIME): two builds
    started from two threads would otherwise each restore what the other set, and the later one
    could leave the earlier one's user behind. dbt's own flags are process-global too.
    """
    env = {**settings.dbt_env(), "MCA_AS_OF": "", "MCA_REPORT_PERIOD": "", **(extra or {})}
    with _ONE_AT_A_TIME:
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


#: How many connections keep a partial-parse file of their own (about 1.1 MB each; the least
#: recently used goes first). A project has a few; a test-suite worker used more than 24.
KEPT_PARSES = 64
PARTIAL_PARSE_FILE = "partial_parse.msgpack"


def _target_path(project: Path) -> Path:
    """dbt's target folder for ``project``: DBT_TARGET_PATH when set (relative to the project,
    as dbt reads it), else the project's own ``target``."""
    target = Path(os.environ.get("DBT_TARGET_PATH") or "target")
    return target if target.is_absolute() else project / target


def parse_key(settings: Settings, vars: Mapping[str, Any] | None) -> str:
    """What dbt's partial parse depends on beyond the project's files: the target, the
    connection (without its secret) and the --vars, as a short hash for a file name."""
    env = {k: v for k, v in settings.dbt_env().items() if "SECRET" not in k}
    blob = json.dumps({"env": env, "vars": dict(vars or {})}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@contextlib.contextmanager
def _partial_parse_per_connection(project: Path, settings: Settings,
                                  vars: Mapping[str, Any] | None) -> Iterator[None]:
    """Keep dbt's partial-parse file per connection, not one per target folder.

    dbt keeps one ``partial_parse.msgpack`` and parses the whole project again (3-5 s, more under
    load) whenever the target, a connection value (schema, DuckDB file) or --vars differ from the
    last invocation's. So alternating between two warehouses, or two schemas, parsed in full
    every time. The file each connection last left is kept under ``target/partial_parse/`` and
    put back before dbt runs with that connection again. dbt still checks it (its hashes of the
    profile, vars and every project file) and parses whatever changed, so a wrong or stale copy
    costs a full parse, never a wrong manifest. Any error here only loses the saving.
    """
    target = _target_path(project)
    live = target / PARTIAL_PARSE_FILE
    kept = target / "partial_parse" / f"{parse_key(settings, vars)}.msgpack"
    try:
        if kept.is_file():
            _copy_atomically(kept, live)
            os.utime(kept)  # recently used: the last to be forgotten
        before = live.stat().st_mtime_ns if live.is_file() else None
    except OSError as exc:
        log.debug("partial parse for this connection not restored: %s", exc)
        before = None
    try:
        yield
    finally:
        try:
            if live.is_file() and live.stat().st_mtime_ns != before:  # dbt wrote a new one
                _copy_atomically(live, kept)
                _forget_oldest(kept.parent, KEPT_PARSES)
        except OSError as exc:
            log.debug("partial parse for this connection not kept: %s", exc)


def _copy_atomically(source: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _forget_oldest(folder: Path, keep: int) -> None:
    files = sorted(folder.glob("*.msgpack"), key=lambda f: f.stat().st_mtime_ns, reverse=True)
    for old in files[keep:]:
        with contextlib.suppress(OSError):
            old.unlink()


def dbt_vars(as_of: dt.date | None, extra: dict[str, Any] | None = None,
             report_period: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = dict(extra or {})
    if as_of is not None:
        out["as_of"] = as_of.isoformat()
    if report_period is not None:
        out["report_period"] = report_period
    return out


def run_dbt(
    settings: Settings,
    command: str,
    *,
    vars: dict[str, Any] | None = None,
    args: Sequence[str] = (),
    raise_on_failure: bool = True,
    quiet: bool = False,
    on_node: Callable[[str, str], None] | None = None,
    callbacks: Sequence[Callable[[Any], None]] = (),
) -> DbtRunSummary:
    """Run one dbt command (build, run, test, seed, docs generate...) and summarise it.

    ``quiet`` keeps dbt's own log lines off the console (errors still show); ``on_node`` is
    called with (unique_id, status) as each node finishes; ``callbacks`` get every dbt event
    (reporting.progress uses them).
    """
    project = settings.dbt_project_dir
    if not (project / "dbt_project.yml").is_file():
        raise ConfigError(f"no dbt project at {project} (set MCA_DBT_PROJECT_DIR)")
    from dbt.cli.main import dbtRunner

    cli_args = [
        *(["--quiet"] if quiet else []),
        *command.split(),
        "--project-dir", str(project),
        "--profiles-dir", str(project),
        "--target", settings.target.value,
    ]
    # the reference date and the report period go in the environment, not --vars: a var that
    # changes makes dbt parse the whole project again, an environment variable read in a macro
    # only the files using it
    vars = dict(vars or {})
    as_of = vars.pop("as_of", None)
    report_period = vars.pop("report_period", None)
    if vars:
        cli_args += ["--vars", json.dumps(vars)]
    cli_args += list(args)
    log.info("dbt %s on %s", command, settings.describe())
    started = time.perf_counter()
    with _dbt_environment(settings, {"MCA_AS_OF": str(as_of) if as_of is not None else "",
                                     "MCA_REPORT_PERIOD": str(report_period or "")}), \
            _partial_parse_per_connection(project, settings, vars):
        every = [*callbacks, *([_node_callback(on_node)] if on_node else [])]
        result = dbtRunner(callbacks=every).invoke(cli_args)
    seconds = time.perf_counter() - started
    if isinstance(result.exception, KeyboardInterrupt):
        raise result.exception  # dbt cancelled its queries; the caller cleans up (reporting.stopping)
    nodes = _node_results(result.result)
    error = None
    if result.exception is not None:
        error = str(result.exception).strip() or repr(result.exception)
    summary = DbtRunSummary(command=command, success=bool(result.success), seconds=seconds,
                            nodes=nodes, error=error)
    if not summary.success and raise_on_failure:
        raise BuildError(failure_line(summary))
    return summary


def _node_callback(on_node: Callable[[str, str], None]) -> Callable[[Any], None]:
    def callback(event: Any) -> None:
        if event.info.name == "NodeFinished":
            info = event.data.node_info
            on_node(info.unique_id, info.node_status)

    return callback


def _node_results(result: Any) -> list[NodeResult]:
    nodes: list[NodeResult] = []
    for r in getattr(result, "results", None) or []:
        node = getattr(r, "node", None)
        if node is None:
            continue
        status = getattr(r.status, "value", str(r.status))
        nodes.append(NodeResult(
            unique_id=node.unique_id,
            resource_type=getattr(node.resource_type, "value", str(node.resource_type)),
            status=str(status),
            message=(r.message or "").strip(),
            seconds=float(getattr(r, "execution_time", 0.0) or 0.0),
        ))
    return nodes


def one_line(message: str, limit: int = 300) -> str:
    """dbt's multi-line message as one line: its first line ("Runtime Error in model ...") and
    the cause under it (the driver's error), without dbt's pointer to the compiled file."""
    lines = [line.strip() for line in message.strip().splitlines()
             if line.strip() and not line.strip().lower().startswith("compiled code at")]
    if not lines:
        return ""
    text = lines[0] if len(lines) == 1 or lines[1] in lines[0] else f"{lines[0]}: {lines[1]}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def failure_line(summary: DbtRunSummary) -> str:
    failed = summary.failures()
    if failed:
        first = failed[0]
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        return f"dbt {summary.command} failed: {first.unique_id} {first.status}: {one_line(first.message)}{more}"
    return f"dbt {summary.command} failed: {one_line(summary.error or '') or 'see the dbt log'}"
