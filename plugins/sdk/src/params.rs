//! Parameters: declared once (name, default, description) in the plugin's info, parsed
//! here with the default applied, so every plugin rejects unknown names and bad values the
//! same way.

/// One accepted parameter, as listed by `info`.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamSpec {
    pub name: String,
    pub default_value: String,
    pub description: String,
}

impl ParamSpec {
    pub fn new(name: &str, default_value: &str, description: &str) -> Self {
        ParamSpec {
            name: name.to_string(),
            default_value: default_value.to_string(),
            description: description.to_string(),
        }
    }
}

/// The values in force for one call: what the user set, else the declared default.
#[derive(Clone, Debug)]
pub struct Params {
    values: Vec<(String, String)>,
}

impl Params {
    /// Checks the user's values against the declared specs. An unknown name is an error
    /// that lists the accepted ones.
    pub fn resolve(specs: &[ParamSpec], given: &[(String, String)]) -> Result<Params, String> {
        for (name, _) in given {
            if !specs.iter().any(|s| &s.name == name) {
                let accepted: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
                return Err(if accepted.is_empty() {
                    format!("unknown parameter `{name}`: this plugin accepts no parameters")
                } else {
                    format!(
                        "unknown parameter `{name}`: accepted parameters are {}",
                        accepted.join(", ")
                    )
                });
            }
        }
        let values = specs
            .iter()
            .map(|s| {
                let v = given
                    .iter()
                    .rev()
                    .find(|(n, _)| n == &s.name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_else(|| s.default_value.clone());
                (s.name.clone(), v)
            })
            .collect();
        Ok(Params { values })
    }

    /// The raw text of a declared parameter. Panics on an undeclared name: that is a bug
    /// in the plugin, not bad user input.
    pub fn str(&self, name: &str) -> &str {
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("parameter `{name}` is not declared in the plugin's info"))
    }

    pub fn f64(&self, name: &str) -> Result<f64, String> {
        let raw = self.str(name).trim();
        match raw.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(format!(
                "parameter `{name}`: `{raw}` is not a finite number"
            )),
        }
    }

    /// A number in `[lo, hi]`.
    pub fn f64_in(&self, name: &str, lo: f64, hi: f64) -> Result<f64, String> {
        let v = self.f64(name)?;
        if v < lo || v > hi {
            return Err(format!("parameter `{name}`: {v} is outside [{lo}, {hi}]"));
        }
        Ok(v)
    }

    pub fn u32_in(&self, name: &str, lo: u32, hi: u32) -> Result<u32, String> {
        let raw = self.str(name).trim();
        let v: u32 = raw
            .parse()
            .map_err(|_| format!("parameter `{name}`: `{raw}` is not a whole number"))?;
        if v < lo || v > hi {
            return Err(format!("parameter `{name}`: {v} is outside [{lo}, {hi}]"));
        }
        Ok(v)
    }

    pub fn bool(&self, name: &str) -> Result<bool, String> {
        match self.str(name).trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" | "on" => Ok(true),
            "false" | "no" | "0" | "off" => Ok(false),
            other => Err(format!(
                "parameter `{name}`: `{other}` is not true or false"
            )),
        }
    }

    /// A duration such as `7d`, `36h`, `90m`, `3600s` or `1w`; a bare number means days.
    /// Returned in milliseconds; must be positive.
    pub fn duration_ms(&self, name: &str) -> Result<f64, String> {
        let raw = self.str(name).trim();
        let err = || {
            format!("parameter `{name}`: `{raw}` is not a duration (use e.g. 7d, 36h, 90m, 3600s)")
        };
        let (num, unit_ms) = match raw.char_indices().last() {
            Some((i, 'w')) => (&raw[..i], 7.0 * 86_400_000.0),
            Some((i, 'd')) => (&raw[..i], 86_400_000.0),
            Some((i, 'h')) => (&raw[..i], 3_600_000.0),
            Some((i, 'm')) => (&raw[..i], 60_000.0),
            Some((i, 's')) => (&raw[..i], 1_000.0),
            Some(_) => (raw, 86_400_000.0),
            None => return Err(err()),
        };
        let n: f64 = num.trim().parse().map_err(|_| err())?;
        if !n.is_finite() || n <= 0.0 {
            return Err(format!(
                "parameter `{name}`: `{raw}` must be a positive duration"
            ));
        }
        Ok(n * unit_ms)
    }

    /// A comma-separated list; empty items dropped.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.str(name)
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// Every parameter in force, declared order.
    pub fn all(&self) -> &[(String, String)] {
        &self.values
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs() -> Vec<ParamSpec> {
        vec![
            ParamSpec::new("half_life", "7d", "half-life"),
            ParamSpec::new("order", "1", "order"),
        ]
    }

    #[test]
    fn defaults_apply_and_user_values_win() {
        let p = Params::resolve(&specs(), &[("order".into(), "3".into())]).unwrap();
        assert_eq!(p.str("half_life"), "7d");
        assert_eq!(p.u32_in("order", 1, 4).unwrap(), 3);
        assert_eq!(p.duration_ms("half_life").unwrap(), 7.0 * 86_400_000.0);
    }

    #[test]
    fn unknown_parameter_lists_accepted_ones() {
        let e = Params::resolve(&specs(), &[("halflife".into(), "3".into())]).unwrap_err();
        assert_eq!(
            e,
            "unknown parameter `halflife`: accepted parameters are half_life, order"
        );
    }

    #[test]
    fn durations() {
        let p = |v: &str| {
            Params::resolve(&specs(), &[("half_life".into(), v.into())])
                .unwrap()
                .duration_ms("half_life")
        };
        assert_eq!(p("36h").unwrap(), 36.0 * 3_600_000.0);
        assert_eq!(p("14").unwrap(), 14.0 * 86_400_000.0);
        assert_eq!(p("1w").unwrap(), 7.0 * 86_400_000.0);
        assert_eq!(
            p("-2d").unwrap_err(),
            "parameter `half_life`: `-2d` must be a positive duration"
        );
        assert!(p("soon").is_err());
    }
}
