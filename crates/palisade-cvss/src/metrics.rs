//! Reading `KEY:VALUE/KEY:VALUE` metric lists against a table of allowed values.

use crate::CvssError;

/// A metric a version defines, with its allowed values.
pub(crate) struct Def {
    pub name: &'static str,
    pub values: &'static [&'static str],
    pub mandatory: bool,
}

/// The metrics of a vector, indexed like the definition table.
pub(crate) struct Metrics<'a> {
    values: Vec<Option<&'a str>>,
    defs: &'static [Def],
}

impl<'a> Metrics<'a> {
    /// Parses `body` (the vector without its version prefix); each metric at most once, each
    /// value allowed, every mandatory metric present.
    pub(crate) fn parse(
        vector: &str,
        body: &'a str,
        defs: &'static [Def],
    ) -> Result<Metrics<'a>, CvssError> {
        let mut values = vec![None; defs.len()];
        for part in body.split('/') {
            let (key, value) = part.split_once(':').ok_or_else(|| {
                CvssError::malformed(vector, format!("{part:?} is not KEY:VALUE"))
            })?;
            let idx = defs
                .iter()
                .position(|d| d.name == key)
                .ok_or_else(|| CvssError::malformed(vector, format!("unknown metric {key:?}")))?;
            let def = &defs[idx];
            if !def.values.contains(&value) {
                return Err(CvssError::malformed(
                    vector,
                    format!("{value:?} is not a value of {key}"),
                ));
            }
            if values[idx].replace(value).is_some() {
                return Err(CvssError::malformed(
                    vector,
                    format!("metric {key} repeated"),
                ));
            }
        }
        for (def, v) in defs.iter().zip(&values) {
            if def.mandatory && v.is_none() {
                return Err(CvssError::MissingMetric {
                    vector: crate::cut(vector),
                    metric: def.name,
                });
            }
        }
        Ok(Metrics { values, defs })
    }

    /// The value of a metric; `"X"` (not defined) when absent.
    pub(crate) fn get(&self, name: &str) -> &'a str {
        self.defs
            .iter()
            .position(|d| d.name == name)
            .and_then(|i| self.values.get(i).copied().flatten())
            .unwrap_or("X")
    }
}
