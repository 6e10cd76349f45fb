"""Tests of the model under plain Python: `python3 -m unittest`."""

import unittest

import ascribe_kit as kit
import plugin


def run(j, params=()):
    return plugin.attribute(j, kit.Params.resolve(plugin.INFO.params, list(params)))


class ModelTest(unittest.TestCase):
    def test_credit_skips_ignored_keys_unless_alone(self):
        j = kit.journeys_from_paths([
            ("webinar > direct > event", 1, 0, 100),
            ("direct", 2, 0, 50),
            ("email > email", 0, 3, 0),
        ])
        out = run(j)
        self.assertEqual(list(out.weights), [0.5, 0.0, 0.5, 1.0, 0.5, 0.5])
        self.assertIsNone(kit.check_weights(j, out.weights))
        plain = run(j, [("ignore_keys", "")])
        self.assertEqual(list(plain.weights[:3]), [1 / 3] * 3)
        self.assertIsNone(kit.check_weights(j, plain.weights))

    def test_unknown_parameters_are_refused(self):
        with self.assertRaises(kit.ParamError) as e:
            run(kit.journeys_from_paths([("a", 1, 0, 1)]), [("ignore", "x")])
        self.assertEqual(str(e.exception),
                         "unknown parameter `ignore`: accepted parameters are ignore_keys")


if __name__ == "__main__":
    unittest.main()
