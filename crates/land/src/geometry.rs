//! A parcel's boundary: a GeoJSON polygon parsed with `geojson`, measured and compared with georust `geo`.
//!
//! **Coordinates are VN-2000 projected metres** (the national datum's transverse Mercator grid, in which every
//! Vietnamese cadastral map is drawn: easting, northing). We chose them over WGS84 longitude and latitude because
//! the records they come from are in VN-2000 already, areas are then plain planar areas in m² exactly as the
//! surveyor computed them, and overlap tests need no geodesy. RFC 7946 allows another CRS by prior arrangement;
//! this is ours, and the API says so. A position outside the grid's range is refused, which catches longitude
//! and latitude sent by mistake.

use geo::algorithm::{Area as _, BoundingRect, Relate, Validation};
use geo::coordinate_position::CoordPos;
use geo::dimensions::Dimensions;
use geo::{Coord, LineString, Polygon};
use serde::Serialize;

use crate::model::Area;

/// The range of VN-2000 eastings and northings we accept, in metres: every zone's false easting is 500 km, and
/// Vietnam spans about 950 to 2,600 km north of the equator.
pub const EASTING: std::ops::RangeInclusive<f64> = 100_000.0..=900_000.0;
/// See [`EASTING`].
pub const NORTHING: std::ops::RangeInclusive<f64> = 800_000.0..=2_700_000.0;

/// The most vertices a parcel's boundary may have: survey plots have tens; this bounds the work of one check.
pub const MAX_VERTICES: usize = 2_000;

/// How far the recorded area may differ from the computed one before the record is flagged: 2 % of the
/// recorded area, and never less than 1 m², the rounding of old paper records.
pub const AREA_TOLERANCE: f64 = 0.02;

/// Why a geometry is not a parcel's boundary.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeometryError {
    /// Not GeoJSON, or not a geometry.
    #[error("not a GeoJSON geometry: {0}")]
    NotGeoJson(String),
    /// A geometry, but not a Polygon.
    #[error("a parcel is a GeoJSON Polygon, not a {0}")]
    NotPolygon(String),
    /// Too many vertices.
    #[error("a parcel's boundary has at most {MAX_VERTICES} vertices")]
    TooLarge,
    /// A coordinate outside VN-2000's grid (perhaps longitude and latitude).
    #[error("positions are VN-2000 metres: easting 100000 to 900000, northing 800000 to 2700000")]
    OutOfGrid,
    /// Self-intersecting, unclosed, too few points, a hole outside: what `geo` says is wrong.
    #[error("the polygon is not valid: {0}")]
    Invalid(String),
}

impl kernel::Localized for GeometryError {
    fn message(&self, lang: kernel::Lang) -> std::borrow::Cow<'static, str> {
        match (self, lang) {
            (Self::NotGeoJson(_), kernel::Lang::Vi) => "Ranh giới thửa phải là một hình học GeoJSON.".into(),
            (Self::NotPolygon(t), kernel::Lang::Vi) => {
                format!("Ranh giới thửa phải là GeoJSON Polygon, không phải {t}.").into()
            }
            (Self::TooLarge, kernel::Lang::Vi) => "Ranh giới thửa có tối đa 2000 đỉnh.".into(),
            (Self::OutOfGrid, kernel::Lang::Vi) => "Tọa độ theo hệ VN-2000 (mét): X từ 100000 đến 900000, Y từ 800000 đến 2700000; không dùng kinh độ, vĩ độ.".into(),
            (Self::Invalid(why), kernel::Lang::Vi) => {
                format!("Ranh giới thửa không hợp lệ (tự cắt, không khép kín hoặc quá ít đỉnh): {why}.").into()
            }
            (other, kernel::Lang::En) => other.to_string().into(),
        }
    }
}

