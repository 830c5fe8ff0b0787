//! UTC calendar dates from unix timestamps, without a date library.
//!
//! TC3 signing needs only the UTC `YYYY-MM-DD` of the request timestamp, so this is
//! Howard Hinnant's `civil_from_days` rather than a dependency on `chrono` or `time`.

use std::time::{SystemTime, UNIX_EPOCH};

const SECS_PER_DAY: i64 = 86_400;

/// The proleptic Gregorian `(year, month, day)` of `days` since 1970-01-01.
///
/// Total over every `i64`: the arithmetic is done in `i128`, so no input overflows.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = i128::from(days) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = yoe + era * 400 + i128::from(month <= 2);
    // |year| <= |days| / 365 + 1, which always fits in i64.
    let year = i64::try_from(year).unwrap_or(if year < 0 { i64::MIN } else { i64::MAX });
    // month and day are in small ranges checked above.
    (year, month as u32, day as u32)
}

/// The UTC date `YYYY-MM-DD` of a unix timestamp in seconds (the TC3 credential scope date).
///
/// ```
/// assert_eq!(tc_runtime::time::utc_date(1_551_113_065), "2019-02-25");
/// assert_eq!(tc_runtime::time::utc_date(0), "1970-01-01");
/// ```
pub fn utc_date(unix_secs: i64) -> String {
    let (y, m, d) = civil_from_days(unix_secs.div_euclid(SECS_PER_DAY));
    if y < 0 {
        format!("-{:04}-{m:02}-{d:02}", y.unsigned_abs())
    } else {
        format!("{y:04}-{m:02}-{d:02}")
    }
}

/// The current unix time in whole seconds (0 if the clock is before 1970).
pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        let table = [
            (0, "1970-01-01"),
            (86_399, "1970-01-01"),
            (86_400, "1970-01-02"),
            (-1, "1969-12-31"),
            (951_782_400, "2000-02-29"),
            (1_551_113_065, "2019-02-25"),
            (1_640_995_200, "2022-01-01"),
            (1_700_000_000, "2023-11-14"),
            (4_107_542_400, "2100-03-01"),
            (253_402_300_799, "9999-12-31"),
        ];
        for (ts, want) in table {
            assert_eq!(utc_date(ts), want, "timestamp {ts}");
        }
    }

    #[test]
    fn consecutive_days_are_consecutive() {
        // Walk 1600-01-01 .. 2400-01-01 one day at a time and check the calendar by hand.
        let mut prev = civil_from_days(-135_140); // 1600-01-01
        assert_eq!(prev, (1600, 1, 1));
        for days in -135_139..157_000 {
            let cur = civil_from_days(days);
            let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            let len = match prev.1 {
                2 if leap(prev.0) => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            let want = if prev.2 < len {
                (prev.0, prev.1, prev.2 + 1)
            } else if prev.1 < 12 {
                (prev.0, prev.1 + 1, 1)
            } else {
                (prev.0 + 1, 1, 1)
            };
            assert_eq!(cur, want, "days {days}");
            prev = cur;
        }
    }

    #[test]
    fn extremes_do_not_panic() {
        for ts in [i64::MIN, i64::MIN + 1, i64::MAX, i64::MAX - 1] {
            let s = utc_date(ts);
            assert!(s.len() >= 10);
        }
    }
}
