//! Calendar arithmetic for turning the CMOS real-time clock into
//! CLOCK_REALTIME (`kernel/time/time.c` `mktime64`, `kernel/time/timeconv.c`,
//! `drivers/rtc/mc146818-lib.c`, `include/linux/bcd.h`).

/// Seconds since the Unix epoch of a UTC calendar time (Linux's `mktime64`).
///
/// `month` is 1..=12 and `day` 1..=31; out-of-range fields are not rejected
/// but carried, as in Linux (`hour == 24` is midnight of the next day,
/// `day == 0` the last day of the previous month). Years before 1 are not
/// meaningful.
pub fn unix_time(year: u32, month: u32, day: u32, hour: u32, min: u32, sec: u32) -> i64 {
    // Gauss's algorithm: count from March so the leap day falls last.
    let mut mon = i64::from(month) - 2;
    let mut year = i64::from(year);
    if mon <= 0 {
        mon += 12;
        year -= 1;
    }
    // With u32 inputs every intermediate stays below 2^58: no overflow.
    let days =
        year / 4 - year / 100 + year / 400 + 367 * mon / 12 + i64::from(day) + year * 365 - 719_499;
    ((days * 24 + i64::from(hour)) * 60 + i64::from(min)) * 60 + i64::from(sec)
}

/// A broken-down UTC time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CalendarTime {
    pub year: i64,
    /// 1..=12.
    pub month: u32,
    /// 1..=31.
    pub day: u32,
    pub hour: u32,
    pub min: u32,
    pub sec: u32,
    /// 0 = Sunday.
    pub weekday: u32,
}

/// The UTC calendar time of `t` seconds since the epoch (what Linux's
/// `time64_to_tm` computes with offset 0), for any `t`.
pub fn calendar_time(t: i64) -> CalendarTime {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400) as u32;
    // Days to civil date, counting eras of 400 years from 0000-03-01.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    CalendarTime {
        year,
        month,
        day,
        hour: secs / 3600,
        min: secs / 60 % 60,
        sec: secs % 60,
        // 1970-01-01 was a Thursday.
        weekday: (days + 4).rem_euclid(7) as u32,
    }
}

/// Whether `year` is a Gregorian leap year.
pub const fn is_leap_year(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// Days in `month` (1..=12) of `year`; 0 for an invalid month.
pub const fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// A packed-BCD byte as binary (`bcd2bin`): `0x59` is 59. Nibbles above 9
/// are taken at face value, as Linux does.
pub const fn bcd_to_bin(v: u8) -> u8 {
    (v & 0x0f) + (v >> 4) * 10
}

/// A value below 100 as packed BCD (`bin2bcd`).
pub const fn bin_to_bcd(v: u8) -> u8 {
    ((v / 10) << 4) | (v % 10)
}

/// CMOS status register B: 24-hour mode.
pub const RTC_24H: u8 = 0x02;
/// CMOS status register B: registers hold binary, not BCD.
pub const RTC_DM_BINARY: u8 = 0x04;
/// In 12-hour mode, the hour register's PM flag.
const RTC_HOUR_PM: u8 = 0x80;

/// The MC146818 time registers as read (seconds at index 0x00, minutes 0x02,
/// hours 0x04, day of month 0x07, month 0x08, year 0x09, status B 0x0b, and
/// the century register the ACPI FADT names, if any).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CmosTime {
    pub sec: u8,
    pub min: u8,
    pub hour: u8,
    pub day: u8,
    pub month: u8,
    pub year: u8,
    pub century: Option<u8>,
    pub status_b: u8,
}

