//! Reading irjit's `--stats` lines from stderr.
//!
//! Each line is `irjit: stats: [LABEL:] ITEM, ITEM; ITEM ...`; separators inside parentheses do
//! not count. An item is one of:
//! - words, a number, more words: `units defined 2619` (key `units defined`), `compiled 2619 at
//!   O2` (key `compiled`, unit `at O2`), `compile 1666.487 ms`;
//! - a number then words: `5 functions first at tier 0` (key `functions first at tier 0`),
//!   `2 moved to tier 2 (3 compiles, 4.5 ms)` (key `moved to tier 2`, unit the parenthesis);
//! - words without a number: `mode lazy adaptive` (key `mode`, unit `lazy adaptive`).
//!
//! Items are kept per line because a key like `compiled` means something else on each line. Lines
//! stay verbatim too, so lines added later (cache hits, ...) reach the JSON before the tables know
//! them.

use serde::{Deserialize, Serialize};

const PREFIX: &str = "irjit: stats: ";

/// One item of a line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// The words before the number (`units defined`), or the first word if there is no number.
    pub key: String,
    /// The number, if the item has one.
    pub value: Option<f64>,
    /// The words after the number (`ms`, `at O2`), or after the key if there is no number.
    pub unit: String,
}

/// One `--stats` line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// The line without the `irjit: stats: ` prefix.
    pub text: String,
    /// `tiers` for a line starting `tiers: `.
    pub label: Option<String>,
    /// Its items, in order.
    pub items: Vec<Item>,
}

/// Everything one `--stats` run printed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Stats {
    /// Every stats line, in order.
    pub lines: Vec<Line>,
}

impl Stats {
    /// Reads the stats lines of a stderr; other lines are ignored.
    pub fn parse(stderr: &str) -> Stats {
        let lines = stderr
            .lines()
            .filter_map(|line| line.strip_prefix(PREFIX))
            .map(|text| {
                let (label, rest) = match text.split_once(": ") {
                    Some((label, rest)) if !label.contains(' ') => (Some(label.to_string()), rest),
                    _ => (None, text),
                };
                Line {
                    text: text.to_string(),
                    label,
                    items: split_items(rest)
                        .into_iter()
                        .filter_map(parse_item)
                        .collect(),
                }
            })
            .collect();
        Stats { lines }
    }

    /// The first item named `key` on any line.
    pub fn item(&self, key: &str) -> Option<&Item> {
        self.lines
            .iter()
            .flat_map(|l| &l.items)
            .find(|i| i.key == key)
    }

    /// The number of the first item named `key` on any line.
    pub fn get(&self, key: &str) -> Option<f64> {
        self.item(key).and_then(|i| i.value)
    }

    /// The first item named `key` on the line labelled `label`.
    pub fn labelled(&self, label: &str, key: &str) -> Option<&Item> {
        let line = self
            .lines
            .iter()
            .find(|l| l.label.as_deref() == Some(label))?;
        line.items.iter().find(|i| i.key == key)
    }

    /// The item named `key` on the first line that has an item named `anchor`, e.g. `compiled`
    /// on the `units defined` line.
    pub fn item_beside(&self, anchor: &str, key: &str) -> Option<&Item> {
        let line = self
            .lines
            .iter()
            .find(|l| l.items.iter().any(|i| i.key == anchor))?;
        line.items.iter().find(|i| i.key == key)
    }
}

/// Splits at `, ` and `; ` outside parentheses.
fn split_items(text: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            b',' | b';' if depth == 0 && bytes.get(i + 1) == Some(&b' ') => {
                items.push(&text[start..i]);
                start = i + 2;
            }
            _ => {}
        }
    }
    items.push(&text[start..]);
    items
}

