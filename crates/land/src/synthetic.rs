//! Synthetic parcels for demos and benchmarks (`congso generate land`): each commune tiled by a jittered grid of
//! quadrilaterals that share their vertices, so that neighbours meet edge to edge and none overlaps; land users
//! drawn from the population registry; real communes.
//!
//! Why the tiling cannot overlap: every interior vertex moves at most [`JITTER`] of a cell from its grid point,
//! less than a quarter, so a cell's bottom edge stays below its top edge and its left edge left of its right one.
//! Each quadrilateral is then simple, all are oriented alike, and cells that share an edge share its two
//! vertices exactly (coordinates are rounded to the centimetre once, per vertex). The proptest below checks it
//! with `geo`.

use geo::{Coord, LineString, Polygon};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::geometry::Footprint;
use crate::model::LandUse;

/// How far an interior vertex may move, as a fraction of a cell.
pub const JITTER: f64 = 0.2;

/// A commune's tiling: `cols` × `rows` cells of `cell` metres from `origin` (its south-west corner).
#[derive(Debug, Clone, Copy)]
pub struct Grid {
    /// South-west corner, VN-2000 metres.
    pub origin: (f64, f64),
    /// Cells west to east.
    pub cols: u32,
    /// Cells south to north.
    pub rows: u32,
    /// A cell's side, metres.
    pub cell: f64,
}

fn cm(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

impl Grid {
    /// The cells, row by row from the south-west: `(col, row, polygon)`.
    pub fn tile(&self, rng: &mut impl Rng) -> Vec<(u32, u32, Polygon<f64>)> {
        let (nx, ny) = (self.cols as usize + 1, self.rows as usize + 1);
        let mut vertices = Vec::with_capacity(nx * ny);
        for j in 0..ny {
            for i in 0..nx {
                let inner_x = i > 0 && i < nx - 1;
                let inner_y = j > 0 && j < ny - 1;
                let dx = if inner_x { rng.gen_range(-JITTER..JITTER) } else { 0.0 };
                let dy = if inner_y { rng.gen_range(-JITTER..JITTER) } else { 0.0 };
                vertices.push(Coord {
                    x: cm(self.origin.0 + (i as f64 + dx) * self.cell),
                    y: cm(self.origin.1 + (j as f64 + dy) * self.cell),
                });
            }
        }
        let at = |i: usize, j: usize| vertices[j * nx + i];
        let mut cells = Vec::with_capacity(self.cols as usize * self.rows as usize);
        for j in 0..self.rows as usize {
            for i in 0..self.cols as usize {
                let ring = vec![at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1), at(i, j)];
                cells.push((i as u32, j as u32, Polygon::new(LineString::from(ring), vec![])));
            }
        }
        cells
    }
}

/// Where a commune's tiling starts: communes are laid out 10 km apart across the VN-2000 grid by their place in
/// the list of communes, so that no two communes' parcels meet.
pub fn origin_of(index: usize) -> (f64, f64) {
    (150_000.0 + (index % 60) as f64 * 10_000.0, 900_000.0 + (index / 60) as f64 * 10_000.0)
}

/// A purpose, drawn with the weights of a mixed rural or urban commune.
pub fn purpose(rng: &mut impl Rng, urban: bool) -> LandUse {
    let roll = rng.gen_range(0..100);
    let home = if urban { LandUse::Odt } else { LandUse::Ont };
    match roll {
        0..35 => home,
        35..50 => LandUse::Cln,
        50..65 => {
            if urban {
                home
            } else {
                LandUse::Luc
            }
        }
        65..72 => LandUse::Bhk,
        72..77 => LandUse::Nts,
        77..82 => LandUse::Rsx,
        82..87 => LandUse::Tmd,
        87..90 => LandUse::Skc,
        90..94 => LandUse::Dgt,
        94..96 => LandUse::Dgd,
        96..98 => LandUse::Tin,
        _ => LandUse::Bcs,
    }
}

/// A seeded generator.
pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// Shuffles `items` with `rng` (the communes a run uses).
pub fn shuffle<T>(items: &mut [T], rng: &mut impl Rng) {
    items.shuffle(rng);
}

/// A cell as a parcel's boundary: the tiling's cells are valid by construction, and checked again.
pub fn footprint(polygon: Polygon<f64>) -> Option<Footprint> {
    Footprint::new(polygon).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

        #[test]
        fn generated_tilings_never_overlap(seed in any::<u64>(), cols in 1u32..7, rows in 1u32..7, cell in 5.0f64..60.0) {
            let grid = Grid { origin: (500_000.0, 1_200_000.0), cols, rows, cell };
            let cells: Vec<Footprint> =
                grid.tile(&mut rng(seed)).into_iter().map(|(_, _, p)| Footprint::new(p).unwrap()).collect();
            prop_assert_eq!(cells.len(), (cols * rows) as usize);
            for (i, a) in cells.iter().enumerate() {
                for b in &cells[i + 1..] {
                    prop_assert!(!a.overlaps(b));
                }
            }
            // Together they cover the commune's rectangle exactly: no gaps either.
            let total: f64 = cells.iter().map(Footprint::area_m2).sum();
            // The corners do not move, and are rounded to the centimetre as every vertex is.
            let (x0, y0) = (cm(500_000.0), cm(1_200_000.0));
            let whole = (cm(500_000.0 + f64::from(cols) * cell) - x0) * (cm(1_200_000.0 + f64::from(rows) * cell) - y0);
            prop_assert!((total - whole).abs() < whole * 1e-6 + 0.01, "{} vs {}", total, whole);
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_tiling() {
        let grid = Grid { origin: origin_of(7), cols: 3, rows: 2, cell: 25.0 };
        assert_eq!(grid.tile(&mut rng(9)), grid.tile(&mut rng(9)));
    }
}
