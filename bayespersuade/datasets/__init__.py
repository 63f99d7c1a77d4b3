"""Dataset loaders: human persuasion datasets as :class:`ClaimRecord` lists."""

from .records import ClaimRecord, Evidence, LoadResult, RatingObservation, Rejection

__all__ = ["ClaimRecord", "Evidence", "LoadResult", "RatingObservation", "Rejection"]
