"""The component's entry point: connects plugin.py to the contract
(`ascribe:model@0.1.0`, wit/model.wit). componentize-py generates the `wit_world`
bindings while it builds; you should not need to change this file."""

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports import attribution as wit

import ascribe_kit as kit
import plugin


def _refusal(e):
    """An exception as the contract's error. MemoryError is left alone: the host reports
    it as the memory limit it is."""
    if isinstance(e, kit.ParamError):
        return Err(wit.ModelError_InvalidParam(str(e)))
    if isinstance(e, kit.UnsupportedInput):
        return Err(wit.ModelError_UnsupportedInput(str(e)))
    if isinstance(e, kit.Failed):
        return Err(wit.ModelError_Failed(str(e)))
    return Err(wit.ModelError_Failed(kit.describe(e)))


class Attribution(exports.Attribution):
    def info(self):
        i = plugin.INFO
        return wit.PluginInfo(
            name=i.name,
            version=i.version,
            kind="model",
            description=i.description,
            params=[wit.ParamSpec(p.name, p.default_value, p.description) for p in i.params],
            needs_timestamps=i.needs_timestamps,
            needs_milestones=i.needs_milestones,
            needs_nulls=i.needs_nulls,
            key_scores=list(i.key_scores),
        )

    def attribute(self, input, params):
        try:
            p = kit.Params.resolve(plugin.INFO.params, params)
            out = plugin.attribute(input, p)
        except MemoryError:
            raise
        except Exception as e:
            raise _refusal(e) from None
        return wit.AttributionOutput(
            weights=[float(w) for w in out.weights],
            scores=[wit.ScoreColumn(name, [float(v) for v in values]) for name, values in out.scores],
            notes=list(out.notes),
        )
