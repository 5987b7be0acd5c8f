"""The progress bar of a fit: preparation phases, then training steps."""

import time

from tqdm.auto import tqdm


class FitProgress:
    """One bar for the whole fit: the adapter's fit and the encoding (named in the bar,
    with their seconds) then every training step, with the latest losses.

    Parameters
    ----------
    verbose : int
        ``>= 1`` shows the bar; ``>= 2`` leaves it on screen after the fit.
    name : str
        The estimator's name, at the head of the bar.
    """

    def __init__(self, verbose, name):
        self.name = name
        self.bar = tqdm(total=None, desc=name, unit="step", disable=verbose < 1,
                        leave=verbose >= 2)
        self.phase_started = None
        self.phase_name = None
        self.done_phases = []

    def phase(self, doing, done=None):
        """Say that a preparation phase starts (ending the one before): ``doing`` is
        shown while it runs, ``done`` (if given) with its seconds once training runs."""
        self._end_phase()
        self.phase_name, self.phase_started = done, time.perf_counter()
        self.bar.set_description(f"{self.name}: {doing}")

    def start_training(self, n_steps):
        """Preparation is over; ``n_steps`` training steps follow."""
        self._end_phase()
        self.bar.reset(total=n_steps)
        done = f" ({', '.join(self.done_phases)})" if self.done_phases else ""
        self.bar.set_description(f"{self.name}{done}")

    def step(self):
        self.bar.update(1)

    def show(self, values):
        """The latest losses and scores, after an epoch."""
        self.bar.set_postfix({name: f"{value:.3g}" for name, value in values.items()})

    def write(self, message):
        """Print ``message`` on its own line above the bar (nothing when the bar is
        off: ``verbose=0``, or another rank than 0 of a distributed fit)."""
        if not self.bar.disable:
            tqdm.write(message)

    def close(self):
        self.bar.close()

    def _end_phase(self):
        if self.phase_name is not None:
            seconds = time.perf_counter() - self.phase_started
            self.done_phases.append(f"{self.phase_name} {seconds:.1f}s")
            self.phase_name = None
