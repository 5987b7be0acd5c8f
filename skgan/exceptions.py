"""Warnings skgan emits during training."""


class TrainingDivergedWarning(RuntimeWarning):
    """Losses became NaN or infinite; training stopped at the last good weights."""


class TrainingInterruptedWarning(UserWarning):
    """Training was interrupted (Ctrl-C); the estimator keeps its last completed epoch."""
