//! Dates: calendar checks, and the dates of TOML files.

use serde::Serialize;
use toml::value::Datetime;

/// The months' English names, for messages.
pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The days of a month (1 to 12) of a year.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    }
}

/// Why a year, month and day is not a date ("June has 30 days"), or None.
pub fn date_problem(year: i64, month: u32, day: u32) -> Option<String> {
    if !(1..=12).contains(&month) {
        return Some(format!("there is no month {month}: a year has 12 months"));
    }
    let days = days_in_month(year, month);
    if day == 0 {
        return Some("days count from 1".into());
    }
    if day <= days {
        return None;
    }
    let name = MONTHS[month as usize - 1];
    Some(if month == 2 {
        let leap = days == 29;
        format!(
            "February {year} has {days} days ({year} is {}a leap year)",
            if leap { "" } else { "not " }
        )
    } else {
        format!("{name} has {days} days")
    })
}

/// A calendar date taken from a TOML date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// The date of a year, month and day, when there is one (not
    /// 2021-02-30).
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        date_problem(i64::from(year), u32::from(month), u32::from(day))
            .is_none()
            .then_some(Date { year, month, day })
    }

    /// As a TOML date (`date = 2020-02-10`).
    pub fn to_toml(self) -> Datetime {
        Datetime {
            date: Some(toml::value::Date {
                year: self.year,
                month: self.month,
                day: self.day,
            }),
            time: None,
            offset: None,
        }
    }

    /// As the TOML date of an issue's field (with no place in a file).
    pub fn to_spanned(self) -> toml::Spanned<Datetime> {
        toml::Spanned::new(0..0, self.to_toml())
    }

    /// The Chinese form used in bulletins: 2020 年 2 月 10 日.
    pub fn chinese(&self) -> String {
        format!("{} 年 {} 月 {} 日", self.year, self.month, self.day)
    }
}

impl std::fmt::Display for Date {
    /// As TOML writes it: 2020-02-10.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Converts a TOML datetime that must be a plain date.
pub fn date_of(dt: &Datetime) -> Result<Date, String> {
    match (dt.date, dt.time) {
        (Some(d), None) => {
            let problem = date_problem(i64::from(d.year), u32::from(d.month), u32::from(d.day));
            if let Some(problem) = problem {
                return Err(format!("{dt} is out of range: {problem}"));
            }
            Ok(Date {
                year: d.year,
                month: d.month,
                day: d.day,
            })
        }
        _ => Err(format!(
            "expected a date such as 2020-02-10, found the date-time {dt}"
        )),
    }
}
