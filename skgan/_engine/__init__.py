"""The training engine every skgan estimator runs on (private).

- :mod:`.core`: :class:`AdversarialCore`, the control flow of ``fit``/``partial_fit``
  (checks, adapter, device, thread limits, best-of-n starts, the epoch loop, history).
- :mod:`.loop`: the epoch loop itself (batches, snapshots, NaN guard, interruption).
- :mod:`.generation`: ``sample`` and chunked generation for fitted samplers.
- :mod:`.averaging`: the generator's exponential moving average.
- :mod:`.best_start`: best-of-n short starts.
- :mod:`.history_pool`: the pool of past fakes of CycleGAN's discriminators.
- :mod:`.domains`: unpaired two-domain data for CycleGAN.
- :mod:`.param_checks`: parameter checks for fitting and continuing.
- :mod:`.torch_utils`: devices, seeds and generator states.
- :mod:`.persistence`: device-portable pickling of torch state.
"""
