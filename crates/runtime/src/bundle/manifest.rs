//! The optional manifest of a bundle (`irjit.json`): what a program needs beyond its modules.

use serde::{Deserialize, Serialize};

/// The bundle format this irjit writes and reads.
pub const FORMAT: u32 = 1;

/// A bundle's manifest. Every field is optional in the file; unknown fields are ignored, so a
/// later irjit may add some (a change older irjits must not ignore raises `format`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The bundle format (1).
    #[serde(default = "format_one")]
    pub format: u32,
    /// Shared libraries to open before the program runs (as `irjit run --dlopen`), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dlopen: Vec<String>,
    /// The function to run instead of `main` (as `irjit run --entry-function`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    /// The oldest irjit that may run the bundle (`MAJOR.MINOR.PATCH`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_irjit_version: Option<String>,
    /// Which irjit packed the bundle (informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packed_by: Option<String>,
}

fn format_one() -> u32 {
    FORMAT
}

impl Manifest {
    /// An empty manifest of the current format.
    pub fn new() -> Manifest {
        Manifest {
            format: FORMAT,
            ..Default::default()
        }
    }

    /// Parses the manifest's JSON.
    pub fn parse(bytes: &[u8]) -> Result<Manifest, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("is not a valid manifest: {e}"))
    }

    /// The manifest as (pretty) JSON.
    pub fn to_json(&self) -> Vec<u8> {
        let mut json = serde_json::to_vec_pretty(self).expect("a manifest always encodes");
        json.push(b'\n');
        json
    }

    /// Whether this irjit can honour the manifest: a known format, no newer irjit required.
    pub fn check_supported(&self) -> Result<(), String> {
        if self.format != FORMAT {
            return Err(format!(
                "bundle format {} is not supported (this irjit reads format {FORMAT})",
                self.format
            ));
        }
        if let Some(needed) = &self.min_irjit_version {
            let have = env!("CARGO_PKG_VERSION");
            let parsed = parse_version(needed)
                .ok_or_else(|| format!("min_irjit_version '{needed}' is not a version"))?;
            if parsed > parse_version(have).expect("irjit's own version parses") {
                return Err(format!(
                    "the bundle needs irjit {needed} or newer; this is irjit {have}"
                ));
            }
        }
        Ok(())
    }
}

/// `MAJOR[.MINOR[.PATCH]]` as numbers (a pre-release suffix after `-` is ignored).
fn parse_version(text: &str) -> Option<(u64, u64, u64)> {
    let core = text.trim().split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    let major = parts.next()??;
    let minor = parts.next().unwrap_or(Some(0))?;
    let patch = parts.next().unwrap_or(Some(0))?;
    if parts.next().is_some() {
        return None;
    }
    Some((major, minor, patch))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_fields_default_and_unknown_fields_are_ignored() {
        let m = Manifest::parse(br#"{"dlopen": ["libz.so.1"], "future": 1}"#).unwrap();
        assert_eq!(m.format, FORMAT);
        assert_eq!(m.dlopen, ["libz.so.1"]);
        assert!(m.check_supported().is_ok());
        let back = Manifest::parse(&m.to_json()).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn newer_irjit_or_format_is_refused() {
        let m = Manifest {
            min_irjit_version: Some("999.0".to_string()),
            ..Manifest::new()
        };
        let e = m.check_supported().unwrap_err();
        assert!(e.contains("needs irjit 999.0 or newer"), "{e}");
        let ok = Manifest {
            min_irjit_version: Some("0.0.1".to_string()),
            ..Manifest::new()
        };
        assert!(ok.check_supported().is_ok());
        assert!(Manifest::parse(br#"{"format": "one"}"#).is_err());
        assert_eq!(parse_version("1.2.3-beta"), Some((1, 2, 3)));
        assert_eq!(parse_version("x"), None);
    }
}
