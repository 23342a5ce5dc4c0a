//! QR code images: drawing a credential's text as SVG or PNG, and reading one back from a photo or screenshot.
//!
//! Claim 169 and EU DCC texts are Base45, whose 45 characters are exactly QR's alphanumeric set, so they are
//! written in alphanumeric mode (5.5 bits a character instead of 8 in byte mode): a noticeably smaller code.

use std::io::Cursor;

use image::{GrayImage, ImageFormat, ImageReader, Luma};
use qrcode::bits::Bits;
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode, Version};

/// Error correction level M: about 15% of the code can be lost, the usual trade between size and robustness
/// for codes shown on screens and printed on cards.
const EC_LEVEL: EcLevel = EcLevel::M;

/// The characters of QR alphanumeric mode (ISO/IEC 18004 §7.4.4), which are also Base45's alphabet.
const ALPHANUMERIC: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// The largest module size [`render_png`] draws, so a caller cannot ask for a gigapixel image.
pub const MAX_SCALE: u32 = 32;

/// The largest image file [`decode_image`] reads.
pub const MAX_IMAGE_BYTES: usize = 20 * 1024 * 1024;

/// The widest and tallest image [`decode_image`] reads, in pixels (a 48-megapixel photo is 8064 × 6048).
pub const MAX_IMAGE_SIDE: u32 = 8192;

/// The most pixels [`decode_image`] decodes: 24 megapixels. A phone photo is 12 MP (4032 × 3024) by default, and a
/// camera's 6000 × 4000 still fits; a full 48 MP sensor readout does not, but such a file is far over the 8 MiB
/// `/verify` takes anyway. Decoding time and memory grow with the pixel count, not the file size: a 200 KB PNG
/// can declare 8192 × 8192 (67 MP, seconds of work and hundreds of megabytes), which this refuses from its header.
pub const MAX_IMAGE_PIXELS: u64 = 24_000_000;

/// Photos larger than this on their longer side are scaled down before looking for codes: detection time grows
/// with the pixel count, and a code that fills a reasonable part of the picture stays readable.
const DETECT_SIDE: u32 = 2048;

/// Why a QR image could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    /// The text does not fit in the largest QR code (version 40).
    #[error("the text is too long for a QR code")]
    TooLong,
    /// The image file is larger than [`MAX_IMAGE_BYTES`], [`MAX_IMAGE_SIDE`] or [`MAX_IMAGE_PIXELS`] allow.
    #[error("the image is too large")]
    ImageTooLarge,
    /// The bytes are not a PNG or JPEG image we can read.
    #[error("not a readable image: {0}")]
    Image(String),
    /// No QR code was found in the image.
    #[error("no QR code found in the image")]
    NotFound,
    /// A QR code was found but could not be read.
    #[error("a QR code was found but could not be read: {0}")]
    Unreadable(String),
}

/// The smallest QR code at level M holding `text`: alphanumeric mode when every character allows it, else bytes.
fn qr_code(text: &str) -> Result<QrCode, QrError> {
    let alphanumeric = text.bytes().all(|b| ALPHANUMERIC.contains(&b));
    for version in 1..=40 {
        let mut bits = Bits::new(Version::Normal(version));
        let pushed = if alphanumeric {
            bits.push_alphanumeric_data(text.as_bytes())
        } else {
            bits.push_byte_data(text.as_bytes())
        };
        if pushed.is_ok() && bits.push_terminator(EC_LEVEL).is_ok() {
            return QrCode::with_bits(bits, EC_LEVEL).map_err(|_| QrError::TooLong);
        }
    }
    Err(QrError::TooLong)
}

/// The QR version (1–40) `text` needs: its size is 17 + 4 × version modules a side.
pub fn version(text: &str) -> Result<i16, QrError> {
    match qr_code(text)?.version() {
        Version::Normal(v) | Version::Micro(v) => Ok(v),
    }
}

