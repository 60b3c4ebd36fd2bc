"""Reading a CSV a person named in a conversation, confined to one folder.

Why confined: in a conversation the file name comes from text (a person's, or a model's reading of
it), and the process may be a shared service; "import users from /etc/passwd" or
"../../.ssh/id_rsa" must never become a read, let alone a row of an import job. So a name is a
relative path inside the bulk folder (``bulk.folder`` in the configuration, else the working
directory), resolved with symbolic links followed and required to stay inside it; it must name a
visible ``.csv`` file of reasonable size. Every refusal says what to do instead, and reads nothing.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath

from tools.operations._common import OperationError

MAX_BYTES = 5 * 1024 * 1024  # 8,000 rows (DocuSign's limit) of generous width


def read_bulk_file(name: str, folder: Path) -> tuple[Path, str]:
    """The file's resolved path and text; ``OperationError`` (nothing read) when it may not be used."""
    root = folder.resolve()
    where = f"the bulk folder ({root})"
    fix = f"copy the file into {root} and name it relative to that folder, e.g. new_hires.csv"
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("~", "/", "\\")) or PureWindowsPath(name).drive or PurePosixPath(name).is_absolute():
        raise OperationError(f"{name!r} is outside {where}; dsadmin reads bulk files only from there",
                             fix=fix)
    if ".." in parts:
        raise OperationError(f"{name!r} climbs out of {where} ('..'); nothing was read", fix=fix)
    if any(part.startswith(".") for part in parts):
        raise OperationError(f"{name!r} is a hidden file or folder; dsadmin reads only visible .csv files",
                             fix=fix)  # fmt: skip
    if not name.lower().endswith(".csv"):
        raise OperationError(f"{name!r} is not a .csv file; bulk changes are read from CSV files only",
                             fix="save the sheet as CSV (DocuSign's bulk import columns) and name that file")
    path = (root / Path(*parts)).resolve()
    if not path.is_relative_to(root):  # a symbolic link pointing out of the folder
        raise OperationError(f"{name!r} leads outside {where}; nothing was read", fix=fix)
    if not path.is_file():
        present = sorted(p.name for p in root.glob("*.csv") if p.is_file() and not p.name.startswith("."))
        offer = f"; the CSV files there: {', '.join(present[:10])}" if present else "; it holds no CSV file"
        raise OperationError(f"there is no file {name!r} in {where}{offer}",
                             fix="check the file's name, or copy it into that folder",
                             suggestions=present[:10])  # fmt: skip
    if path.stat().st_size > MAX_BYTES:
        raise OperationError(f"{name!r} is larger than {MAX_BYTES // (1024 * 1024)} MB",
                             fix="split it: DocuSign takes at most 8,000 users per import")  # fmt: skip
    try:
        return path, path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise OperationError(f"{name!r} is not UTF-8 text", fix="save the sheet as CSV UTF-8") from None
    except OSError as exc:
        raise OperationError(f"{name!r} cannot be read ({exc.strerror})",
                             fix="check its permissions") from None
