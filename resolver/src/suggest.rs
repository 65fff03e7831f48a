//! "Did you mean" suggestions for misspelt keys and names.

/// Returns up to `max` candidates close to `wanted`, closest first (ties by name, so the
/// answer is stable).
pub fn similar<'a, I>(wanted: &str, candidates: I, max: usize) -> Vec<String>
where
    I: IntoIterator<Item = &'a str>,
{
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter(|c| *c != wanted)
        .filter_map(|c| {
            let d = strsim::damerau_levenshtein(wanted, c);
            // Allow roughly one edit per three characters, and at least two.
            let limit = (wanted.len().max(c.len()) / 3).max(2);
            (d <= limit).then_some((d, c))
        })
        .collect();
    scored.sort();
    scored.dedup();
    scored
        .into_iter()
        .take(max)
        .map(|(_, c)| c.to_string())
        .collect()
}

/// One suggestion, formatted as a `help:` text: "did you mean `x`?".
pub fn did_you_mean<'a, I>(wanted: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    similar(wanted, candidates, 1)
        .pop()
        .map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let keys = ["package", "dependencies", "registry", "wire"];
        assert_eq!(
            did_you_mean("dependencys", keys).as_deref(),
            Some("did you mean `dependencies`?")
        );
        assert_eq!(
            did_you_mean("regsitry", keys).as_deref(),
            Some("did you mean `registry`?")
        );
        assert_eq!(did_you_mean("frobnicate", keys), None);
        assert_eq!(
            similar("acme:greter", ["acme:greeter", "acme:greet", "zzz:top"], 3),
            vec!["acme:greeter", "acme:greet"]
        );
    }
}
