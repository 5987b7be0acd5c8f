"""``main``: the ``skgan`` command's entry point, which parses the command line, runs the
subcommand (:mod:`skgan.cli.commands`) and turns every failure into one line on stderr
and an exit status."""

import os
import signal
import sys
import threading
import warnings
from contextlib import contextmanager

from .commands import _INTERRUPTED, build_parser
from .files import CommandError, _error, _first_line, _is_primary_process, _warn

_TERMINATED = 143  # 128 + SIGTERM, as shells report it


def main(argv=None):
    """Run the ``skgan`` command with ``argv`` (default: ``sys.argv[1:]``).

    Parameters
    ----------
    argv : list of str or None, default=None
        The command line after ``skgan``.

    Returns
    -------
    status : int
        0 on success, 1 on an error, 2 on a bad command line, 130 on Ctrl-C. Errors
        are reported as one line on stderr.

    Examples
    --------
    >>> from skgan.cli import main
    >>> main(["report", "no-such-real.csv", "no-such-synthetic.csv"])
    1
    """
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_request:  # --help, or a usage error already printed
        return exit_request.code or 0
    with _one_line_warnings(), _terminated_as_an_exception():
        try:
            return args.handler(args)
        except KeyboardInterrupt:
            _error("interrupted")
            return _INTERRUPTED
        except _Terminated:  # SIGTERM: unwound like Ctrl-C, so no partial file stays
            _error("terminated")
            return _TERMINATED
        except BrokenPipeError:  # e.g. `skgan sample ... | head`
            _silence_stdout()
            return 1
        except Exception as error:
            if os.environ.get("SKGAN_DEBUG"):
                raise
            _error(_describe(error))
            return 1


def _describe(error):
    if isinstance(error, CommandError):
        return str(error)
    if isinstance(error, OSError) and error.strerror:
        return f"{error.filename}: {error.strerror}" if error.filename else error.strerror
    if isinstance(error, (ValueError, TypeError)):
        return _first_line(error)
    return f"{type(error).__name__}: {_first_line(error)}"


class _Terminated(Exception):
    """SIGTERM arrived (raised in the main thread by the handler below)."""


@contextmanager
def _terminated_as_an_exception():
    """While the command runs, SIGTERM raises :class:`_Terminated` in the main thread,
    so that ``finally`` blocks remove what was half written (in the main thread only:
    Python lets no other set a handler)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum, frame):
        raise _Terminated()

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _one_line_warnings():
    """Show each warning once, as one line, ``skgan: warning: ...``, on stderr."""
    shown = set()

    def show_once(message, *args, **kwargs):
        if str(message) not in shown and _is_primary_process():  # once, not per rank
            shown.add(str(message))
            _warn(message)

    with warnings.catch_warnings():
        warnings.showwarning = show_once
        yield


def _silence_stdout():
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
