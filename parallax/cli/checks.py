"""What a pipeline command checks before any network work: the outlet registry, the folders it
writes, the database (under the run lock, so a migration never runs beside a run) and free
disk space. Each problem is one line naming the setting or file and what to do."""

from __future__ import annotations

import os
from pathlib import Path

from parallax.cli.common import fail
from parallax.diskspace import disk_full_message, is_disk_full, short_of_space
from parallax.settings import Settings


def check_before_running(settings: Settings) -> None:
    from parallax.outlets.registry import RegistryError, load_registry

    try:
        load_registry(settings.outlets_file)
    except RegistryError as exc:
        raise fail(f"PARALLAX_OUTLETS_FILE: {exc}") from None
    check_output_folder("PARALLAX_CONTENT_DIR", settings.content_dir)
    check_output_folder("PARALLAX_CHARTS_DIR", settings.charts_dir)
    prepare_database(settings.db, settings.run_wait_s)  # a run queues behind another
    full = short_of_space([settings.db, settings.content_dir, settings.charts_dir, prefect_home()])
    if full is not None:
        raise fail(disk_full_message(full))


def check_output_folder(setting: str, folder: Path) -> None:
    """The folder exists (made if missing) and this process may write in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise fail(f"{setting}={folder} is a file, not a folder: give a folder") from None
    except NotADirectoryError:
        raise fail(f"{setting}={folder}: a part of this path is a file; give a folder") from None
    except OSError as exc:
        raise fail(f"{setting}={folder}: cannot create it ({exc.strerror})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise fail(f"{setting}={folder}: this user may not write in it; give another folder")


def prepare_database(db: Path, wait_s: float = 0.0) -> list[str]:
    """Create or upgrade the schema before anything runs, under the run lock (`migrate` and a
    run never overlap), waiting up to ``wait_s`` for a run that holds it; returns the
    migrations applied."""
    from parallax import storage
    from parallax.storage.ledger import RunInProgressError, migrate_exclusively

    try:
        return migrate_exclusively(db, wait_s)
    except (storage.DatabaseFileError, storage.DiskFullError) as exc:
        raise fail(f"PARALLAX_DB: {exc}") from None
    except (storage.DatabaseBusyError, storage.MigrationError, RunInProgressError) as exc:
        raise fail(f"{db}: {exc}") from None


def prefect_home() -> Path:
    """Where Prefect keeps its database (the temporary API writes to it during a run)."""
    from prefect.settings import get_current_settings

    return Path(get_current_settings().home)


def failure_line(what: str, exc: BaseException, settings: Settings) -> str:
    """One line for a run that failed as a whole: a full disk said as such (it surfaces as
    whatever failed first, even Prefect's API answering HTTP 500), else the exception."""
    full = short_of_space([settings.db, settings.content_dir, settings.charts_dir, prefect_home()])
    if is_disk_full(exc) or full is not None:
        return f"{what}: {disk_full_message(full)}"
    return f"{what}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