fn parse_item(item: &str) -> Option<Item> {
    let words: Vec<&str> = item.split_whitespace().collect();
    let (first, rest) = words.split_first()?;
    let Some(at) = words.iter().position(|w| w.parse::<f64>().is_ok()) else {
        return Some(Item {
            key: first.to_string(),
            value: None,
            unit: rest.join(" "),
        });
    };
    let value = words[at].parse().ok();
    if at > 0 {
        return Some(Item {
            key: words[..at].join(" "),
            value,
            unit: words[at + 1..].join(" "),
        });
    }
    // A number first: the key is the words up to a parenthesis, which is the unit.
    let after = words[1..].join(" ");
    let (key, unit) = match after.find(" (") {
        Some(at) => (after[..at].to_string(), after[at + 1..].to_string()),
        None => (after.clone(), String::new()),
    };
    Some(Item { key, value, unit })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EAGER: &str = "\
hello from the program
irjit: stats: units defined 2619, compiled 2619 at O2
irjit: stats: load 279.023 ms, compile 12108.908 ms, link 12.093 ms, start-up 12444.915 ms, total 12521.726 ms
irjit: stats: code 659776 bytes, read-only 268624 bytes, data 16016 bytes
irjit: stats: relocations 23211, GOT entries 39, PLT stubs 38
";

    const LAZY: &str = "\
irjit: stats: mode lazy, functions defined 1090, compiled 312 at O2
irjit: stats: units defined 1091, compiled 313 at O2
irjit: stats: load 80.000 ms, compile 900.500 ms, link 3.000 ms, start-up 85.000 ms, total 1200.000 ms
";

    #[test]
    fn reads_the_eager_lines() {
        let stats = Stats::parse(EAGER);
        assert_eq!(stats.lines.len(), 4);
        assert_eq!(stats.get("units defined"), Some(2619.0));
        assert_eq!(stats.get("compile"), Some(12108.908));
        assert_eq!(stats.get("start-up"), Some(12444.915));
        assert_eq!(stats.get("GOT entries"), Some(39.0));
        let compiled = stats.item_beside("units defined", "compiled").unwrap();
        assert_eq!(
            (compiled.value, compiled.unit.as_str()),
            (Some(2619.0), "at O2")
        );
        assert_eq!(stats.item_beside("functions defined", "compiled"), None);
    }

    #[test]
    fn tells_the_compiled_of_functions_from_the_compiled_of_units() {
        let stats = Stats::parse(LAZY);
        assert_eq!(stats.item("mode").unwrap().unit, "lazy");
        assert_eq!(stats.item("mode").unwrap().value, None);
        let functions = stats.item_beside("functions defined", "compiled").unwrap();
        let units = stats.item_beside("units defined", "compiled").unwrap();
        assert_eq!((functions.value, units.value), (Some(312.0), Some(313.0)));
    }

    #[test]
    fn reads_the_interpreter_line() {
        let stats = Stats::parse(
            "irjit: stats: interpreter: 841 functions translated, 596 ran in it (356 of them \
             never compiled), 3075 calls\n",
        );
        let ran = stats.labelled("interpreter", "ran in it").unwrap();
        assert_eq!(ran.value, Some(596.0));
        assert_eq!(ran.unit, "(356 of them never compiled)");
        assert_eq!(
            stats.labelled("interpreter", "calls").unwrap().value,
            Some(3075.0)
        );
        assert_eq!(stats.get("functions translated"), Some(841.0));
    }

    #[test]
    fn reads_the_tier_lines() {
        let stats = Stats::parse(
            "irjit: stats: mode lazy adaptive, functions defined 1089, compiled 700\n\
             irjit: stats: tiers: 690 functions first at tier 0, 10 first at tier 2 (O2); \
             42 moved to tier 2 in the background (45 compiles, 1234.500 ms)\n\
             irjit: stats: units defined 1090, compiled 742 at O2\n",
        );
        assert_eq!(stats.item("mode").unwrap().unit, "lazy adaptive");
        let compiled = stats.item_beside("functions defined", "compiled").unwrap();
        assert_eq!((compiled.value, compiled.unit.as_str()), (Some(700.0), ""));
        assert_eq!(stats.lines[1].label.as_deref(), Some("tiers"));
        assert_eq!(
            stats
                .labelled("tiers", "functions first at tier 0")
                .unwrap()
                .value,
            Some(690.0)
        );
        let first_t2 = stats.labelled("tiers", "first at tier 2").unwrap();
        assert_eq!(
            (first_t2.value, first_t2.unit.as_str()),
            (Some(10.0), "(O2)")
        );
        let moved = stats
            .labelled("tiers", "moved to tier 2 in the background")
            .unwrap();
        assert_eq!(
            (moved.value, moved.unit.as_str()),
            (Some(42.0), "(45 compiles, 1234.500 ms)")
        );
        assert_eq!(stats.lines[1].items.len(), 3);
    }

    #[test]
    fn keeps_unknown_lines_verbatim() {
        let stats = Stats::parse(
            "irjit: stats: tier-up 12 functions, OSR entries 3\nirjit: stats: cache hit\n",
        );
        let texts: Vec<&str> = stats.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["tier-up 12 functions, OSR entries 3", "cache hit"]);
        assert_eq!(stats.get("tier-up"), Some(12.0));
        assert_eq!(stats.get("OSR entries"), Some(3.0));
        assert_eq!(stats.item("cache").unwrap().unit, "hit");
    }
}
