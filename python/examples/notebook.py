"""What a notebook does with ascribe: ChannelAttribution's call, exact, on a path table.

    python python/examples/notebook.py [PATHS.csv]

(default: the sample path table that `ascribe plugin new` ships).
"""

import sys
from pathlib import Path

import pandas as pd

import ascribe

table = sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "host/templates/samples/paths.csv"
df = pd.read_csv(table)
print(ascribe.markov_model(df, "path", "total_conversions",
                           var_value="total_conversion_value", order=2))
print(ascribe.heuristic_models(df, "path", "total_conversions",
                               var_value="total_conversion_value"))
