"""What continued training (``warm_start``, ``partial_fit``) changes in place, copied
before it starts so that a call that fails leaves the estimator as it was.

A fresh fit builds new networks, history and generators, so putting the estimator's
attributes back undoes it; a continued one trains the same objects further, and
:class:`StateBeforeContinuing` keeps what they held.
"""

import copy

from .loop import restore_snapshot, take_snapshot


#: What the calibration after training sets on a table adapter's pair tables (the
#: oversampling it chose, the gaps it chose it by, and the raking factors it found).
PAIR_CHOICES = ("oversampling", "v_gaps", "share_gaps", "start_factors")


class StateBeforeContinuing:
    """What continued training (``warm_start``, ``partial_fit``) changes in place, copied
    before it starts, to put back if the call fails: the networks' weights (the latent
    encoder's too) and optimiser states, ``history_``'s lists, the torch generators'
    states and a table adapter's pair tables (whose oversampling the calibration after
    training chooses). Attributes the call replaces are put back by the caller."""

    def __init__(self, estimator):
        self.modules = dict(estimator._networks())
        encoder = estimator.__dict__.get("encoder_")
        if encoder is not None:
            self.modules["encoder"] = encoder
        self.optimizers = dict(estimator.optimizers_)
        self.snapshot = take_snapshot(self.modules, self.optimizers)
        self.history = estimator.history_
        self.history_lists = {name: list(values) for name, values in self.history.items()}
        self.generator_states = [
            (generator, generator.get_state())
            for generator in (estimator.__dict__.get(name) for name in ("_rng", "_encoder_rng"))
            if generator is not None]
        self.pair_tables = getattr(estimator.adapter_, "pair_tables_", None)
        self.pair_choices = {} if self.pair_tables is None else {
            name: copy.deepcopy(vars(self.pair_tables)[name])
            for name in PAIR_CHOICES if name in vars(self.pair_tables)}

    def restore(self):
        restore_snapshot(self.snapshot, self.modules, self.optimizers)
        self.history.clear()
        self.history.update(self.history_lists)
        for generator, state in self.generator_states:
            generator.set_state(state)
        if self.pair_tables is not None:
            for name in PAIR_CHOICES:
                vars(self.pair_tables).pop(name, None)
            vars(self.pair_tables).update(self.pair_choices)