impl CmosTime {
    /// The UTC calendar date the registers hold, decoding BCD and 12-hour
    /// mode, or `None` if a field is out of range or the year is before 1970
    /// (Linux's `rtc_valid_tm`).
    ///
    /// The year follows Linux's `mc146818_get_time`: the century register
    /// (if present and non-zero) adds `(century - 19) * 100`, then two-digit
    /// years up to 69 are taken as 20xx. Linux assumes 24-hour mode; 12-hour
    /// mode (PM in bit 7 of the hour) is decoded here as well.
    pub fn to_calendar(&self) -> Option<(u32, u32, u32, u32, u32, u32)> {
        let bin = self.status_b & RTC_DM_BINARY != 0;
        let conv = |v: u8| u32::from(if bin { v } else { bcd_to_bin(v) });
        let twelve_hour = self.status_b & RTC_24H == 0;
        let hour = if twelve_hour {
            let h = conv(self.hour & !RTC_HOUR_PM);
            if !(1..=12).contains(&h) {
                return None;
            }
            // 12 AM is 0h, 12 PM is 12h.
            h % 12 + if self.hour & RTC_HOUR_PM != 0 { 12 } else { 0 }
        } else {
            conv(self.hour)
        };
        // Years since 1900, as struct rtc_time counts them.
        let mut tm_year = i64::from(conv(self.year));
        if let Some(c) = self.century.map(conv).filter(|&c| c != 0) {
            tm_year += (i64::from(c) - 19) * 100;
        }
        if tm_year <= 69 {
            tm_year += 100;
        }
        let year = u32::try_from(1900 + tm_year).ok()?;
        let (month, day) = (conv(self.month), conv(self.day));
        let (min, sec) = (conv(self.min), conv(self.sec));
        let valid = tm_year >= 70
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month)
            && hour < 24
            && min < 60
            && sec < 60;
        valid.then_some((year, month, day, hour, min, sec))
    }

    /// The registers as seconds since the epoch, for CLOCK_REALTIME.
    pub fn to_unix(&self) -> Option<i64> {
        let (y, mo, d, h, mi, s) = self.to_calendar()?;
        Some(unix_time(y, mo, d, h, mi, s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mktime64_known_values() {
        assert_eq!(unix_time(1970, 1, 1, 0, 0, 0), 0);
        assert_eq!(unix_time(2000, 3, 1, 0, 0, 0), 951_868_800);
        assert_eq!(unix_time(2024, 2, 29, 12, 34, 56), 1_709_210_096);
        assert_eq!(unix_time(2038, 1, 19, 3, 14, 8), 1 << 31);
        assert_eq!(unix_time(1969, 12, 31, 23, 59, 59), -1);
        // Linux's carries: hour 24 is the next midnight.
        assert_eq!(
            unix_time(1999, 12, 31, 24, 0, 0),
            unix_time(2000, 1, 1, 0, 0, 0)
        );
        // Huge inputs do not overflow.
        let _ = unix_time(u32::MAX, u32::MAX, u32::MAX, u32::MAX, u32::MAX, u32::MAX);
        let _ = unix_time(0, 0, 0, 0, 0, 0);
    }

    #[test]
    fn calendar_round_trip() {
        let mut t = -5_000_000_000i64;
        while t < 10_000_000_000 {
            let c = calendar_time(t);
            let year = u32::try_from(c.year).unwrap();
            assert_eq!(
                unix_time(year, c.month, c.day, c.hour, c.min, c.sec),
                t,
                "{c:?}"
            );
            t += 7_777_777;
        }
        let c = calendar_time(0);
        assert_eq!((c.year, c.month, c.day, c.weekday), (1970, 1, 1, 4));
        let c = calendar_time(951_782_400); // 2000-02-29
        assert_eq!((c.year, c.month, c.day, c.weekday), (2000, 2, 29, 2));
        let c = calendar_time(-1);
        assert_eq!(
            (c.year, c.month, c.day, c.hour, c.min, c.sec),
            (1969, 12, 31, 23, 59, 59)
        );
    }

    #[test]
    fn bcd() {
        assert_eq!(bcd_to_bin(0x59), 59);
        assert_eq!(bcd_to_bin(0x00), 0);
        assert_eq!(bcd_to_bin(0xff), 165, "no panic on bad BCD");
        for v in 0..100 {
            assert_eq!(bcd_to_bin(bin_to_bcd(v)), v);
        }
    }

    #[test]
    fn month_lengths() {
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2023, 4), 30);
        assert_eq!(days_in_month(2023, 13), 0);
    }

    #[test]
    fn cmos_bcd_24h() {
        // 2025-06-15 13:45:30, BCD, 24-hour (status B = 0x02).
        let c = CmosTime {
            sec: 0x30,
            min: 0x45,
            hour: 0x13,
            day: 0x15,
            month: 0x06,
            year: 0x25,
            century: Some(0x20),
            status_b: RTC_24H,
        };
        assert_eq!(c.to_calendar(), Some((2025, 6, 15, 13, 45, 30)));
        assert_eq!(c.to_unix(), Some(unix_time(2025, 6, 15, 13, 45, 30)));
        // Without a century register the year window applies.
        assert_eq!(
            CmosTime { century: None, ..c }.to_calendar().unwrap().0,
            2025
        );
        assert_eq!(
            CmosTime {
                century: None,
                year: 0x99,
                ..c
            }
            .to_calendar()
            .unwrap()
            .0,
            1999
        );
    }

    #[test]
    fn cmos_binary_12h() {
        let base = CmosTime {
            sec: 5,
            min: 6,
            hour: 12,
            day: 1,
            month: 1,
            year: 30,
            century: None,
            status_b: RTC_DM_BINARY,
        };
        assert_eq!(base.to_calendar(), Some((2030, 1, 1, 0, 6, 5)), "12 AM");
        let pm = CmosTime {
            hour: 12 | 0x80,
            ..base
        };
        assert_eq!(pm.to_calendar().unwrap().3, 12, "12 PM");
        let pm3 = CmosTime {
            hour: 3 | 0x80,
            ..base
        };
        assert_eq!(pm3.to_calendar().unwrap().3, 15);
        assert_eq!(CmosTime { hour: 0, ..base }.to_calendar(), None);
    }

    #[test]
    fn cmos_rejects_garbage() {
        let ok = CmosTime {
            sec: 0,
            min: 0,
            hour: 0,
            day: 0x28,
            month: 0x02,
            year: 0x23,
            century: None,
            status_b: RTC_24H,
        };
        assert!(ok.to_calendar().is_some());
        assert_eq!(
            CmosTime { day: 0x29, ..ok }.to_calendar(),
            None,
            "2023 is no leap year"
        );
        assert_eq!(CmosTime { month: 0x13, ..ok }.to_calendar(), None);
        assert_eq!(CmosTime { sec: 0x60, ..ok }.to_calendar(), None);
        assert_eq!(CmosTime { hour: 0x24, ..ok }.to_calendar(), None);
        assert_eq!(
            CmosTime {
                century: Some(0x05),
                ..ok
            }
            .to_calendar(),
            None,
            "before 1970"
        );
        // Bad BCD is taken at face value, as Linux does: 0xff is "165".
        assert_eq!(CmosTime { year: 0xff, ..ok }.to_calendar().unwrap().0, 2065);
        assert_eq!(CmosTime::default().to_calendar(), None);
    }
}
