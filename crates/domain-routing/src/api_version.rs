//! The `IBM-API-Version` header.

use time::{Date, Month};

/// IBM-API-Version: YYYY-MM-DD, a real date, not after `today` (UTC). Err: the message.
pub fn check_api_version(value: &str, today: Date) -> Result<Date, String> {
    let value = value.trim();
    let bytes = value.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok {
        return Err("IBM-API-Version must be a date in the format YYYY-MM-DD".to_owned());
    }
    let not_real = || "IBM-API-Version must be a real calendar date (YYYY-MM-DD)".to_owned();
    let year: i32 = value[0..4].parse().map_err(|_| not_real())?;
    let month: u8 = value[5..7].parse().map_err(|_| not_real())?;
    let day: u8 = value[8..10].parse().map_err(|_| not_real())?;
    let month = Month::try_from(month).map_err(|_| not_real())?;
    let date = Date::from_calendar_date(year, month, day).map_err(|_| not_real())?;
    if date > today {
        return Err(format!(
            "IBM-API-Version must not be after today ({today}, UTC)"
        ));
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use crate::*;
    use time::macros::date;
    // ---- IBM-API-Version ----

    #[test]
    fn api_version() {
        let today = date!(2025 - 03 - 01);
        assert_eq!(
            check_api_version("2024-06-15", today),
            Ok(date!(2024 - 06 - 15))
        );
        assert_eq!(check_api_version("2025-03-01", today), Ok(today));
        assert_eq!(
            check_api_version("2024-02-29", today),
            Ok(date!(2024 - 02 - 29))
        );
        let shape = Err("IBM-API-Version must be a date in the format YYYY-MM-DD".to_owned());
        for bad in [
            "20240615",
            "2024-6-15",
            "2024/06/15",
            "",
            "2024-06-15T00:00:00Z",
            "+024-06-15",
            "２０２４-06-15",
        ] {
            assert_eq!(check_api_version(bad, today), shape, "{bad}");
        }
        let not_real = Err("IBM-API-Version must be a real calendar date (YYYY-MM-DD)".to_owned());
        for bad in [
            "2024-02-30",
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "2024-01-00",
        ] {
            assert_eq!(check_api_version(bad, today), not_real, "{bad}");
        }
        assert_eq!(
            check_api_version("2025-03-02", today),
            Err("IBM-API-Version must not be after today (2025-03-01, UTC)".to_owned())
        );
    }
}
