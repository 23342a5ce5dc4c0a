//! Image uploads to `/verify` (finding 4): a small PNG declaring 8192 × 8192 pixels took seconds of an async
//! worker to decode, so a few anonymous uploaders stalled the whole server. Images over the pixel limit are now
//! refused from their header, the rest are decoded on the blocking pool behind a few permits, and each address
//! has an upload quota.

use std::io::Cursor;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};
use reqwest::StatusCode;
use web::ratelimit::RateLimit;

use crate::helpers::{Browser, TestApp};

/// A white greyscale PNG: 8192 × 8192 compresses to a few hundred KB at most, like the attack's file.
fn white_png(width: u32, height: u32) -> Vec<u8> {
    let pixels = vec![255u8; width as usize * height as usize];
    let mut png = Vec::new();
    PngEncoder::new_with_quality(Cursor::new(&mut png), CompressionType::Best, FilterType::NoFilter)
        .write_image(&pixels, width, height, ExtendedColorType::L8)
        .unwrap();
    png
}

/// A one-pixel PNG whose header claims `width` × `height`: decoding it would fail on the missing pixels, so an
/// answer of "too large" can only have come from reading the header.
fn header_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut png = white_png(1, 1);
    png[16..20].copy_from_slice(&width.to_be_bytes());
    png[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

/// CRC-32 as PNG chunks use it (the zlib one).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}

/// The `/verify` form as a browser sends it, with an image.
struct Uploader {
    url: String,
    cookie: String,
    csrf: String,
}

impl Uploader {
    async fn new(app: &TestApp) -> Uploader {
        let mut browser: Browser = app.browser();
        let csrf = browser.csrf_of("/verify").await;
        let cookie = browser.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        Uploader { url: app.url("/verify"), cookie, csrf }
    }

    async fn upload(&self, png: &[u8], lang: &str) -> reqwest::Response {
        let boundary = "congsoUploadBoundary4";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"qr.png\"\r\n\
             Content-Type: image/png\r\n\r\n",
            self.csrf
        )
        .into_bytes();
        body.extend_from_slice(png);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        TestApp::client()
            .post(&self.url)
            .header("cookie", &self.cookie)
            .header("accept-language", lang)
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send()
            .await
            .unwrap()
    }

    async fn paste(&self, text: &str) -> reqwest::Response {
        TestApp::client()
            .post(&self.url)
            .header("cookie", &self.cookie)
            .form(&[("csrf", self.csrf.as_str()), ("qr", text)])
            .send()
            .await
            .unwrap()
    }
}

const TOO_LARGE_VI: &str = "Ảnh quá lớn";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_keeps_answering_while_large_images_are_uploaded() {
    let app = TestApp::spawn().await;
    let uploader = Arc::new(Uploader::new(&app).await);
    let bomb = Arc::new(white_png(8192, 8192));
    assert!(bomb.len() < 400 * 1024, "{} bytes", bomb.len());
    // Within the pixel limit: decoded for real, on the blocking pool.
    let photo = Arc::new(white_png(5000, 4000));

    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        let (uploader, image) = (uploader.clone(), if i % 2 == 0 { bomb.clone() } else { photo.clone() });
        tasks.spawn(async move {
            let r = uploader.upload(&image, "vi").await;
            (i, r.status(), r.text().await.unwrap())
        });
    }
    let uploads = tasks.join_all();
    let health = async {
        let mut slowest = Duration::ZERO;
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(4) {
            let asked = Instant::now();
            assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
            slowest = slowest.max(asked.elapsed());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        slowest
    };
    let (answers, slowest) = tokio::join!(uploads, health);
    assert!(slowest < Duration::from_millis(500), "/healthz took {slowest:?} while images were decoded");
    for (i, status, page) in answers {
        if i % 2 == 0 {
            assert_eq!(status, StatusCode::OK, "upload {i}");
            assert!(page.contains(TOO_LARGE_VI), "upload {i}: the 67-megapixel image was not refused");
        } else {
            // Decoded (no code in a white picture), or told to come back while the decoders were busy.
            assert!(status == StatusCode::OK || status == StatusCode::SERVICE_UNAVAILABLE, "upload {i}: {status}");
            assert!(!page.contains(TOO_LARGE_VI), "upload {i}: a 20-megapixel photo must be read");
        }
    }
}

#[tokio::test]
async fn an_image_over_the_pixel_limit_is_refused_without_decoding() {
    let app = TestApp::spawn().await;
    let uploader = Uploader::new(&app).await;
    // With every decoder taken, only an answer that needs no decoding can come back at once.
    let decoders = u32::try_from(web::decoder_permits()).unwrap();
    let held = app.state.image_decoders.clone().acquire_many_owned(decoders).await.unwrap();
    for (w, h) in [(8192, 8192), (6000, 4001)] {
        let asked = Instant::now();
        let r = uploader.upload(&header_claiming(w, h), "vi").await;
        assert_eq!(r.status(), StatusCode::OK, "{w}×{h}");
        assert!(r.text().await.unwrap().contains(TOO_LARGE_VI), "{w}×{h}");
        assert!(asked.elapsed() < Duration::from_secs(2), "{w}×{h} waited for a decoder");
    }
    drop(held);
    // Within the limit the header passes, and the decoder finds the pixels missing.
    let page = uploader.upload(&header_claiming(4032, 3024), "vi").await.text().await.unwrap();
    assert!(!page.contains(TOO_LARGE_VI) && page.contains(r#"class="alert""#), "{page}");
}

#[tokio::test]
async fn when_every_decoder_is_busy_the_answer_is_come_back_later() {
    let app = TestApp::spawn().await;
    let uploader = Uploader::new(&app).await;
    let decoders = u32::try_from(web::decoder_permits()).unwrap();
    let held = app.state.image_decoders.clone().acquire_many_owned(decoders).await.unwrap();
    let small = white_png(200, 200);
    for (lang, message) in [("vi", "Máy chủ đang bận"), ("en", "The server is busy")] {
        let r = uploader.upload(&small, lang).await;
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE, "{lang}");
        assert_eq!(r.headers()["retry-after"], "5");
        assert!(r.text().await.unwrap().contains(message), "{lang}");
    }
    drop(held);
    let r = uploader.upload(&small, "vi").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Không tìm thấy mã QR trong ảnh."));
}

#[tokio::test]
async fn each_address_has_an_upload_quota_of_its_own() {
    let three = NonZeroU32::new(3).unwrap();
    let app = TestApp::spawn_with(RateLimit { uploads_per_minute: three, ..RateLimit::default() }).await;
    let uploader = Uploader::new(&app).await;
    for _ in 0..3 {
        assert_eq!(uploader.paste("HC1:NOT-A-CODE").await.status(), StatusCode::OK);
    }
    let refused = uploader.upload(&white_png(10, 10), "vi").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(uploader.paste("HC1:NOT-A-CODE").await.status(), StatusCode::TOO_MANY_REQUESTS);
    // The page itself, the JSON verifier and sign-in count elsewhere.
    assert_eq!(app.get("/verify").await.status(), StatusCode::OK);
    let api = TestApp::client().post(app.url("/api/v1/verify")).json(&serde_json::json!({ "qr": "x" })).send();
    assert_eq!(api.await.unwrap().status(), StatusCode::OK);
    let mut browser = app.browser();
    assert_eq!(browser.sign_in("nobody", "wrong password").await.status(), StatusCode::UNAUTHORIZED);
}