/// A bounding box in whole centimetres: what the store keeps to find neighbours by an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bbox {
    /// West.
    pub min_x: i64,
    /// South.
    pub min_y: i64,
    /// East.
    pub max_x: i64,
    /// North.
    pub max_y: i64,
}

impl Bbox {
    /// This box grown by `metres` on every side.
    pub fn grown(self, metres: f64) -> Bbox {
        let d = (metres * 100.0) as i64;
        Bbox { min_x: self.min_x - d, min_y: self.min_y - d, max_x: self.max_x + d, max_y: self.max_y + d }
    }
}

/// A valid parcel boundary in VN-2000 metres.
#[derive(Debug, Clone, PartialEq)]
pub struct Footprint(Polygon<f64>);

impl Footprint {
    /// Parses a GeoJSON geometry object (as text).
    pub fn from_geojson_str(text: &str) -> Result<Footprint, GeometryError> {
        let geometry: geojson::Geometry =
            serde_json::from_str(text).map_err(|e| GeometryError::NotGeoJson(e.to_string()))?;
        Self::from_geojson(&geometry)
    }

    /// Parses a GeoJSON geometry value.
    pub fn from_json(value: &serde_json::Value) -> Result<Footprint, GeometryError> {
        let geometry: geojson::Geometry =
            serde_json::from_value(value.clone()).map_err(|e| GeometryError::NotGeoJson(e.to_string()))?;
        Self::from_geojson(&geometry)
    }

    /// A polygon that lies in the grid, is not too large, and is valid as `geo` sees it.
    pub fn from_geojson(geometry: &geojson::Geometry) -> Result<Footprint, GeometryError> {
        let polygon: Polygon<f64> = match &geometry.value {
            value @ geojson::GeometryValue::Polygon { .. } => {
                Polygon::try_from(value).map_err(|e| GeometryError::NotGeoJson(e.to_string()))?
            }
            other => return Err(GeometryError::NotPolygon(other.type_name().to_owned())),
        };
        Self::new(polygon)
    }

    /// The checks of [`Self::from_geojson`] on a polygon built in code (the generator's).
    pub fn new(polygon: Polygon<f64>) -> Result<Footprint, GeometryError> {
        let vertices = polygon.exterior().0.len() + polygon.interiors().iter().map(|r| r.0.len()).sum::<usize>();
        if vertices > MAX_VERTICES {
            return Err(GeometryError::TooLarge);
        }
        let rings = std::iter::once(polygon.exterior()).chain(polygon.interiors());
        for ring in rings {
            if ring.0.iter().any(|c| !EASTING.contains(&c.x) || !NORTHING.contains(&c.y)) {
                return Err(GeometryError::OutOfGrid);
            }
        }
        polygon.check_validation().map_err(|e| GeometryError::Invalid(e.to_string()))?;
        if polygon.unsigned_area() <= 0.0 {
            return Err(GeometryError::Invalid("zero area".into()));
        }
        Ok(Footprint(polygon))
    }

    /// The polygon.
    pub fn polygon(&self) -> &Polygon<f64> {
        &self.0
    }

    /// Its planar area in m².
    pub fn area_m2(&self) -> f64 {
        self.0.unsigned_area()
    }

    /// Whether `recorded` agrees with the computed area within [`AREA_TOLERANCE`].
    pub fn agrees_with(&self, recorded: Area) -> bool {
        let allowed = (recorded.m2() * AREA_TOLERANCE).max(1.0);
        (self.area_m2() - recorded.m2()).abs() <= allowed
    }

    /// Whether the interiors of the two overlap: neighbours that share an edge or a corner do not.
    pub fn overlaps(&self, other: &Footprint) -> bool {
        self.0.relate(&other.0).get(CoordPos::Inside, CoordPos::Inside) != Dimensions::Empty
    }

