//! Absorption probabilities (models.md steps 3–4), exactly: no simulation, no step cap.
//!
//! With Q the transient part of the chain and π the start distribution, the expected number
//! of visits z solves z = π + Qᵀz restricted to the states kept (a removed state sends its
//! walkers to null, so it is simply left out), and
//!
//! ```text
//! P(conv)  = Σ_s z_s · P(s → conv)
//! value    = Σ_s z_s · P(s → conv) · μ_s
//! ```
//!
//! One linear solve per removal gives both. The system is split into strongly connected
//! components (Tarjan), solved in topological order: a component of one state is a
//! substitution, a component of up to [`DENSE_MAX`] states a dense LU solve with partial
//! pivoting, and a larger one (order ≥ 3 chains are one big component: de Bruijn-like
//! graphs have no small separators, so a sparse factorization fills in to dense) by
//! Gauss–Seidel sweeps until the relative residual is below [`RESIDUAL`], i.e. full f64
//! precision. Gauss–Seidel converges for this system whatever the data: I − Q is a
//! nonsingular M-matrix because every state reaches an absorbing state.

use ascribe_sdk::model::ModelError;

use crate::chain::Chain;

/// Components up to this many states are solved by dense LU.
pub const DENSE_MAX: usize = 320;
/// Relative residual ‖π + Qᵀz − z‖₁ / ‖z‖₁ the iterative solve must reach.
pub const RESIDUAL: f64 = 1e-14;
/// It keeps going to this one unless rounding stalls it first.
const RESIDUAL_GOAL: f64 = 1e-15;
/// Sweeps before giving up on Gauss–Seidel and falling back to dense LU.
const MAX_SWEEPS: usize = 200_000;
/// The fallback's size limit (a dense solve of this size takes a few seconds and 32 MB).
const FALLBACK_DENSE_MAX: usize = 2_000;

/// How the systems were solved, for the notes.
#[derive(Default, Debug, Clone)]
pub struct Stats {
    pub systems: usize,
    pub components: usize,
    pub dense_components: usize,
    pub iterative_components: usize,
    pub largest_iterative: usize,
    pub worst_residual: f64,
    pub max_sweeps: usize,
    pub fallbacks: usize,
}

/// Scratch space reused across the systems of one chain.
pub struct Solver<'a> {
    chain: &'a Chain,
    dense_max: usize,
    // Tarjan
    comp_of: Vec<u32>,
    index: Vec<u32>,
    low: Vec<u32>,
    on_stack: Vec<bool>,
    stack: Vec<u32>,
    call: Vec<(u32, usize)>,
    // solution
    z: Vec<f64>,
    inflow: Vec<f64>,
    local: Vec<u32>,
    pub stats: Stats,
}

const NONE: u32 = u32::MAX;

impl<'a> Solver<'a> {
    pub fn new(chain: &'a Chain, dense_max: usize) -> Self {
        let n = chain.states();
        Solver {
            chain,
            dense_max,
            comp_of: vec![NONE; n],
            index: vec![NONE; n],
            low: vec![0; n],
            on_stack: vec![false; n],
            stack: Vec::new(),
            call: Vec::new(),
            z: vec![0.0; n],
            inflow: vec![0.0; n],
            local: vec![NONE; n],
            stats: Stats::default(),
        }
    }

    /// Strongly connected components of the kept states, in topological order (every edge
    /// between components goes from an earlier to a later one).
    fn components(&mut self, kept: &[bool]) -> Vec<Vec<u32>> {
        let c = self.chain;
        let n = c.states();
        self.index.fill(NONE);
        self.on_stack.fill(false);
        self.comp_of.fill(NONE);
        let mut comps: Vec<Vec<u32>> = Vec::new();
        let mut next_index = 0u32;
        for root in 0..n {
            if !kept[root] || self.index[root] != NONE {
                continue;
            }
            self.call.push((root as u32, c.row[root]));
            self.index[root] = next_index;
            self.low[root] = next_index;
            next_index += 1;
            self.stack.push(root as u32);
            self.on_stack[root] = true;
            while let Some(&mut (v, ref mut e)) = self.call.last_mut() {
                let v = v as usize;
                if *e < c.row[v + 1] {
                    let w = c.col[*e] as usize;
                    *e += 1;
                    if !kept[w] {
                        continue;
                    }
                    if self.index[w] == NONE {
                        self.index[w] = next_index;
                        self.low[w] = next_index;
                        next_index += 1;
                        self.stack.push(w as u32);
                        self.on_stack[w] = true;
                        self.call.push((w as u32, c.row[w]));
                    } else if self.on_stack[w] {
                        self.low[v] = self.low[v].min(self.index[w]);
                    }
                } else {
                    self.call.pop();
                    if let Some(&(u, _)) = self.call.last() {
                        let u = u as usize;
                        self.low[u] = self.low[u].min(self.low[v]);
                    }
                    if self.low[v] == self.index[v] {
                        let id = comps.len() as u32;
                        let mut comp = Vec::new();
                        loop {
                            let w = self.stack.pop().expect("tarjan stack") as usize;
                            self.on_stack[w] = false;
                            self.comp_of[w] = id;
                            comp.push(w as u32);
                            if w == v {
                                break;
                            }
                        }
                        comp.sort_unstable();
                        comps.push(comp);
                    }
                }
            }
        }
        // Tarjan emits a component after all the components it reaches: reverse.
        comps.reverse();
        let m = comps.len() as u32;
        for x in self.comp_of.iter_mut() {
            if *x != NONE {
                *x = m - 1 - *x;
            }
        }
        comps
    }

