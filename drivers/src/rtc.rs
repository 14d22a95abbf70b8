//! The PC CMOS real-time clock (MC146818 compatible), read like Linux's
//! `mc146818_get_time`.
//!
//! Decoding (BCD, 12-hour mode, century and year windowing) and the conversion to Unix
//! time are pure functions; the read loop runs against a register-access trait so its
//! retry logic can be tested with a simulated chip.

use x86_64::instructions::port::Port;

/// CMOS index and data ports.
const CMOS_INDEX: u16 = 0x70;
const CMOS_DATA: u16 = 0x71;

// Clock registers.
const RTC_SECONDS: u8 = 0x00;
const RTC_MINUTES: u8 = 0x02;
const RTC_HOURS: u8 = 0x04;
const RTC_DAY_OF_MONTH: u8 = 0x07;
const RTC_MONTH: u8 = 0x08;
const RTC_YEAR: u8 = 0x09;
const RTC_REG_A: u8 = 0x0A;
const RTC_REG_B: u8 = 0x0B;

/// Register A: update in progress; the time registers are unspecified while set.
const RTC_UIP: u8 = 0x80;
/// Register B: values are binary rather than BCD.
pub const RTC_DM_BINARY: u8 = 0x04;
/// Register B: hours count 0-23 rather than 1-12 with a PM flag.
pub const RTC_24H: u8 = 0x02;
/// Hours register in 12-hour mode: set for PM.
const HOUR_PM: u8 = 0x80;
/// Bit 7 of the index port masks NMIs on PCs, so no real register index has it.
const CMOS_NMI_DISABLE: u8 = 0x80;

/// An update cycle keeps UIP set for at most about 2 ms. Each poll is two port
/// accesses (about 2 µs on hardware), so this bound is several times that even under
/// fast emulation, yet gives up well within a second if the chip is absent (reads 0xFF).
const UIP_POLLS: u32 = 200_000;
/// Two consecutive snapshots can only differ across an update, which happens once a
/// second, so a handful of attempts is plenty.
const MAX_SNAPSHOTS: u32 = 8;

/// Wall-clock time as the RTC keeps it (UTC on PCs configured like Linux's default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtcTime {
    /// Full year, e.g. 2026.
    pub year: u16,
    /// 1-12.
    pub month: u8,
    /// 1-31.
    pub day: u8,
    /// 0-23.
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

/// The clock registers exactly as read, before BCD or 12-hour decoding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RawRtc {
    pub second: u8,
    pub minute: u8,
    pub hour: u8,
    pub day: u8,
    pub month: u8,
    /// Year within the century, 0-99 (BCD or binary like the others).
    pub year: u8,
}