    /// Its bounding box in centimetres.
    pub fn bbox(&self) -> Bbox {
        let rect = self.0.bounding_rect().unwrap_or_else(|| geo::Rect::new(Coord::zero(), Coord::zero()));
        Bbox {
            min_x: (rect.min().x * 100.0).floor() as i64,
            min_y: (rect.min().y * 100.0).floor() as i64,
            max_x: (rect.max().x * 100.0).ceil() as i64,
            max_y: (rect.max().y * 100.0).ceil() as i64,
        }
    }

    /// A point inside it, for its label: the centre of its box if inside, else its first vertex.
    pub fn label_point(&self) -> Coord<f64> {
        use geo::Contains;
        let b = self.bbox();
        let centre = Coord { x: (b.min_x + b.max_x) as f64 / 200.0, y: (b.min_y + b.max_y) as f64 / 200.0 };
        if self.0.contains(&geo::Point::from(centre)) {
            centre
        } else {
            self.0.exterior().0.first().copied().unwrap_or(centre)
        }
    }

    /// As a GeoJSON geometry.
    pub fn to_geojson(&self) -> geojson::Geometry {
        geojson::Geometry::new(geojson::GeometryValue::from(&self.0))
    }

    /// As GeoJSON text, for storage.
    pub fn to_geojson_string(&self) -> String {
        self.to_geojson().to_string()
    }

    /// The rings, for drawing.
    pub fn rings(&self) -> impl Iterator<Item = &LineString<f64>> {
        std::iter::once(self.0.exterior()).chain(self.0.interiors())
    }
}

impl Serialize for Footprint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_geojson().serialize(s)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn square(x: f64, y: f64, side: f64) -> Footprint {
        let ring = vec![(x, y), (x + side, y), (x + side, y + side), (x, y + side), (x, y)];
        Footprint::new(Polygon::new(LineString::from(ring), vec![])).unwrap()
    }

    #[test]
    fn a_square_of_ten_metres_is_a_hundred_square_metres() {
        let s = square(500_000.0, 1_200_000.0, 10.0);
        assert!((s.area_m2() - 100.0).abs() < 1e-6);
        assert!(s.agrees_with(Area::from_m2(101.0).unwrap()));
        assert!(!s.agrees_with(Area::from_m2(110.0).unwrap()));
    }

    #[test]
    fn neighbours_touch_but_do_not_overlap() {
        let a = square(500_000.0, 1_200_000.0, 10.0);
        let b = square(500_010.0, 1_200_000.0, 10.0);
        let c = square(500_005.0, 1_200_005.0, 10.0);
        assert!(!a.overlaps(&b));
        assert!(a.overlaps(&c));
        assert!(b.overlaps(&c));
        assert!(a.overlaps(&a));
    }

    #[test]
    fn a_bow_tie_is_refused() {
        let text = r#"{"type":"Polygon","coordinates":[[[500000,1200000],[500010,1200010],[500010,1200000],[500000,1200010],[500000,1200000]]]}"#;
        assert!(matches!(Footprint::from_geojson_str(text), Err(GeometryError::Invalid(_))));
    }

    #[test]
    fn longitude_and_latitude_are_refused() {
        let text =
            r#"{"type":"Polygon","coordinates":[[[105.85,21.02],[105.86,21.02],[105.86,21.03],[105.85,21.02]]]}"#;
        assert_eq!(Footprint::from_geojson_str(text), Err(GeometryError::OutOfGrid));
    }

    #[test]
    fn only_polygons_are_parcels() {
        let text = r#"{"type":"Point","coordinates":[500000,1200000]}"#;
        assert_eq!(Footprint::from_geojson_str(text), Err(GeometryError::NotPolygon("Point".into())));
        assert!(matches!(Footprint::from_geojson_str("{"), Err(GeometryError::NotGeoJson(_))));
    }

    #[test]
    fn geojson_reads_back_what_it_writes() {
        let s = square(500_000.0, 1_200_000.0, 12.5);
        assert_eq!(Footprint::from_geojson_str(&s.to_geojson_string()).unwrap(), s);
    }
}
