"""Shared test set-up: plots render with the non-interactive Agg backend."""

import matplotlib

matplotlib.use("Agg")
