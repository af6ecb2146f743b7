"""The files a run reads: the paths given on the command line (files, folders walked
recursively, globs), and every entry it does not read accounted for.

Only regular files are read. A symbolic link is followed when its target is inside the
folders given (a folder named, the folder of a file named, the folder a glob starts from), or
with ``follow_links``; a link leaving them, a broken link, a FIFO, a device, a socket and a
folder that cannot be listed are *refused*: never opened, each a quarantine row saying why.
Names starting with a dot found inside a folder (``.git``, ``.DS_Store``) are left out and
counted (*hidden*); a hidden file named on the command line is read.

The walk is iterative and never opens what it lists: no FIFO blocks it, no link cycle or
deep tree exhausts the stack.
"""

from __future__ import annotations

import errno
import glob
import itertools
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from flows.errors import UserError
from transforms.reasons import ReasonCode


class InputNotFound(UserError):
    """A path given on the command line matches nothing."""


@dataclass(frozen=True)
class Refused:
    """An entry found and not read: ``path`` as found (a link is not resolved), why."""

    path: Path
    code: ReasonCode
    reason: str


@dataclass
class Inputs:
    """What the paths given hold: the regular files to read (resolved, each once, in a stable
    order), the entries refused, and the hidden ones left out."""

    files: list[Path] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    hidden: list[Path] = field(default_factory=list)
    # The warehouse's own files, found among the inputs: never read (find_inputs).
    own: list[Path] = field(default_factory=list)


def discover(paths: list[str], follow_links: bool = False) -> list[Path]:
    """The regular files under the given paths (see ``find_inputs`` for what is not)."""
    return find_inputs(paths, follow_links).files


def find_inputs(paths: list[str], follow_links: bool = False,
                warehouse: Path | None = None) -> Inputs:
    """Files as they are, folders recursively, globs expanded; raises InputNotFound for a
    path that matches nothing. The files of ``warehouse`` (the file itself and, beside it,
    those whose names go on from its name: ``.wal``, the writer's folder with its copies and
    lock, the publishing's partial files) are left out, even when named (``Inputs.own``)."""
    named: list[tuple[Path, Path]] = []  # (entry, the folder given it was found under)
    for raw in paths:
        path = Path(raw)
        if os.path.lexists(path):  # a name that exists, if only as a broken link
            named.append((path, _root_of(path)))
            continue
        matches = sorted(glob.glob(raw, recursive=True))
        if not matches:
            raise InputNotFound(f"no such file, folder or glob match: {raw}")
        root = _real(_glob_base(raw))
        named.extend((Path(match), root) for match in matches)
    roots = [root for _, root in named]
    found = Inputs()
    seen_dirs: set[Path] = set()
    own = None if warehouse is None else (_real(warehouse.parent), warehouse.name)
    for path, _ in named:
        _walk(path, roots, follow_links, found, seen_dirs, top=True, own=own)
    # A file named twice is read once; order stays stable for reproducible runs.
    found.files = list(dict.fromkeys(found.files))
    found.refused = list(dict.fromkeys(found.refused))
    return found


def _walk(start: Path, roots: list[Path], follow_links: bool, found: Inputs,
          seen_dirs: set[Path], top: bool, own: tuple[Path, str] | None = None) -> None:
    """Depth-first, entries in name order (the order of ``sorted(folder.rglob("*"))``)."""
    stack: list[tuple[Path, bool]] = [(start, top)]
    while stack:
        path, named = stack.pop()
        if own is not None and (path.name == own[1] or path.name.startswith(own[1] + ".")) \
                and _real(path.parent) == own[0]:
            found.own.append(path)
            continue
        if not named and path.name.startswith("."):
            found.hidden.append(path)
            continue
        kind, real, refusal = _entry(path, roots, follow_links)
        if refusal is not None:
            found.refused.append(refusal)
        elif kind == "file":
            found.files.append(real)
        elif kind == "dir":
            if real in seen_dirs:  # a link back to a folder already walked
                continue
            seen_dirs.add(real)
            try:
                entries = sorted(os.scandir(path), key=lambda e: e.name)
            except OSError as exc:
                found.refused.append(Refused(path, ReasonCode.UNREADABLE_FILE,
                                             f"unreadable folder: {exc.strerror or exc}"))
                continue
            stack.extend((path / entry.name, False) for entry in reversed(entries))


def _entry(path: Path, roots: list[Path], follow_links: bool
           ) -> tuple[str | None, Path | None, Refused | None]:
    """("file" | "dir", its real path, None), or (None, None, why it is refused)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        return None, None, Refused(path, ReasonCode.UNREADABLE_FILE,
                                   f"unreadable: {exc.strerror or exc}")
    real = _real(path)
    if stat.S_ISLNK(mode):
        try:
            real = path.resolve(strict=True)
            mode = os.stat(real).st_mode
        except (OSError, RuntimeError) as exc:
            loop = isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP
            return None, None, Refused(path, ReasonCode.UNREADABLE_FILE, (
                "symbolic link loop" if loop
                else f"broken symbolic link (to {_link_target(path)})"))
        if not follow_links and not any(real.is_relative_to(root) for root in roots):
            return None, None, Refused(path, ReasonCode.LINK_NOT_FOLLOWED, (
                f"symbolic link to {real}, outside the folders given: not followed "
                "(--follow-links reads it)"))
    if stat.S_ISREG(mode):
        return "file", real, None
    if stat.S_ISDIR(mode):
        return "dir", real, None
    return None, None, Refused(path, ReasonCode.UNSUPPORTED_FILE,
                               f"not a regular file ({_kind(mode)}): not read")


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a file or folder"


def _link_target(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"


def _real(path: Path) -> Path:
    """The path with every link resolved, as far as it resolves."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a link loop
        return path.absolute()


def _root_of(path: Path) -> Path:
    """The folder a path named on the command line gives: itself if it is a folder (the
    folder it links to, if a link), else the folder it is in."""
    return _real(path) if path.is_dir() else _real(path.absolute().parent)


def _glob_base(pattern: str) -> Path:
    """The folder a glob starts from: its leading parts without a wildcard."""
    base = list(itertools.takewhile(lambda part: not glob.has_magic(part),
                                    Path(pattern).parts))
    return Path(*base) if base else Path(".")