/// The QR code as a standalone SVG document, with the quiet zone, at least 256 pixels wide.
pub fn render_svg(text: &str) -> Result<String, QrError> {
    let code = qr_code(text)?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(256, 256)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .quiet_zone(true)
        .build())
}

/// The QR code as a greyscale PNG, `scale` pixels a module (clamped to 1–[`MAX_SCALE`]), with the quiet zone.
pub fn render_png(text: &str, scale: u32) -> Result<Vec<u8>, QrError> {
    let scale = scale.clamp(1, MAX_SCALE);
    let image: GrayImage = qr_code(text)?.render::<Luma<u8>>().module_dimensions(scale, scale).quiet_zone(true).build();
    let mut png = Vec::new();
    // Encoding into memory only fails if the image is malformed, which `qrcode` does not produce.
    image.write_to(&mut Cursor::new(&mut png), ImageFormat::Png).map_err(|e| QrError::Image(e.to_string()))?;
    Ok(png)
}

/// A reader of `bytes` as PNG or JPEG; nothing is decoded yet.
fn reader(bytes: &[u8]) -> Result<ImageReader<Cursor<&[u8]>>, QrError> {
    let reader =
        ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|e| QrError::Image(e.to_string()))?;
    if !matches!(reader.format(), Some(ImageFormat::Png | ImageFormat::Jpeg)) {
        return Err(QrError::Image("only PNG and JPEG are read".into()));
    }
    Ok(reader)
}

/// The image's width and height as its header declares them, checked against [`MAX_IMAGE_SIDE`] and
/// [`MAX_IMAGE_PIXELS`]; only the header is read.
pub fn check_dimensions(bytes: &[u8]) -> Result<(u32, u32), QrError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(QrError::ImageTooLarge);
    }
    let (width, height) = reader(bytes)?.into_dimensions().map_err(|e| match e {
        image::ImageError::Limits(_) => QrError::ImageTooLarge,
        other => QrError::Image(other.to_string()),
    })?;
    if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || u64::from(width) * u64::from(height) > MAX_IMAGE_PIXELS {
        return Err(QrError::ImageTooLarge);
    }
    Ok((width, height))
}

/// The text of the first readable QR code in a PNG or JPEG image, such as a phone photo or screenshot.
///
/// This is CPU work of up to a second or two for a large photo: an async caller runs it on the blocking pool.
pub fn decode_image(bytes: &[u8]) -> Result<String, QrError> {
    // The header's dimensions are checked before any pixel is decoded, so a small file claiming a huge image
    // (a decompression bomb) is refused without the work or the memory.
    check_dimensions(bytes)?;
    let mut reader = reader(bytes)?;
    // The decoder's own limits too, should a format's header and its frames disagree: 24 MP of 16-bit RGBA is
    // 192 MiB, the most one decode may allocate.
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_IMAGE_PIXELS * 8);
    reader.limits(limits);
    let image = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => QrError::ImageTooLarge,
        other => QrError::Image(other.to_string()),
    })?;

    let mut grey = image.to_luma8();
    let longest = grey.width().max(grey.height());
    if longest > DETECT_SIDE {
        let ratio = f64::from(DETECT_SIDE) / f64::from(longest);
        let (w, h) = (f64::from(grey.width()) * ratio, f64::from(grey.height()) * ratio);
        grey = image::imageops::resize(&grey, w as u32, h as u32, image::imageops::FilterType::Triangle);
    }
    detect(&grey)
}