    /// (P(conversion), absorbed value) from the start with only the `kept` states alive.
    pub fn absorb(&mut self, kept: &[bool]) -> Result<(f64, f64), ModelError> {
        let c = self.chain;
        self.stats.systems += 1;
        let comps = self.components(kept);
        self.stats.components += comps.len();
        for (s, x) in self.inflow.iter_mut().enumerate() {
            *x = c.start[s];
        }
        self.z.fill(0.0);
        for (id, comp) in comps.iter().enumerate() {
            if comp.len() == 1 {
                // No self-loops: consecutive identical states collapse.
                let s = comp[0] as usize;
                self.z[s] = self.inflow[s];
            } else if comp.len() <= self.dense_max {
                self.stats.dense_components += 1;
                self.dense(comp);
            } else {
                self.stats.iterative_components += 1;
                self.stats.largest_iterative = self.stats.largest_iterative.max(comp.len());
                self.gauss_seidel(comp)?;
            }
            // Push the solved visits downstream.
            for &s in comp {
                let s = s as usize;
                let zs = self.z[s];
                for e in c.row[s]..c.row[s + 1] {
                    let t = c.col[e] as usize;
                    if kept[t] && self.comp_of[t] != id as u32 {
                        self.inflow[t] += c.prob[e] * zs;
                    }
                }
            }
        }
        let (mut p, mut v) = (0.0, 0.0);
        for (s, _) in kept.iter().enumerate().filter(|(_, k)| **k) {
            p += self.z[s] * c.conv[s];
            v += self.z[s] * c.value[s];
        }
        Ok((p, v))
    }

    /// Solves (I − Q_CCᵀ) z_C = inflow_C by LU with partial pivoting.
    fn dense(&mut self, comp: &[u32]) {
        let c = self.chain;
        let m = comp.len();
        for (i, &s) in comp.iter().enumerate() {
            self.local[s as usize] = i as u32;
        }
        // Row i is the equation of state comp[i]: z_i − Σ_{p→i in C} P(p→i) z_p = b_i.
        let mut a = vec![0.0; m * m];
        let mut rhs: Vec<f64> = comp.iter().map(|&s| self.inflow[s as usize]).collect();
        for (p, &s) in comp.iter().enumerate() {
            a[p * m + p] += 1.0;
            let s = s as usize;
            for e in c.row[s]..c.row[s + 1] {
                let t = c.col[e] as usize;
                if self.comp_of[t] == self.comp_of[s] {
                    let i = self.local[t] as usize;
                    a[i * m + p] -= c.prob[e];
                }
            }
        }
        lu_solve(&mut a, &mut rhs, m);
        for (i, &s) in comp.iter().enumerate() {
            self.z[s as usize] = rhs[i];
            self.local[s as usize] = NONE;
        }
    }