fn bcd_to_bin(v: u8) -> Option<u8> {
    let (hi, lo) = (v >> 4, v & 0x0F);
    // Linux's bcd2bin does not check digits; a non-decimal nibble means a corrupt clock,
    // and reporting no time beats reporting a plausible wrong one.
    (hi <= 9 && lo <= 9).then_some(hi * 10 + lo)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Decode raw register values given register B and the raw century register (if the
/// FADT names one).
///
/// Years follow `mc146818_get_time`: a century value above 20 adds (century - 19)
/// hundred years, and a year that still counts below 70 is taken as 20xx. (Like Linux,
/// a century register reading exactly 20 is not applied, so years 70-99 then mean
/// 19xx.) Returns `None` for invalid BCD digits or any field out of range, which is
/// where the Linux RTC core's `rtc_valid_tm` would reject the time.
pub fn decode(raw: RawRtc, reg_b: u8, century: Option<u8>) -> Option<RtcTime> {
    let bin = |v: u8| {
        if reg_b & RTC_DM_BINARY != 0 {
            Some(v)
        } else {
            bcd_to_bin(v)
        }
    };
    let hour = if reg_b & RTC_24H != 0 {
        bin(raw.hour)?
    } else {
        let pm = raw.hour & HOUR_PM != 0;
        match (bin(raw.hour & !HOUR_PM)?, pm) {
            (h @ 1..=11, false) => h,
            (12, false) => 0,
            (h @ 1..=11, true) => h + 12,
            (12, true) => 12,
            _ => return None,
        }
    };

    // Years since 1900, as in struct rtc_time.
    let mut year = u32::from(bin(raw.year)?);
    if let Some(century) = century {
        let century = u32::from(bin(century)?);
        if century > 20 {
            year += (century - 19) * 100;
        }
    }
    if year <= 69 {
        year += 100;
    }
    let year = u16::try_from(year + 1900).ok()?;

    let month = bin(raw.month)?;
    let day = bin(raw.day)?;
    let minute = bin(raw.minute)?;
    let second = bin(raw.second)?;
    let valid = (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(year, month)
        && hour < 24
        && minute < 60
        && second < 60;
    valid.then_some(RtcTime {
        year,
        month,
        day,
        hour,
        minute,
        second,
    })
}

/// Seconds since the Unix epoch for a UTC time, as Linux's `mktime64` computes them
/// (proleptic Gregorian calendar; an hour of 24 means midnight of the next day).
pub fn to_unix(t: &RtcTime) -> i64 {
    // Howard Hinnant's days_from_civil: count from 0000-03-01 so the leap day ends
    // the year, in 400-year eras of 146097 days.
    let month = i64::from(t.month);
    let year = i64::from(t.year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_from_march = (month + 9).rem_euclid(12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(t.day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    // 719468 days separate 0000-03-01 from 1970-01-01.
    let days = era * 146_097 + day_of_era - 719_468;
    ((days * 24 + i64::from(t.hour)) * 60 + i64::from(t.minute)) * 60 + i64::from(t.second)
}

/// Register access to a CMOS chip.
trait Cmos {
    fn read(&mut self, reg: u8) -> u8;
}

struct CmosPorts;

impl Cmos for CmosPorts {
    fn read(&mut self, reg: u8) -> u8 {
        // SAFETY: selecting a CMOS register and reading it only affects the RTC/NVRAM
        // chip's index latch, never memory. `reg` has bit 7 clear, so NMIs stay enabled.
        unsafe {
            Port::<u8>::new(CMOS_INDEX).write(reg & !CMOS_NMI_DISABLE);
            Port::<u8>::new(CMOS_DATA).read()
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
struct Snapshot {
    raw: RawRtc,
    reg_b: u8,
    century: Option<u8>,
}

fn snapshot(cmos: &mut impl Cmos, century_reg: Option<u8>) -> Snapshot {
    Snapshot {
        raw: RawRtc {
            second: cmos.read(RTC_SECONDS),
            minute: cmos.read(RTC_MINUTES),
            hour: cmos.read(RTC_HOURS),
            day: cmos.read(RTC_DAY_OF_MONTH),
            month: cmos.read(RTC_MONTH),
            year: cmos.read(RTC_YEAR),
        },
        century: century_reg.map(|reg| cmos.read(reg)),
        reg_b: cmos.read(RTC_REG_B),
    }
}

fn update_in_progress(cmos: &mut impl Cmos) -> bool {
    cmos.read(RTC_REG_A) & RTC_UIP != 0
}

/// Read the clock registers outside an update cycle, accepting only two consecutive
/// identical snapshots. Gives up if UIP never clears or the values never settle.
fn read_stable(cmos: &mut impl Cmos, century_reg: Option<u8>) -> Option<Snapshot> {
    let mut previous = None;
    for _ in 0..MAX_SNAPSHOTS {
        if !(0..UIP_POLLS).any(|_| !update_in_progress(cmos)) {
            return None;
        }
        let current = snapshot(cmos, century_reg);
        // As in mc146818_get_time: UIP set again means an update began mid-read.
        if update_in_progress(cmos) {
            previous = None;
            continue;
        }
        if previous == Some(current) {
            return previous;
        }
        previous = Some(current);
    }
    None
}

fn read_with(cmos: &mut impl Cmos, century_reg: Option<u8>) -> Option<RtcTime> {
    // An index with bit 7 set would be the NMI mask bit, not a CMOS register.
    let century_reg = century_reg.filter(|&reg| reg & CMOS_NMI_DISABLE == 0);
    let s = read_stable(cmos, century_reg)?;
    decode(s.raw, s.reg_b, s.century)
}

/// Read and decode the current RTC time. `century_reg` is the CMOS index of the century
/// register from the FADT (see `AcpiPower::century_reg`), if any.
///
/// The caller must keep anything else from using ports 0x70/0x71 during the call (run
/// with interrupts disabled or hold the kernel's CMOS lock): the index/data pair is not
/// atomic. Returns `None` if the chip never leaves its update cycle, never yields two
/// identical reads, or holds an invalid time.
pub fn read_rtc(century_reg: Option<u8>) -> Option<RtcTime> {
    read_with(&mut CmosPorts, century_reg)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BCD_24H: u8 = RTC_24H;
    const BIN_24H: u8 = RTC_24H | RTC_DM_BINARY;

    fn raw(year: u8, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> RawRtc {
        RawRtc {
            second,
            minute,
            hour,
            day,
            month,
            year,
        }
    }

    fn time(year: u16, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> RtcTime {
        RtcTime {
            year,
            month,
            day,
            hour,
            minute,
            second,
        }
    }

    #[test]
    fn decodes_bcd_and_binary() {
        let t = time(2026, 11, 21, 13, 32, 28);
        assert_eq!(
            decode(raw(0x26, 0x11, 0x21, 0x13, 0x32, 0x28), BCD_24H, None),
            Some(t)
        );
        assert_eq!(decode(raw(26, 11, 21, 13, 32, 28), BIN_24H, None), Some(t));
    }

    #[test]
    fn twelve_hour_mode() {
        let hour = |h, b| decode(raw(0x26, 0x01, 0x01, h, 0, 0), b, None).map(|t| t.hour);
        assert_eq!(hour(0x12, 0), Some(0), "12 AM is midnight");
        assert_eq!(hour(0x01, 0), Some(1));
        assert_eq!(hour(0x11, 0), Some(11));
        assert_eq!(hour(0x80 | 0x12, 0), Some(12), "12 PM is noon");
        assert_eq!(hour(0x80 | 0x01, 0), Some(13));
        assert_eq!(hour(0x80 | 0x11, 0), Some(23));
        assert_eq!(hour(0x80 | 11, RTC_DM_BINARY), Some(23));
        assert_eq!(hour(0x00, 0), None, "no hour 0 on a 12-hour clock");
        assert_eq!(hour(0x13, 0), None);
        assert_eq!(hour(0x80 | 0x13, 0), None);
        assert_eq!(
            hour(0x80 | 0x12, BCD_24H),
            None,
            "PM flag is invalid in 24-hour mode"
        );
    }

    #[test]
    fn year_windowing_like_linux() {
        let year = |y, c| decode(raw(y, 0x01, 0x01, 0, 0, 0), BCD_24H, c).map(|t| t.year);
        assert_eq!(year(0x69, None), Some(2069));
        assert_eq!(year(0x70, None), Some(1970));
        assert_eq!(year(0x99, None), Some(1999));
        assert_eq!(year(0x00, None), Some(2000));
        assert_eq!(year(0x26, Some(0x20)), Some(2026));
        assert_eq!(
            year(0x99, Some(0x20)),
            Some(1999),
            "century 20 is not applied"
        );
        assert_eq!(year(0x99, Some(0x19)), Some(1999));
        assert_eq!(year(0x05, Some(0x21)), Some(2105));
        assert_eq!(year(0x75, Some(0x21)), Some(2175));
        assert_eq!(
            year(0x00, Some(0x00)),
            Some(2000),
            "an unset century is ignored"
        );
        assert_eq!(year(0x05, Some(0x2A)), None, "bad BCD century");
        let bin = decode(raw(5, 1, 1, 0, 0, 0), BIN_24H, Some(21)).map(|t| t.year);
        assert_eq!(bin, Some(2105));
    }

    #[test]
    fn rejects_invalid_fields() {
        let ok = raw(0x24, 0x02, 0x29, 0x23, 0x59, 0x59);
        assert!(decode(ok, BCD_24H, None).is_some(), "2024 is a leap year");
        let cases = [
            raw(0x23, 0x02, 0x29, 0, 0, 0),
            // Century 21 makes this 2100, which is not a leap year.
            raw(0x00, 0x02, 0x29, 0, 0, 0),
            raw(0x24, 0x04, 0x31, 0, 0, 0),
            raw(0x24, 0x00, 0x01, 0, 0, 0),
            raw(0x24, 0x13, 0x01, 0, 0, 0),
            raw(0x24, 0x01, 0x00, 0, 0, 0),
            raw(0x24, 0x01, 0x01, 0x24, 0, 0),
            raw(0x24, 0x01, 0x01, 0, 0x60, 0),
            raw(0x24, 0x01, 0x01, 0, 0, 0x60),
            raw(0x24, 0x01, 0x01, 0, 0, 0x1A),
            raw(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF),
        ];
        for r in cases {
            assert_eq!(decode(r, BCD_24H, Some(0x21)), None, "{r:?}");
        }
        assert_eq!(decode(raw(24, 1, 1, 0, 0, 60), BIN_24H, None), None);
    }

    #[test]
    fn unix_time_of_known_dates() {
        // Expected values from `date -u -d '<date> UTC' +%s`.
        let cases = [
            (time(1970, 1, 1, 0, 0, 0), 0),
            (time(1999, 12, 31, 23, 59, 59), 946_684_799),
            (time(2000, 2, 29, 23, 59, 59), 951_868_799),
            (time(2024, 2, 29, 12, 0, 0), 1_709_208_000),
            (time(2026, 11, 21, 13, 32, 28), 1_795_267_948),
            (time(2038, 1, 19, 3, 14, 8), 2_147_483_648),
            (time(2100, 3, 1, 0, 0, 0), 4_107_542_400),
        ];
        for (t, secs) in cases {
            assert_eq!(to_unix(&t), secs, "{t:?}");
        }
    }

    /// Linux's mktime64, transcribed, as an independent reference.
    fn mktime64(year0: u32, mon0: u32, day: u32, hour: u32, min: u32, sec: u32) -> i64 {
        let (mut mon, mut year) = (mon0 as i32 - 2, year0);
        if mon <= 0 {
            mon += 12;
            year -= 1;
        }
        let (mon, year) = (mon as i64, year as i64);
        let days =
            year / 4 - year / 100 + year / 400 + 367 * mon / 12 + day as i64 + year * 365 - 719_499;
        ((days * 24 + hour as i64) * 60 + min as i64) * 60 + sec as i64
    }

    #[test]
    fn agrees_with_mktime64_on_every_day_from_1970_to_2400() {
        let mut previous = None;
        for year in 1970..=2400u16 {
            for month in 1..=12u8 {
                for day in 1..=days_in_month(year, month) {
                    let t = time(year, month, day, 23, 59, 59);
                    let secs = to_unix(&t);
                    let expected = mktime64(year.into(), month.into(), day.into(), 23, 59, 59);
                    assert_eq!(secs, expected, "{t:?}");
                    if let Some(p) = previous {
                        assert_eq!(secs - p, 86_400, "{t:?} is not one day after the last");
                    }
                    previous = Some(secs);
                }
            }
        }
    }

    #[test]
    fn hour_24_is_next_midnight() {
        assert_eq!(to_unix(&time(1999, 12, 31, 24, 0, 0)), 946_684_800);
    }

    /// A simulated chip: registers, UIP raised for the first `uip_reads` reads of
    /// register A, and a clock tick applied after `tick_after` register reads.
    struct FakeCmos {
        regs: [u8; 128],
        uip_reads: u32,
        tick_after: Option<u32>,
        reads: u32,
    }

    impl FakeCmos {
        fn new(r: RawRtc, reg_b: u8) -> Self {
            let mut regs = [0u8; 128];
            regs[RTC_SECONDS as usize] = r.second;
            regs[RTC_MINUTES as usize] = r.minute;
            regs[RTC_HOURS as usize] = r.hour;
            regs[RTC_DAY_OF_MONTH as usize] = r.day;
            regs[RTC_MONTH as usize] = r.month;
            regs[RTC_YEAR as usize] = r.year;
            regs[RTC_REG_B as usize] = reg_b;
            regs[0x32] = 0x20;
            FakeCmos {
                regs,
                uip_reads: 0,
                tick_after: None,
                reads: 0,
            }
        }
    }

    impl Cmos for FakeCmos {
        fn read(&mut self, reg: u8) -> u8 {
            self.reads += 1;
            if self.tick_after == Some(self.reads) {
                // 23:59:59 -> 00:00:00 on the next day, written all at once.
                self.regs[..10].copy_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0x22, 0x11, 0x26]);
            }
            if reg == RTC_REG_A {
                if self.uip_reads > 0 {
                    self.uip_reads -= 1;
                    return RTC_UIP | 0x26;
                }
                return 0x26;
            }
            self.regs[usize::from(reg & 0x7F)]
        }
    }

    const BEFORE: RawRtc = RawRtc {
        second: 0x59,
        minute: 0x59,
        hour: 0x23,
        day: 0x21,
        month: 0x11,
        year: 0x26,
    };

    #[test]
    fn reads_after_update_cycle_ends() {
        let mut cmos = FakeCmos::new(BEFORE, BCD_24H);
        cmos.uip_reads = 1000;
        assert_eq!(
            read_with(&mut cmos, Some(0x32)),
            Some(time(2026, 11, 21, 23, 59, 59))
        );
    }

    #[test]
    fn retries_when_the_clock_ticks_mid_read() {
        for tick_after in 1..40 {
            let mut cmos = FakeCmos::new(BEFORE, BCD_24H);
            cmos.tick_after = Some(tick_after);
            let t = read_with(&mut cmos, Some(0x32)).unwrap();
            assert!(
                t == time(2026, 11, 21, 23, 59, 59) || t == time(2026, 11, 22, 0, 0, 0),
                "tick after read {tick_after} gave torn {t:?}"
            );
        }
    }

    #[test]
    fn gives_up_if_update_never_ends_or_chip_is_absent() {
        let mut stuck = FakeCmos::new(BEFORE, BCD_24H);
        stuck.uip_reads = u32::MAX;
        assert_eq!(read_with(&mut stuck, None), None);
        let mut absent = FakeCmos::new(BEFORE, BCD_24H);
        absent.regs = [0xFF; 128];
        absent.uip_reads = u32::MAX;
        assert_eq!(read_with(&mut absent, None), None);
    }

    #[test]
    fn ignores_a_century_index_with_the_nmi_bit() {
        let mut cmos = FakeCmos::new(BEFORE, BCD_24H);
        cmos.regs[0x32] = 0x21;
        assert_eq!(read_with(&mut cmos, Some(0xB2)).map(|t| t.year), Some(2026));
        assert_eq!(read_with(&mut cmos, Some(0x32)).map(|t| t.year), Some(2126));
    }
}
