//! Numbers for people: sizes in binary units, big counts compacted. JSON keeps the raw figures.

/// 8192 → `8.0 KiB`; `None` → `unknown`.
pub fn bytes(value: Option<i64>) -> String {
    let Some(value) = value else {
        return "unknown".into();
    };
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let (size, unit) = scaled(value, &UNITS);
    if unit == 0 {
        format!("{value} B")
    } else {
        format!("{size:.1} {}", UNITS[unit])
    }
}

/// 45_700_000 → `43.6M`, for narrow columns; `None` → `?`.
pub fn bytes_short(value: Option<i64>) -> String {
    let Some(value) = value else {
        return "?".into();
    };
    const UNITS: [&str; 5] = ["B", "K", "M", "G", "T"];
    let (size, unit) = scaled(value, &UNITS);
    if unit == 0 || size >= 100.0 {
        format!("{size:.0}{}", UNITS[unit])
    } else {
        format!("{size:.1}{}", UNITS[unit])
    }
}

/// `value` divided by 1024 until it is below 1024 or `units` has no bigger unit, and the index
/// in `units` of the unit it is then in.
fn scaled(value: i64, units: &[&str]) -> (f64, usize) {
    let mut size = value as f64;
    let mut unit = 0;
    while size >= 1024.0 && unit + 1 < units.len() {
        size /= 1024.0;
        unit += 1;
    }
    (size, unit)
}

/// 1234567 → `1.2M`; below 100,000 the exact figure.
pub fn count(value: i64) -> String {
    match value {
        v if v < 100_000 => v.to_string(),
        v if v < 999_500 => format!("{:.0}k", v as f64 / 1e3),
        v if v < 999_950_000 => format!("{:.1}M", v as f64 / 1e6),
        v => format!("{:.1}G", v as f64 / 1e9),
    }
}

/// 10_000 → `10k`, for a three-character column; exact below a thousand.
pub fn count_short(value: usize) -> String {
    match value {
        v if v < 1_000 => v.to_string(),
        v if v < 999_500 => format!("{:.0}k", v as f64 / 1e3),
        v => format!("{:.1}M", v as f64 / 1e6),
    }
}

/// 1234567 → `1,234,567`.
pub fn grouped(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if value < 0 { format!("-{out}") } else { out }
}

/// 30 s, 500 ms, 2 min: a timeout as an operator typed it.
pub fn duration(value: std::time::Duration) -> String {
    let ms = value.as_millis();
    match ms {
        ms if ms < 1000 => format!("{ms} ms"),
        ms if ms % 60_000 == 0 => format!("{} min", ms / 60_000),
        ms if ms % 1000 == 0 => format!("{} s", ms / 1000),
        ms => format!("{:.1} s", ms as f64 / 1000.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_use_binary_units_and_unknown_is_not_zero() {
        assert_eq!(bytes(Some(512)), "512 B");
        assert_eq!(bytes(Some(8192)), "8.0 KiB");
        assert_eq!(bytes(Some(3 * 1024 * 1024 / 2)), "1.5 MiB");
        assert_eq!(bytes(None), "unknown");
    }

    #[test]
    fn short_counts_fit_three_columns_up_to_a_hundred_thousand() {
        assert_eq!(count_short(999), "999");
        assert_eq!(count_short(10_000), "10k");
        assert_eq!(count_short(99_499), "99k");
        assert_eq!(count_short(120_000), "120k");
        assert_eq!(count_short(2_500_000), "2.5M");
    }

    #[test]
    fn counts_compact_only_when_large() {
        assert_eq!(count(99_999), "99999");
        assert_eq!(count(123_456), "123k");
        assert_eq!(count(12_345_678), "12.3M");
        assert_eq!(count(1_000_000), "1.0M");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(12), "12");
    }
}
