"""{{name}}: an ascribe attribution model, written in Python.

As generated it is a linear model that can leave some keys out: every touch of a
converting journey gets an equal share, except touches on `ignore_keys` (say `direct`),
which get none unless the journey has nothing else. Change INFO and `attribute`; `app.py`
connects them to the contract. This file imports nothing from WebAssembly, so
`python3 -m unittest` tests it with any Python.
"""

import ascribe_kit as kit

INFO = kit.ModelInfo(
    name="{{name}}",
    version="0.1.0",
    description="Linear credit over the touches of each journey, leaving out the keys in `ignore_keys` unless a journey has no other",
    params=[
        kit.ParamSpec("ignore_keys", "direct",
                      "comma-separated keys that get no credit while the journey has other touches"),
    ],
    needs_timestamps=False,
    needs_milestones=False,
    needs_nulls=False,
    key_scores=[],
)


def attribute(j, params):
    """`j` has the contract's columns (`keys`, `touch_key`, `journey_offsets`,
    `conversions`, …); returns one weight per touch. For every journey with conversions,
    its weights must be finite, non-negative and sum to 1."""
    ignore = set(params.list("ignore_keys"))
    ignored = [k in ignore for k in j.keys]
    weights = [0.0] * len(j.touch_key)
    for jr in kit.iter_journeys(j):
        counted = sum(1 for k in jr.keys if not ignored[k])
        for i, k in enumerate(jr.keys):
            if counted == 0:
                w = 1.0 / len(jr.keys)
            elif ignored[k]:
                w = 0.0
            else:
                w = 1.0 / counted
            weights[jr.start + i] = w
    return kit.Output(weights)
