//! Rendering event timestamps (UTC).

use std::io::Write as _;

/// `HH:MM:SS.nnnnnnnnn` of a nanosecond timestamp.
pub fn write_time(ts: u64, buf: &mut Vec<u8>) {
    let secs = ts / 1_000_000_000;
    let day = secs % 86_400;
    let _ = write!(
        buf,
        "{:02}:{:02}:{:02}.{:09}",
        day / 3600,
        day % 3600 / 60,
        day % 60,
        ts % 1_000_000_000
    );
}

/// `YYYY-MM-DD HH:MM:SS.nnnnnnnnn`, or `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` when `iso`.
pub fn write_datetime(ts: u64, iso: bool, buf: &mut Vec<u8>) {
    let days = (ts / 1_000_000_000 / 86_400) as i64;
    let (y, m, d) = palisade_core::time::civil_from_days(days);
    let _ = write!(buf, "{y:04}-{m:02}-{d:02}{}", if iso { 'T' } else { ' ' });
    write_time(ts, buf);
    if iso {
        buf.push(b'Z');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_utc() {
        let mut b = Vec::new();
        write_datetime(1_700_000_000_123_456_789, true, &mut b);
        assert_eq!(
            String::from_utf8_lossy(&b),
            "2023-11-14T22:13:20.123456789Z"
        );
    }
}
