//! The one UTC calendar of Amanat: Unix seconds to civil dates and to the `2026-11-23 10:40 UTC`
//! text every part shows (server messages, the CLI, reports). Proleptic Gregorian, after
//! Howard Hinnant's `civil_from_days`, so no part needs a date library.

/// A civil date and time of day in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Utc {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl Utc {
    /// The civil date and time of `secs` seconds since the Unix epoch (negative is before).
    pub fn from_unix(secs: i64) -> Utc {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        // Every value below is in range by construction (rem < 86 400, 1 ≤ day ≤ 31, …).
        Utc {
            year: yoe + era * 400 + i64::from(month <= 2),
            month: month as u32,
            day: day as u32,
            hour: (rem / 3600) as u32,
            minute: (rem % 3600 / 60) as u32,
            second: (rem % 60) as u32,
        }
    }

    /// The Unix seconds of this civil date and time (the inverse of [`Utc::from_unix`]), or
    /// `None` if a field is out of range (month 13, 31 April, hour 24, …).
    pub fn to_unix(&self) -> Option<i64> {
        let leap = self.year.rem_euclid(4) == 0
            && (self.year.rem_euclid(100) != 0 || self.year.rem_euclid(400) == 0);
        let days_in_month = match self.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        if self.day == 0
            || self.day > days_in_month
            || self.hour > 23
            || self.minute > 59
            || self.second > 59
        {
            return None;
        }
        // days_from_civil, the inverse of the algorithm above.
        let y = self.year - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        Some(
            days * 86_400
                + i64::from(self.hour) * 3600
                + i64::from(self.minute) * 60
                + i64::from(self.second),
        )
    }
}

/// Unix seconds as `2026-11-23 10:40 UTC`.
pub fn utc_minute(secs: i64) -> String {
    let t = Utc::from_unix(secs);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year, t.month, t.day, t.hour, t.minute
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(utc_minute(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_minute(1_795_000_000), "2026-11-18 11:06 UTC");
        assert_eq!(utc_minute(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc_minute(-1), "1969-12-31 23:59 UTC");
        for secs in [
            0,
            -1,
            951_782_400,
            1_795_000_019,
            4_102_444_799,
            -62_135_596_800,
        ] {
            assert_eq!(Utc::from_unix(secs).to_unix(), Some(secs));
        }
        let mut bad = Utc::from_unix(0);
        bad.month = 2;
        bad.day = 29;
        assert_eq!(bad.to_unix(), None); // 1970 is not a leap year
        let t = Utc::from_unix(1_795_000_019);
        assert_eq!((t.hour, t.minute, t.second), (11, 6, 59));
        // A leap day four centuries on, and the day after a century that is not a leap year.
        assert_eq!(utc_minute(13_574_563_200), "2400-02-29 00:00 UTC");
        assert_eq!(utc_minute(4_107_542_400), "2100-03-01 00:00 UTC");
    }
}
