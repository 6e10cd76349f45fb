"""The component's entry point: connects plugin.py to the contract
(`ascribe:normalizer@0.1.0`, wit/normalizer.wit). componentize-py generates the
`wit_world` bindings while it builds; you should not need to change this file."""

from wit_world import exports
from wit_world.exports import normalize as wit

import ascribe_kit as kit
import normalize
import plugin


class Normalize(exports.Normalize):
    def info(self):
        i = plugin.INFO
        return wit.PluginInfo(
            name=i.name,
            version=i.version,
            kind="normalizer",
            description=i.description,
            params=[wit.ParamSpec(p.name, p.default_value, p.description) for p in i.params],
            accepts=list(i.accepts),
        )

    def open(self, source, params):
        try:
            p = kit.Params.resolve(plugin.INFO.params, params)
            rows = plugin.Plugin(kit.Source(source.kind, source.file_name), p)
        except MemoryError:
            raise
        except Exception as e:
            raise normalize.refusal(e) from None
        return normalize.Session(kit.CsvNormalizer(rows))
