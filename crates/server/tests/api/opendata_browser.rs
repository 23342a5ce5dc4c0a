//! Open data in headless Chromium on a phone: anyone, not signed in, reaches the catalogue from the navigation,
//! opens a dataset, reads its preview without scrolling sideways and finds its files.

use fantoccini::Locator;

use crate::browser::{browser, fits};
use crate::helpers::TestApp;

#[tokio::test]
#[ignore = "needs chromium and chromedriver; .ci/run installs them and runs this"]
async fn on_a_phone_anyone_finds_a_dataset_and_its_files() {
    let app = TestApp::spawn().await;
    registry::cli::generate_into(&app.db.db, 200, 4, false).await.unwrap();
    let (_driver, b) = browser().await;
    b.set_window_size(390, 844).await.unwrap();
    b.goto(&app.url("/")).await.unwrap();
    b.find(Locator::LinkText("Dữ liệu mở")).await.unwrap().click().await.unwrap();
    b.wait()
        .for_element(Locator::LinkText("Dân số theo tỉnh, giới tính và nhóm tuổi"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let rows = b.wait().for_element(Locator::Id("rows")).await.unwrap().text().await.unwrap();
    assert!(rows.parse::<u32>().unwrap() > 0, "{rows}");
    let preview = b.find(Locator::Css("main table tbody")).await.unwrap().text().await.unwrap();
    assert!(preview.contains("Thành phố Hà Nội") || preview.contains("Tỉnh"), "{preview}");
    assert!(fits(&b).await, "the dataset is wider than a phone");
    let csv = b.find(Locator::Id("csv")).await.unwrap().attr("href").await.unwrap().unwrap();
    assert_eq!(csv, "/du-lieu-mo/dan-so-theo-tinh-gioi-tinh-nhom-tuoi.csv");
    let body = TestApp::client().get(app.url(&csv)).send().await.unwrap().text().await.unwrap();
    assert!(body.trim_start_matches('\u{feff}').starts_with("ma_tinh,ten_tinh,gioi_tinh,nhom_tuoi,so_nguoi"), "{body}");
    b.close().await.unwrap();
}
