"""Labelled WGS84 points: the one currency between the study area and travel models."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Points"]


@dataclass(frozen=True)
class Points:
    """A set of labelled points in WGS84 longitude/latitude.

    Parameters
    ----------
    ids
        Unique labels, one per point.
    lon, lat
        Degrees east and north (EPSG:4326), same length as ``ids``.

    Examples
    --------
    >>> pts = Points(("a", "b"), np.array([-2.44, -2.16]), np.array([50.71, 50.86]))
    >>> len(pts)
    2
    """

    ids: tuple[str, ...]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]

    def __post_init__(self) -> None:
        lon = np.asarray(self.lon, dtype=np.float64)
        lat = np.asarray(self.lat, dtype=np.float64)
        object.__setattr__(self, "ids", tuple(str(i) for i in self.ids))
        object.__setattr__(self, "lon", lon)
        object.__setattr__(self, "lat", lat)
        if not (len(self.ids) == lon.shape[0] == lat.shape[0]):
            raise ValueError("Points: ids, lon and lat must have the same length")
        if len(set(self.ids)) != len(self.ids):
            raise ValueError("Points: ids must be unique")

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, mask: npt.NDArray[np.bool_]) -> Points:
        """Return the points where ``mask`` is true, in order."""
        keep = np.asarray(mask, dtype=bool)
        return Points(
            tuple(i for i, k in zip(self.ids, keep, strict=True) if k),
            self.lon[keep],
            self.lat[keep],
        )