fn detect(grey: &GrayImage) -> Result<String, QrError> {
    // The detector is third-party code reading pixels an outsider chose: a panic in it must become an error
    // for this one image, not take down the request handling it.
    let found = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let (w, h) = (grey.width() as usize, grey.height() as usize);
        let mut prepared =
            rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| grey.get_pixel(x as u32, y as u32)[0]);
        let grids = prepared.detect_grids();
        let mut last_error = None;
        for grid in &grids {
            match grid.decode() {
                Ok((_, content)) => return Ok(content),
                Err(e) => last_error = Some(e.to_string()),
            }
        }
        Err(last_error)
    }))
    .map_err(|_| QrError::Unreadable("the detector failed on this image".into()))?;
    found.map_err(|last_error| last_error.map_or(QrError::NotFound, QrError::Unreadable))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base45_uses_alphanumeric_mode_and_makes_smaller_codes() {
        let text = "6BF590B20FFWJWG.FKJ05H7B0XKA8FA9DIWENPEJ/5P$DPQE88EB$CBECP9ERZC04E21DDF3/E96007F3ORAO001KL580";
        let alphanumeric = version(text).unwrap();
        let mut bytes = Bits::new(Version::Normal(alphanumeric));
        assert!(
            bytes.push_byte_data(text.as_bytes()).and_then(|()| bytes.push_terminator(EC_LEVEL)).is_err(),
            "byte mode needs a bigger code than version {alphanumeric}"
        );
        assert_eq!(version("é").unwrap(), 1);
    }

    #[test]
    fn too_long_text_is_refused() {
        assert_eq!(render_svg(&"A".repeat(5000)), Err(QrError::TooLong));
        assert!(render_png(&"A".repeat(3391), 1).is_ok(), "version 40-M holds 3,391 alphanumeric characters");
        assert_eq!(render_png(&"A".repeat(3392), 1), Err(QrError::TooLong));
    }

    #[test]
    fn svg_is_a_document() {
        let svg = render_svg("HELLO").unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn images_without_codes_and_non_images_are_told_apart() {
        let blank = GrayImage::from_pixel(200, 200, Luma([255]));
        let mut png = Vec::new();
        blank.write_to(&mut Cursor::new(&mut png), ImageFormat::Png).unwrap();
        assert_eq!(decode_image(&png), Err(QrError::NotFound));
        assert!(matches!(decode_image(b"not an image"), Err(QrError::Image(_))));
    }

    #[test]
    fn huge_declared_dimensions_are_refused_before_decoding() {
        // A valid PNG header claiming 100000 × 100000 pixels, with no pixel data behind it.
        let mut png = Vec::new();
        GrayImage::from_pixel(1, 1, Luma([0])).write_to(&mut Cursor::new(&mut png), ImageFormat::Png).unwrap();
        png[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(decode_image(&png), Err(QrError::ImageTooLarge));
    }

    /// A PNG declaring `width` × `height` with one pixel of data: decoding it would fail on the missing pixels, so
    /// `ImageTooLarge` shows that the refusal came from the header alone.
    fn header_only_png(width: u32, height: u32) -> Vec<u8> {
        let mut png = Vec::new();
        GrayImage::from_pixel(1, 1, Luma([0])).write_to(&mut Cursor::new(&mut png), ImageFormat::Png).unwrap();
        png[16..20].copy_from_slice(&width.to_be_bytes());
        png[20..24].copy_from_slice(&height.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        png
    }

    #[test]
    fn images_over_the_pixel_limit_are_refused_from_the_header() {
        // 8192 × 8192 is within the side limit but 67 megapixels: the image of the attack on /verify.
        for (w, h) in [(8192, 8192), (6000, 4001), (8192, 2930)] {
            assert!(u64::from(w) * u64::from(h) > MAX_IMAGE_PIXELS);
            assert_eq!(check_dimensions(&header_only_png(w, h)), Err(QrError::ImageTooLarge), "{w}×{h}");
            assert_eq!(decode_image(&header_only_png(w, h)), Err(QrError::ImageTooLarge), "{w}×{h}");
        }
        // Within the limit, the header passes and decoding is what fails on the missing data.
        assert_eq!(check_dimensions(&header_only_png(6000, 4000)), Ok((6000, 4000)));
        assert!(matches!(decode_image(&header_only_png(4032, 3024)), Err(QrError::Image(_))));
    }

    #[test]
    fn a_jpeg_over_the_pixel_limit_is_refused_from_the_header() {
        // A real JPEG's header, with its height patched to 8192 (SOF0: marker, length, precision, height, width).
        let mut jpeg = Vec::new();
        let tiny = image::RgbImage::from_pixel(8, 8, image::Rgb([255, 255, 255]));
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80).encode_image(&tiny).unwrap();
        let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        jpeg[sof + 5..sof + 7].copy_from_slice(&8192u16.to_be_bytes());
        jpeg[sof + 7..sof + 9].copy_from_slice(&8192u16.to_be_bytes());
        assert_eq!(check_dimensions(&jpeg), Err(QrError::ImageTooLarge));
    }

    /// A signed credential with every demographic field and a small photo: about as large as congso issues.
    fn credential_text() -> String {
        use crate::claim169::{self, CwtMeta, Gender, Identity, PhotoFormat};
        use crate::keys::{Algorithm, SigningKey};
        // A photo of incompressible bytes, the worst case for the code's size.
        let photo: Vec<u8> = (0u32..400).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        let person = Identity {
            id: Some("001203004567".into()),
            full_name: Some("Nguyễn Thị Lan".into()),
            date_of_birth: Some("19900515".into()),
            gender: Some(Gender::Female),
            address: Some("Số 1 Tràng Tiền\nPhường Hoàn Kiếm\nHà Nội".into()),
            nationality: Some("VNM".into()),
            photo: Some(photo),
            photo_format: Some(PhotoFormat::Webp),
            ..Identity::default()
        };
        let meta = CwtMeta { issuer: Some("https://congso.gov.vn".into()), ..CwtMeta::default() };
        // A fixed key makes the code, and so the test, the same every run (ES256 signs deterministically, RFC 6979).
        let key = SigningKey::from_secret_bytes(Algorithm::ES256, &[7; 32]).unwrap();
        claim169::encode(&person, &meta, &key).unwrap()
    }

    #[test]
    fn a_credential_survives_render_then_decode() {
        let text = credential_text();
        assert!(text.len() > 700, "{}", text.len());
        let png = render_png(&text, 4).unwrap();
        assert_eq!(decode_image(&png).unwrap(), text);
        let decoded = crate::claim169::decode(&decode_image(&png).unwrap(), &Default::default()).unwrap();
        assert_eq!(decoded.identity.full_name.as_deref(), Some("Nguyễn Thị Lan"));
    }

    /// The code drawn at a non-integer scale (as a phone resamples it) on a larger, busy screen.
    fn screenshot(text: &str) -> image::RgbImage {
        let code = image::load_from_memory(&render_png(text, 3).unwrap()).unwrap().to_rgb8();
        let side = (f64::from(code.width()) * 1.7) as u32;
        let code = image::imageops::resize(&code, side, side, image::imageops::FilterType::Triangle);
        let mut screen = image::RgbImage::from_fn(1170, 2532, |x, y| {
            // A tinted background with bars of "text" above and below, like an app screen.
            if (y / 40) % 3 == 0 && (60..1110).contains(&x) && !(700..1800).contains(&y) {
                image::Rgb([60, 60, 70])
            } else {
                image::Rgb([238, 241, 246])
            }
        });
        image::imageops::overlay(&mut screen, &code, 150, 760);
        screen
    }

    #[test]
    fn a_code_in_a_phone_screenshot_is_found_in_png_and_jpeg() {
        let text = credential_text();
        let screen = screenshot(&text);
        let mut png = Vec::new();
        screen.write_to(&mut Cursor::new(&mut png), ImageFormat::Png).unwrap();
        assert_eq!(decode_image(&png).unwrap(), text);

        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85).encode_image(&screen).unwrap();
        assert_eq!(decode_image(&jpeg).unwrap(), text);
    }

    /// CRC-32 as PNG chunks use it (the zlib one).
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = flate2::Crc::new();
        crc.update(bytes);
        crc.sum()
    }
}
