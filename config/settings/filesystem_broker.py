"""Options of kombu's ``filesystem://`` broker (the embedded default) with its folders under one directory."""

from pathlib import Path


def filesystem_broker_options(folder: Path) -> dict:
    # kombu creates the control folder without its parents, and by default in the working directory.
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        # The exchange tables (and so celery's pidbox / remote control) live here, not in ./control/.
        "control_folder": str(folder / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
