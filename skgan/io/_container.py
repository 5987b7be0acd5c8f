"""The zip archive of a model file: its three members, written and read with checks.

Members: ``skgan.json`` (the document), ``arrays.safetensors`` (numpy arrays) and
``tensors.safetensors`` (torch tensors). Entries carry a fixed date, so saving the same
model twice gives identical bytes. Reading refuses anything that is not exactly such an
archive with a ValueError naming the problem.
"""

import errno
import io
import json
import os
import secrets
import shutil
import stat
import zipfile
import zlib
from pathlib import Path

import safetensors
import safetensors.numpy
import safetensors.torch

DOCUMENT = "skgan.json"
ARRAYS = "arrays.safetensors"
TENSORS = "tensors.safetensors"
MEMBERS = (DOCUMENT, ARRAYS, TENSORS)

_FIXED_DATE = (1980, 1, 1, 0, 0, 0)
#: The largest member a model file may unpack to (a guard against zip bombs).
MAX_MEMBER_BYTES = 16 * 2**30
#: Members larger than this may unpack to at most MAX_UNPACK_RATIO times their packed
#: size (``save`` stores weights as they are; its JSON deflates about ten times).
MIN_CHECKED_BYTES = 64 * 2**20
MAX_UNPACK_RATIO = 200
_PICKLE_PROTOCOL_MARK = b"\x80"
_CONVERT_HINT = ("if you trust it, convert it with "
                 "'skgan convert --trust-pickle OLD_FILE NEW_FILE.skgan'")


def writable_target(target):
    """Where :func:`write_archive` writes ``target``: a binary file object as it is, or
    the file a path names (links followed). Errors name the path as the user gave it
    (not a temporary file), before any work is spent on the model."""
    if hasattr(target, "write"):
        if isinstance(target, io.TextIOBase):
            raise TypeError("skgan.save writes bytes: open the file in binary mode "
                            "(open(path, 'wb')), or pass its path")
        return target
    if isinstance(target, (str, os.PathLike)) and not os.fspath(target):
        raise ValueError("skgan.save was given an empty path")
    path = followed_path(target)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "A folder, not a file to write the model "
                                "to (give a file name inside it)", os.fspath(target))
    if not path.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, "No such folder to write into",
                                os.fspath(target))
    return path


def write_archive(target, document, arrays, tensors):
    """Write the archive to ``target`` (from :func:`writable_target`: a path, written
    whole or not at all, or a binary file object)."""
    payload = io.BytesIO()
    with zipfile.ZipFile(payload, "w") as archive:
        _write_member(archive, DOCUMENT, json.dumps(document, indent=1, allow_nan=False)
                      .encode("utf-8"), zipfile.ZIP_DEFLATED)
        # Weights barely compress (7 %) and deflating them takes seconds: stored as is.
        _write_member(archive, ARRAYS, safetensors.numpy.save(arrays), zipfile.ZIP_STORED)
        _write_member(archive, TENSORS, safetensors.torch.save(tensors), zipfile.ZIP_STORED)
    if hasattr(target, "write"):
        target.write(payload.getvalue())
        return
    if is_special_file(target):  # a device or a pipe: written into, never replaced
        with open(target, "wb") as handle:
            handle.write(payload.getvalue())
        return
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    try:
        with open(partial, "xb") as handle:  # a new name: nothing else is overwritten
            handle.write(payload.getvalue())
        keep_permissions(target, partial)
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def is_special_file(path):
    """Whether ``path`` is a device, a named pipe or a socket (``/dev/null``, a FIFO):
    written into as it is, not replaced by a new file."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or \
        stat.S_ISSOCK(mode)


def followed_path(target):
    """The file that writing ``target`` replaces: symbolic links followed, so that a
    link's own file gets the new content and the link stays."""
    return Path(os.path.realpath(os.fspath(target)))


def keep_permissions(replaced, written):
    """Give the file ``written`` (about to replace ``replaced``) the permissions of the
    file it replaces, when there is one: a private file stays private."""
    try:
        shutil.copymode(replaced, written)
    except FileNotFoundError:
        pass


def _write_member(archive, name, data, compression):
    info = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
    info.compress_type = compression
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def read_archive(source):
    """The document, arrays and tensors (on the CPU) of the archive at ``source``."""
    if isinstance(source, io.TextIOBase):
        raise TypeError("skgan.load reads bytes: open the file in binary mode "
                        "(open(path, 'rb')), or pass its path")
    name = getattr(source, "name", None) if hasattr(source, "read") else os.fspath(source)
    data = source.read() if hasattr(source, "read") else Path(name).read_bytes()
    label = name if isinstance(name, str) else "the model file"
    if not data.startswith(b"PK"):
        if data[:1] == _PICKLE_PROTOCOL_MARK:
            raise ValueError(f"{label} is a pickle, not a skgan model file: pickles can run "
                             f"code when loaded, so skgan does not load them; {_CONVERT_HINT}")
        raise ValueError(f"{label} is not a skgan model file (not a zip archive)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            missing = [member for member in MEMBERS if member not in names]
            extra = [member for member in names if member not in MEMBERS]
            if missing or extra or len(names) != len(MEMBERS):
                raise ValueError(
                    f"{label} is not a skgan model file: "
                    + "; ".join(filter(None, [
                        missing and f"member(s) {missing} missing",
                        extra and f"unexpected member(s) {extra}",
                        len(set(names)) != len(names) and "a member appears twice"])))
            too_big = [info.filename for info in archive.infolist()
                       if info.file_size > MAX_MEMBER_BYTES]
            if too_big:
                raise ValueError(f"{label}: member(s) {too_big} unpack to more than "
                                 f"{MAX_MEMBER_BYTES // 2**30} GiB")
            bombs = [info.filename for info in archive.infolist()
                     if info.file_size > max(MIN_CHECKED_BYTES,
                                             MAX_UNPACK_RATIO * info.compress_size)]
            if bombs:  # save stores weights as they are and deflates the JSON ~10 times
                raise ValueError(f"{label}: member(s) {bombs} unpack to more than "
                                 f"{MAX_UNPACK_RATIO} times their packed size (a zip bomb?)")
            encrypted = [info.filename for info in archive.infolist() if info.flag_bits & 0x1]
            if encrypted:  # zipfile would ask for a password (a RuntimeError)
                raise ValueError(f"{label} is not a skgan model file: member(s) "
                                 f"{encrypted} are encrypted")
            members = {member: archive.read(member) for member in MEMBERS}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error) as error:
        raise ValueError(f"{label} is damaged or truncated ({error})") from None
    except NotImplementedError as error:  # an unknown compression method
        raise ValueError(f"{label} is not a skgan model file ({error})") from None
    try:
        document = json.loads(members[DOCUMENT].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise ValueError(f"{label}: {DOCUMENT} is not valid JSON ({error})") from None
    if not isinstance(document, dict):
        raise ValueError(f"{label}: {DOCUMENT} is not a JSON object")
    try:
        arrays = safetensors.numpy.load(members[ARRAYS])
    except Exception as error:  # safetensors reports bad headers as several error kinds
        raise ValueError(f"{label}: {ARRAYS} is not a valid safetensors file ({error})") \
            from None
    try:
        tensors = safetensors.torch.load(members[TENSORS])
    except Exception as error:
        raise ValueError(f"{label}: {TENSORS} is not a valid safetensors file ({error})") \
            from None
    return document, arrays, tensors, label
