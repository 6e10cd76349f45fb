"""Tests of the plugin's logic under plain Python: `python3 -m unittest`."""

import unittest
from pathlib import Path

import ascribe_kit as kit
import plugin

SAMPLE = (Path(__file__).parent / "sample" / "attendees.csv").read_bytes()
DAY = 86400000


def run(data=SAMPLE, chunk=1 << 20, params=()):
    return kit.run_file(plugin.INFO, plugin.Plugin, data, params=params, chunk=chunk,
                        file_name="agents-in-production.csv")


class SampleTest(unittest.TestCase):
    def test_rows_touches_events_and_rejects(self):
        b = run()
        self.assertEqual(b.rows_read, 6)
        self.assertEqual(kit.unaccounted_rows(b), [])
        self.assertEqual(b.touch_row, [1, 2, 3])
        self.assertEqual(b.touch_cols["touch_type"], ["attended", "registered", "attended"])
        self.assertEqual(b.touch_cols["asset"], ["agents-in-production"] * 3)
        # Sep 9, 2026 09:00 AM, wall clock, no offset.
        self.assertEqual(b.touch_time[0], (kit.days_from_civil(2026, 9, 9) * DAY + 9 * 3600000, None))
        self.assertEqual(b.touch_time[1][0], kit.days_from_civil(2026, 9, 3) * DAY + (11 * 60 + 47) * 60000)
        self.assertEqual(b.event_row, [1, 2, 3])
        self.assertEqual(b.event_cols["stage"], ["registered"] * 3)
        self.assertEqual([r[:2] for r in b.rejects],
                         [(4, "Email"), (5, "Attended"), (6, "Join Time")])
        self.assertEqual(b.rejects[2][2], "day 31 is out of range for 2026-09")

    def test_min_minutes_and_chunking(self):
        b = run(params=[("min_minutes", "5"), ("webinar", "Agents in Production")])
        self.assertEqual(b.touch_cols["touch_type"], ["attended", "registered", "registered"])
        self.assertEqual(b.touch_cols["asset"][0], "Agents in Production")
        for chunk in (1, 5, 64):
            c = run(chunk=chunk)
            self.assertEqual((c.touch_row, c.event_row, c.rejects),
                             (run().touch_row, run().event_row, run().rejects), chunk)

    def test_bad_parameter(self):
        with self.assertRaises(kit.ParamError):
            run(params=[("min_minutes", "soon")])


if __name__ == "__main__":
    unittest.main()
