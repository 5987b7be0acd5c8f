"""``--ema-decay`` for the benchmark scripts: leave skgan's default, or set it."""

#: The value meaning "the estimators' own default" (not passed on).
DEFAULT = "default"


def add_ema_decay_option(parser):
    """Add ``--ema-decay``: a float, 'none' (last weights) or, when left out, the default."""
    parser.add_argument("--ema-decay", type=_decay, default=DEFAULT,
                        help="skgan's ema_decay, a float or 'none' for the last weights "
                             "(default: the estimators' own)")


def ema_decay_params(ema_decay):
    """Keyword arguments for an skgan sampler: empty when the option was left out."""
    return {} if ema_decay == DEFAULT else {"ema_decay": ema_decay}


def _decay(value):
    # argparse passes a string default through ``type`` too: keep DEFAULT as it is
    if value == DEFAULT:
        return DEFAULT
    return None if value.lower() == "none" else float(value)