    /// Gauss–Seidel on z_s = b_s + Σ_{p→s in C} P(p→s) z_p until the relative residual
    /// reaches [`RESIDUAL_GOAL`] (or stalls below [`RESIDUAL`]).
    fn gauss_seidel(&mut self, comp: &[u32]) -> Result<(), ModelError> {
        let c = self.chain;
        let m = comp.len();
        for (i, &s) in comp.iter().enumerate() {
            self.local[s as usize] = i as u32;
        }
        // Incoming edges within the component, by local index.
        let mut in_row = vec![0usize; m + 1];
        for &s in comp {
            let s = s as usize;
            for e in c.row[s]..c.row[s + 1] {
                let t = c.col[e] as usize;
                if self.comp_of[t] == self.comp_of[s] {
                    in_row[self.local[t] as usize + 1] += 1;
                }
            }
        }
        for i in 0..m {
            in_row[i + 1] += in_row[i];
        }
        let mut fill = in_row.clone();
        let mut in_from = vec![0u32; in_row[m]];
        let mut in_prob = vec![0.0; in_row[m]];
        for (p, &s) in comp.iter().enumerate() {
            let s = s as usize;
            for e in c.row[s]..c.row[s + 1] {
                let t = c.col[e] as usize;
                if self.comp_of[t] == self.comp_of[s] {
                    let i = self.local[t] as usize;
                    in_from[fill[i]] = p as u32;
                    in_prob[fill[i]] = c.prob[e];
                    fill[i] += 1;
                }
            }
        }
        let b: Vec<f64> = comp.iter().map(|&s| self.inflow[s as usize]).collect();
        let mut z = b.clone();
        let residual = |z: &[f64]| {
            let (mut r, mut norm) = (0.0, 0.0);
            for i in 0..m {
                let mut acc = b[i];
                for e in in_row[i]..in_row[i + 1] {
                    acc += in_prob[e] * z[in_from[e] as usize];
                }
                r += (acc - z[i]).abs();
                norm += z[i].abs();
            }
            if norm > 0.0 { r / norm } else { 0.0 }
        };
        let mut sweeps = 0;
        let mut last = f64::INFINITY;
        let result = loop {
            for _ in 0..4 {
                for i in 0..m {
                    let mut acc = b[i];
                    for e in in_row[i]..in_row[i + 1] {
                        acc += in_prob[e] * z[in_from[e] as usize];
                    }
                    z[i] = acc;
                }
            }
            sweeps += 4;
            let r = residual(&z);
            if r <= RESIDUAL_GOAL || (r <= RESIDUAL && r >= 0.5 * last) {
                break Some(r);
            }
            if sweeps >= MAX_SWEEPS {
                break None;
            }
            last = r;
        };
        self.stats.max_sweeps = self.stats.max_sweeps.max(sweeps);
        match result {
            Some(r) => {
                self.stats.worst_residual = self.stats.worst_residual.max(r);
                for (i, &s) in comp.iter().enumerate() {
                    self.z[s as usize] = z[i];
                    self.local[s as usize] = NONE;
                }
                Ok(())
            }
            None if m <= FALLBACK_DENSE_MAX => {
                for &s in comp {
                    self.local[s as usize] = NONE;
                }
                self.stats.fallbacks += 1;
                self.dense(comp);
                Ok(())
            }
            None => Err(ModelError::Failed(format!(
                "markov: the iterative solve of a {m}-state component did not converge in \
                 {MAX_SWEEPS} sweeps (relative residual {last:.1e})"
            ))),
        }
    }
}

/// Solves a·x = rhs in place (a is m×m row-major; rhs becomes x). Partial pivoting.
pub fn lu_solve(a: &mut [f64], rhs: &mut [f64], m: usize) {
    for k in 0..m {
        let mut piv = k;
        let mut best = a[k * m + k].abs();
        for i in k + 1..m {
            let v = a[i * m + k].abs();
            if v > best {
                best = v;
                piv = i;
            }
        }
        if piv != k {
            for j in 0..m {
                a.swap(k * m + j, piv * m + j);
            }
            rhs.swap(k, piv);
        }
        let d = a[k * m + k];
        if d == 0.0 {
            continue; // singular: cannot happen for I − Q with Q transient
        }
        let (top, bottom) = a.split_at_mut((k + 1) * m);
        let pivot_row = &top[k * m + k + 1..k * m + m];
        for i in 0..m - k - 1 {
            let row = &mut bottom[i * m..(i + 1) * m];
            let f = row[k] / d;
            if f != 0.0 {
                row[k] = 0.0;
                for (x, &p) in row[k + 1..].iter_mut().zip(pivot_row) {
                    *x -= f * p;
                }
                rhs[k + 1 + i] -= f * rhs[k];
            }
        }
    }
    for k in (0..m).rev() {
        let mut acc = rhs[k];
        for j in k + 1..m {
            acc -= a[k * m + j] * rhs[j];
        }
        let d = a[k * m + k];
        rhs[k] = if d != 0.0 { acc / d } else { 0.0 };
    }
}
