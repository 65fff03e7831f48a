//! `asterai:host-cron`: cron expressions as asterai reads them.
//!
//! asterai accepts 5 fields (standard cron: minute to day of week), 6 (with seconds first)
//! or 7 (with a year last), and parses them with the `cron` crate; astc uses the same crate
//! and the same normalization, so an expression means the same in both.

use std::str::FromStr;

/// Checks `expr` and returns its schedule, or a message naming what is wrong.
pub(crate) fn parse(expr: &str) -> Result<cron::Schedule, String> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    let normalized = match fields.len() {
        5 => format!("0 {} *", fields.join(" ")),
        6 => format!("{} *", fields.join(" ")),
        7 => fields.join(" "),
        n => {
            return Err(format!(
                "invalid cron expression `{expr}`: expected 5, 6 or 7 fields, found {n} \
                 (for example `*/5 * * * *`, every five minutes)"
            ));
        }
    };
    // The crate's message repeats the normalized expression with a caret line; its last
    // line says what is wrong.
    cron::Schedule::from_str(&normalized).map_err(|e| {
        let e = e.to_string();
        let why = e.lines().last().unwrap_or_default().trim();
        format!("invalid cron expression `{expr}`: {why}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_asterai_s_three_forms() {
        assert!(parse("*/5 * * * *").is_ok());
        assert!(parse("0 */5 * * * *").is_ok());
        assert!(parse("0 0 12 * * Mon-Fri 2030").is_ok());
        let e = parse("every minute").unwrap_err();
        assert!(e.contains("expected 5, 6 or 7 fields, found 2"), "{e}");
        let e = parse("61 * * * *").unwrap_err();
        assert!(
            e.starts_with("invalid cron expression `61 * * * *`: "),
            "{e}"
        );
        assert!(!e.contains('\n'), "{e}");
    }
}
