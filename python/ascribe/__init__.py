"""ascribe: attribution for partner co-marketing campaigns, from Python.

Two layers:

- ChannelAttribution's API, exact: :func:`heuristic_models` and :func:`markov_model` take
  the same arguments and return the same columns as ChannelAttribution 2.2.5, solved
  exactly (no simulation), from a pandas, polars or pyarrow table.
- ascribe's own: :func:`paths` (any bundled model or a ``.wasm`` plugin over a path
  table), :func:`track_source` and :func:`compare` (the CLI's commands on a campaign file).

Errors raise :class:`AscribeError` with the message the CLI prints (usage errors raise
``ValueError``). The work runs in Rust with the GIL released.
"""

from ._native import AscribeError, __version__
from ._channelattribution import heuristic_models, markov_model
from ._pipeline import Comparison, Report, compare, paths, track_source

__all__ = [
    "AscribeError",
    "Comparison",
    "Report",
    "__version__",
    "compare",
    "heuristic_models",
    "markov_model",
    "paths",
    "track_source",
]
