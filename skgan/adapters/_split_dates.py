"""Dates held in three integer columns (year, month, day), generated as valid dates.

Tables often split a date into columns such as ``birth_year``, ``birth_month`` and
``birth_day``. Modelled one by one, they combine into days that do not exist (30
February, 31 April). :func:`find_split_dates` recognises such triples: columns whose
names differ only by ``year`` / ``month`` / ``day`` (any case), holding whole numbers
that form a valid date in every training row where all three are known. When decoding,
:func:`repair_split_dates` moves a day past the end of its month to the month's last
day, so every generated row holds a real date; rows that are valid stay as generated.
"""

import re

import numpy as np
import pandas as pd

from ._column_kinds import is_integer_valued

_PART = re.compile("year", re.IGNORECASE)


def find_split_dates(frame):
    """``(year, month, day)`` column positions of every split date in ``frame``."""
    names = list(frame.columns)
    position_of = {}  # each name in lower case (the first column of that name)
    for position, name in enumerate(names):
        if isinstance(name, str):
            position_of.setdefault(name.lower(), position)
    found = []
    for year, name in enumerate(names):
        if not isinstance(name, str) or not _PART.search(name):
            continue
        month = position_of.get(_PART.sub("month", name).lower())
        day = position_of.get(_PART.sub("day", name).lower())
        if month is None or day is None:
            continue
        if _forms_valid_dates(frame.iloc[:, year], frame.iloc[:, month], frame.iloc[:, day]):
            found.append((year, month, day))
    return found


def repair_split_dates(years, months, days):
    """``days`` with every day past its month's end set to that month's last day."""
    known = years.notna() & months.notna() & days.notna()
    if not known.any():
        return days
    year = years[known].to_numpy(dtype=np.int64)
    month = np.clip(months[known].to_numpy(dtype=np.int64), 1, 12)
    month_start = pd.to_datetime({"year": year, "month": month, "day": np.ones_like(year)})
    last_day = (month_start + pd.offsets.MonthEnd(0)).dt.day.to_numpy()
    day = days[known].to_numpy(dtype=np.int64)
    too_late = day > last_day
    if not too_late.any():
        return days
    repaired = days.copy()
    positions = np.flatnonzero(known.to_numpy())[too_late]
    repaired.iloc[positions] = pd.array(last_day[too_late], dtype=days.dtype)
    return repaired


def _forms_valid_dates(years, months, days):
    if not all(is_integer_valued(column) for column in (years, months, days)):
        return False
    known = years.notna() & months.notna() & days.notna()
    if known.sum() < 2:
        return False
    parts = {"year": years[known].astype(np.int64), "month": months[known].astype(np.int64),
             "day": days[known].astype(np.int64)}
    if not parts["year"].between(1, 9999).all():
        return False
    dates = pd.to_datetime(pd.DataFrame(parts), errors="coerce")
    return bool(dates.notna().all())
