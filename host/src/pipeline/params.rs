//! One parameter rule for every command: `--param K=V` goes to every model that declares
//! `K`; `--param MODEL.K=V` to that model only, where MODEL is the model as named (or a
//! `.wasm` path's file stem) and the longest such prefix wins. A bare parameter that no
//! model declares is a mistake, said with what each model takes; a scoped one goes to its
//! model as it is, and the model checks it.

use std::path::Path;

/// A model as the user named it, and the parameters it declares (None when it could not be
/// loaded: its failure is reported where it runs, and it takes no bare parameter).
pub struct Declared<'a> {
    pub spec: &'a str,
    pub params: Option<Vec<String>>,
}

/// A spec's short name: as given, or a path's file stem.
pub fn label_of(spec: &str) -> String {
    if crate::plugin_path::is_path(spec) {
        Path::new(spec)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| spec.to_string())
    } else {
        spec.to_string()
    }
}

/// The model a `MODEL.K` name is scoped to, and `K`; None for a bare name.
pub fn scope_of(models: &[Declared], key: &str) -> Option<(usize, String)> {
    models
        .iter()
        .enumerate()
        .flat_map(|(i, m)| {
            [m.spec.to_string(), label_of(m.spec)]
                .into_iter()
                .filter_map(move |p| {
                    key.strip_prefix(&p)
                        .and_then(|r| r.strip_prefix('.'))
                        .filter(|r| !r.is_empty())
                        .map(|r| (i, p.len(), r.to_string()))
                })
        })
        .max_by_key(|(_, len, _)| *len)
        .map(|(i, _, k)| (i, k))
}

/// Each model's parameters, in the order given. `flag` names how a bare key was given, for
/// the message (`--order` for paths' shorthand, else `--param K=…`).
pub fn assign(
    models: &[Declared],
    given: &[(String, String)],
    flag: impl Fn(&str) -> String,
) -> Result<Vec<Vec<(String, String)>>, String> {
    let mut out: Vec<Vec<(String, String)>> = vec![vec![]; models.len()];
    for (k, v) in given {
        if let Some((i, name)) = scope_of(models, k) {
            out[i].push((name, v.clone()));
            continue;
        }
        let mut taken = false;
        for (i, m) in models.iter().enumerate() {
            if m.params.as_ref().is_some_and(|p| p.iter().any(|n| n == k)) {
                out[i].push((k.clone(), v.clone()));
                taken = true;
            }
        }
        let unknown = models.iter().any(|m| m.params.is_none());
        if !taken && !unknown {
            let takes: Vec<String> = models
                .iter()
                .map(|m| {
                    let names = m.params.as_deref().unwrap_or_default();
                    format!(
                        "{} takes {}",
                        m.spec,
                        if names.is_empty() {
                            "none".to_string()
                        } else {
                            names.join(", ")
                        }
                    )
                })
                .collect();
            return Err(format!(
                "{}: no model given takes a parameter `{k}` ({})",
                flag(k),
                takes.join("; ")
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(k: &str, v: &str) -> (String, String) {
        (k.into(), v.into())
    }

    fn models() -> Vec<Declared<'static>> {
        vec![
            Declared {
                spec: "markov",
                params: Some(vec!["order".into(), "value_rule".into()]),
            },
            Declared {
                spec: "linear",
                params: Some(vec![]),
            },
            Declared {
                spec: "/plugins/my-markov.wasm",
                params: Some(vec!["order".into()]),
            },
        ]
    }

    #[test]
    fn bare_goes_to_every_model_that_declares_it_scoped_to_one() {
        let flag = |k: &str| format!("--param {k}=…");
        let got = assign(
            &models(),
            &[
                p("order", "2"),
                p("markov.value_rule", "mean"),
                p("my-markov.order", "3"),
            ],
            flag,
        )
        .unwrap();
        assert_eq!(
            got,
            vec![
                vec![p("order", "2"), p("value_rule", "mean")],
                vec![],
                vec![p("order", "2"), p("order", "3")],
            ]
        );
    }

    #[test]
    fn a_bare_parameter_nobody_takes_is_refused_with_what_each_takes() {
        let e = assign(&models(), &[p("half_life", "7d")], |k| {
            format!("--param {k}=…")
        });
        assert_eq!(
            e.unwrap_err(),
            "--param half_life=…: no model given takes a parameter `half_life` (markov takes order, value_rule; linear takes none; /plugins/my-markov.wasm takes order)"
        );
    }

    #[test]
    fn a_model_that_did_not_load_takes_nothing_and_blocks_no_one() {
        let m = vec![
            Declared {
                spec: "broken",
                params: None,
            },
            Declared {
                spec: "linear",
                params: Some(vec![]),
            },
        ];
        assert_eq!(
            assign(&m, &[p("x", "1")], |k| k.to_string()).unwrap(),
            vec![vec![], vec![]]
        );
    }
}
