"""Tests of the plugin's logic under plain Python: `python3 -m unittest`."""

import unittest
from pathlib import Path

import ascribe_kit as kit
import plugin

SAMPLE = (Path(__file__).parent / "sample" / "touches.csv").read_bytes()


def run(data=SAMPLE, chunk=1 << 20, params=()):
    return kit.run_file(plugin.INFO, plugin.Plugin, data, params=params, chunk=chunk)


class SampleTest(unittest.TestCase):
    def test_every_row_is_accounted_for_in_any_chunking(self):
        whole = run()
        self.assertEqual(whole.rows_read, 6)
        self.assertEqual(whole.touches(), 4)
        self.assertEqual(len(whole.rejects), 2)
        self.assertEqual(kit.unaccounted_rows(whole), [])
        self.assertEqual(whole.touch_cols["channel"][2], "paid_social")
        self.assertEqual(whole.touch_cols["asset"][3], 'carousel "v2", square')
        self.assertEqual(whole.rejects[0][:2], (4, "Touched At"))
        # The host feeds 1 MiB chunks, but a record may span any two of them.
        for chunk in (1, 2, 3, 7, 64):
            b = run(chunk=chunk)
            self.assertEqual(b.touch_row, whole.touch_row, chunk)
            self.assertEqual(b.rejects, whole.rejects, chunk)

    def test_bad_parameters_and_files_are_refused(self):
        with self.assertRaises(kit.ParamError):
            run(params=[("delimiter", "#")])
        with self.assertRaises(kit.BadFile) as e:
            run(b"Name,Date\nx,y\n")
        self.assertEqual(
            str(e.exception),
            "missing required column(s): Email, Company Domain, Touched At, Channel")


if __name__ == "__main__":
    unittest.main()
