//! The numbers of a row: counts and values, with an exact fast path for plain decimals.

use super::show;

/// A count: finite and not negative.
pub(super) fn number(field: &[u8], col: &str) -> Result<f64, String> {
    let x = signed_number(field, col)?;
    if x < 0.0 {
        return Err(format!(
            "{col} is {}; it must be 0 or more",
            show(field.trim_ascii())
        ));
    }
    Ok(x)
}

/// Powers of ten that f64 holds exactly.
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// Any finite number. Plain decimals of up to 15 digits (`12`, `-1601.35`) take a fast
/// path that is exact: the digits form an integer below 2^53 and the power of ten is exact,
/// so one IEEE division rounds correctly, exactly as the full parser would.
pub(super) fn signed_number(field: &[u8], col: &str) -> Result<f64, String> {
    let f = field.trim_ascii();
    if f.is_empty() {
        return Err(format!("{col} is empty"));
    }
    if let Some(x) = fast_decimal(f) {
        return Ok(x);
    }
    let parsed = std::str::from_utf8(f)
        .ok()
        .filter(|s| !s.contains(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E'))
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|x| x.is_finite());
    match parsed {
        Some(x) => Ok(x + 0.0),
        None if f.contains(&b',') && !f.contains(&b'.') => Err(format!(
            "{col} `{}` is not a number (write the decimal separator as `.`)",
            show(f)
        )),
        None => Err(format!("{col} `{}` is not a number", show(f))),
    }
}

/// The exact fast path of [`signed_number`] for plain decimals, standing in for
/// `str::parse::<f64>` (and the UTF-8 and letter checks before it) on the numbers a
/// warehouse export holds. The benchmark that shows what it pays is
/// `cargo bench -p ascribe --bench paths -- --read` (reading alone, the 1M-path table of
/// 92.5 MB, three numbers a row). 2026-12-04, an A/B in one throwaway build (the fast
/// path switched off), 4 interleaved runs on 2 shared cores at load 6–9: one thread best
/// 0.453 s with it, 0.605 s without (medians 0.498 / 0.635 s); two threads best 0.519 /
/// 0.727 s (medians 0.549 / 0.789 s).
#[inline]
fn fast_decimal(f: &[u8]) -> Option<f64> {
    let (neg, digits) = match f.first() {
        Some(b'-') => (true, &f[1..]),
        _ => (false, f),
    };
    let (mut m, mut n, mut frac, mut dot) = (0u64, 0usize, 0usize, false);
    for &d in digits {
        match d {
            // A 16th digit leaves the fast path before it is added, so m stays below 10^15
            // (adding every digit first overflowed u64 from the 20th digit on).
            b'0'..=b'9' if n == 15 => return None,
            b'0'..=b'9' => {
                m = m * 10 + (d - b'0') as u64;
                n += 1;
                frac += dot as usize;
            }
            b'.' if !dot => dot = true,
            _ => return None,
        }
    }
    if n == 0 {
        return None;
    }
    let x = m as f64 / POW10[frac];
    Some(if neg { -x } else { x } + 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::paths::ReadOptions;
    use crate::commands::paths::testing::parse;

    #[test]
    fn numbers() {
        assert_eq!(signed_number(b" 12 ", "x"), Ok(12.0));
        assert_eq!(signed_number(b"1.5e2", "x"), Ok(150.0));
        assert_eq!(signed_number(b"-3.25", "x"), Ok(-3.25));
        assert_eq!(
            signed_number(b"NaN", "x"),
            Err("x `NaN` is not a number".into())
        );
        assert_eq!(
            signed_number(b"inf", "x"),
            Err("x `inf` is not a number".into())
        );
        assert_eq!(
            signed_number(b"12,5", "x"),
            Err("x `12,5` is not a number (write the decimal separator as `.`)".into())
        );
        assert_eq!(
            number(b"-1", "x"),
            Err("x is -1; it must be 0 or more".into())
        );
        assert_eq!(number(b"", "x"), Err("x is empty".into()));
    }

    #[test]
    fn long_numbers_leave_the_fast_path_without_overflow() {
        // Found by the paths_read fuzz target: the fast path summed every digit into a u64
        // before checking for more than 15, so a number of 20 digits or more overflowed
        // (a panic with debug assertions; in release the wrapped value was discarded).
        // 2^64 = 18446744073709551616 has 20 digits; as f64 it is exact (a power of two).
        assert_eq!(
            signed_number(b"18446744073709551616", "x"),
            Ok(18446744073709551616.0)
        );
        assert_eq!(
            signed_number(b"-18446744073709551616.5", "x"),
            Ok(-18446744073709551616.0)
        );
        // 15 digits stay on the fast path; 2^53 + 1 (16 digits) is halfway between two
        // doubles and rounds to the even one, 2^53, exactly as the full parser does.
        assert_eq!(fast_decimal(b"999999999999.999"), Some(999999999999.999));
        assert_eq!(fast_decimal(b"9007199254740993"), None);
        assert_eq!(
            signed_number(b"9007199254740993", "x"),
            Ok(9007199254740992.0)
        );
        let t = parse(
            "path,total_conversions\na,18446744073709551616\na,1\n",
            &ReadOptions::default(),
        )
        .unwrap();
        assert_eq!(t.cols.conversions, vec![18446744073709551616.0]);
    }
}
