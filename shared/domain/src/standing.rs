//! Standing orders (docs/domain.md "Order types"): a `standing` order carries a schedule — every week or every
//! month, until a date — and a daily job places each later occurrence as an ordinary order through the same use
//! case as a webshop's, once per occurrence. The standing order itself is the first delivery; occurrence `n`
//! (1, 2, …) falls `n` periods after its base date (the requested delivery date, else the day it was received),
//! counted from the base each time so that month ends do not drift (31 January → 28 February → 31 March).

use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime};

// `until` as `YYYY-MM-DD` (docs/api-conventions.md "Time"); this module stays below `order` (which holds a
// schedule), so it has its own copy of the format.
time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// How often a standing order recurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// Every 7 days.
    Week,
    /// The same day every month (the month's last day when it is shorter).
    Month,
}

/// A standing order's schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// How often.
    pub every: Period,
    /// The last day an occurrence may fall on.
    #[serde(with = "iso_date")]
    pub until: Date,
}

/// Most occurrences one schedule may have (ten years of weeks): a bound on what one standing order can place.
pub const MAX_OCCURRENCES: u32 = 520;

impl Schedule {
    /// The date of occurrence `n` (1, 2, …) after `base`; `None` past `until` or the bound.
    pub fn occurrence(&self, base: Date, n: u32) -> Option<Date> {
        if n == 0 || n > MAX_OCCURRENCES {
            return None;
        }
        let date = match self.every {
            Period::Week => base.checked_add(time::Duration::weeks(i64::from(n)))?,
            Period::Month => add_months(base, n)?,
        };
        (date <= self.until).then_some(date)
    }

    /// Occurrences `from..` that are due on `today` (dated today or earlier), in order, with their dates.
    pub fn due(&self, base: Date, from: u32, today: Date) -> Vec<(u32, Date)> {
        (from..=MAX_OCCURRENCES)
            .map_while(|n| self.occurrence(base, n).filter(|d| *d <= today).map(|d| (n, d)))
            .collect()
    }
}

/// `date` moved `months` months on, on the same day or the month's last day.
fn add_months(date: Date, months: u32) -> Option<Date> {
    let index = i64::from(date.year()) * 12 + i64::from(u8::from(date.month())) - 1 + i64::from(months);
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?;
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).ok()
}

/// The date a standing order's occurrences count from: its requested delivery date, else the day it came in.
pub fn base_date(requested_delivery_date: Option<Date>, received_at: OffsetDateTime) -> Date {
    requested_delivery_date.unwrap_or_else(|| received_at.date())
}

/// The order number of occurrence `date` of the standing order numbered `number`: unique per occurrence, so the
/// channel's order-number record makes placing it twice impossible.
pub fn occurrence_number(number: &str, date: Date) -> String {
    format!("{number}-{:04}{:02}{:02}", date.year(), u8::from(date.month()), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn monthly_occurrences_keep_the_day_or_take_the_months_last() {
        let schedule = Schedule { every: Period::Month, until: date!(2027 - 12 - 31) };
        let base = date!(2027 - 01 - 31);
        assert_eq!(schedule.occurrence(base, 1), Some(date!(2027 - 02 - 28)));
        assert_eq!(schedule.occurrence(base, 2), Some(date!(2027 - 03 - 31)));
        assert_eq!(schedule.occurrence(base, 11), Some(date!(2027 - 12 - 31)));
        assert_eq!(schedule.occurrence(base, 12), None, "past until");
        assert_eq!(schedule.occurrence(base, 0), None);
    }

    #[test]
    fn weekly_occurrences_are_due_once_each_up_to_today() {
        let schedule = Schedule { every: Period::Week, until: date!(2027 - 02 - 01) };
        let base = date!(2027 - 01 - 01);
        assert_eq!(schedule.due(base, 1, date!(2027 - 01 - 07)), vec![]);
        assert_eq!(schedule.due(base, 1, date!(2027 - 01 - 08)), vec![(1, date!(2027 - 01 - 08))]);
        assert_eq!(
            schedule.due(base, 2, date!(2027 - 01 - 23)),
            vec![(2, date!(2027 - 01 - 15)), (3, date!(2027 - 01 - 22))]
        );
        assert_eq!(schedule.due(base, 5, date!(2027 - 12 - 31)), vec![], "the 5th would fall after until");
    }

    #[test]
    fn occurrence_numbers_name_their_day() {
        assert_eq!(occurrence_number("WS-9", date!(2027 - 03 - 05)), "WS-9-20270305");
    }
}
