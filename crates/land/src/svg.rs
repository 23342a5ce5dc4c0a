//! Parcels drawn as SVG on the server: no map tiles, no script. A drawing is data (a viewBox and path strings)
//! that a template writes out; the `<svg>` scales to the width of the screen (`viewBox`, no fixed size), so a
//! phone shows the whole map.
//!
//! VN-2000 northings grow northward and SVG's y grows downward: every point is flipped about the drawing's top.

use std::fmt::Write;

use crate::geometry::Footprint;
use crate::model::{LandUse, ParcelRef};

/// One parcel on a drawing.
#[derive(Debug, Clone)]
pub struct Shape {
    /// The path's `d`: its rings, each closed.
    pub d: String,
    /// Its fill: its purpose's colour.
    pub fill: &'static str,
    /// Where its label goes.
    pub label_x: String,
    /// See `label_x`.
    pub label_y: String,
    /// Its label: the parcel's number (and purpose code on a parcel's page).
    pub label: String,
    /// Its page.
    pub href: String,
    /// Its sheet, for its tooltip.
    pub sheet: u32,
    /// Its number, for its tooltip.
    pub number: u32,
    /// Its purpose's code, for its tooltip.
    pub code: &'static str,
    /// Whether it is the parcel the page is about.
    pub focus: bool,
}

/// A drawing: its viewBox and shapes, and the size of its labels in drawing units.
#[derive(Debug, Clone)]
pub struct Drawing {
    /// `0 0 W H`.
    pub view_box: String,
    /// The shapes, the focused one last so that its outline is on top.
    pub shapes: Vec<Shape>,
    /// Label size.
    pub font: String,
    /// The purposes drawn, for the legend.
    pub legend: Vec<LandUse>,
}

impl Drawing {
    /// The drawing's ARIA role: a picture, or a group of links when its parcels open their pages (a picture may
    /// hold no links: assistive technology would not reach them).
    pub fn role(&self) -> &'static str {
        if self.shapes.iter().any(|s| !s.href.is_empty()) { "group" } else { "img" }
    }
}

/// A parcel to draw.
pub struct Item<'a> {
    /// Which.
    pub reference: ParcelRef,
    /// Its purpose.
    pub purpose: LandUse,
    /// Its boundary.
    pub footprint: &'a Footprint,
    /// Whether it is the one the page is about.
    pub focus: bool,
}

fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Draws `items` to fit their bounding box with a margin, each labelled with its number; `link` makes the href
/// of a parcel's page.
pub fn draw(items: &[Item<'_>], link: impl Fn(&ParcelRef) -> String) -> Option<Drawing> {
    let boxes: Vec<_> = items.iter().map(|i| i.footprint.bbox()).collect();
    let min_x = boxes.iter().map(|b| b.min_x).min()? as f64 / 100.0;
    let min_y = boxes.iter().map(|b| b.min_y).min()? as f64 / 100.0;
    let max_x = boxes.iter().map(|b| b.max_x).max()? as f64 / 100.0;
    let max_y = boxes.iter().map(|b| b.max_y).max()? as f64 / 100.0;
    let margin = ((max_x - min_x).max(max_y - min_y) * 0.03).max(1.0);
    let (left, top) = (min_x - margin, max_y + margin);
    let (width, height) = (max_x - min_x + 2.0 * margin, max_y - min_y + 2.0 * margin);
    let mut shapes: Vec<Shape> = items
        .iter()
        .map(|item| {
            let mut d = String::new();
            for ring in item.footprint.rings() {
                for (i, c) in ring.0.iter().enumerate() {
                    let _ = write!(d, "{}{} {}", if i == 0 { "M" } else { "L" }, num(c.x - left), num(top - c.y));
                }
                d.push('Z');
            }
            let at = item.footprint.label_point();
            let r = item.reference;
            Shape {
                d,
                fill: item.purpose.colour(),
                label_x: num(at.x - left),
                label_y: num(top - at.y),
                label: if item.focus { format!("{} {}", r.number, item.purpose.code()) } else { r.number.to_string() },
                href: link(&r),
                sheet: r.sheet,
                number: r.number,
                code: item.purpose.code(),
                focus: item.focus,
            }
        })
        .collect();
    shapes.sort_by_key(|s| s.focus);
    let mut legend: Vec<LandUse> = items.iter().map(|i| i.purpose).collect();
    legend.sort();
    legend.dedup();
    // Labels about a fortieth of the drawing on a parcel's page; on a commune's map, sized to a parcel.
    let font = if items.len() > 40 {
        (width.min(height) / (items.len() as f64).sqrt() / 4.0).max(0.5)
    } else {
        width.min(height) / 30.0
    };
    Some(Drawing { view_box: format!("0 0 {} {}", num(width), num(height)), shapes, font: num(font), legend })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::tests::square;

    #[test]
    fn a_drawing_fits_its_parcels_and_flips_north_up() {
        let a = square(500_000.0, 1_200_000.0, 10.0);
        let b = square(500_010.0, 1_200_000.0, 10.0);
        let r = |n| ParcelRef::new("00070".parse().unwrap(), 1, n).unwrap();
        let items = [
            Item { reference: r(1), purpose: LandUse::Ont, footprint: &a, focus: true },
            Item { reference: r(2), purpose: LandUse::Cln, footprint: &b, focus: false },
        ];
        let d = draw(&items, |r| format!("/p/{}", r)).unwrap();
        assert_eq!(d.view_box, "0 0 22 12");
        assert_eq!(d.shapes.len(), 2);
        assert!(d.shapes[1].focus, "the focused parcel is drawn last");
        assert!(d.shapes[1].d.starts_with("M1 11L11 11"), "{}", d.shapes[1].d);
        assert_eq!(d.legend, [LandUse::Cln, LandUse::Ont]);
        assert!(draw(&[], |_| String::new()).is_none());
    }
}
