//! The public page of the portal's figures: how the dossiers of a period were settled (see
//! [`crate::service::stats`]).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use web::error::html;
use web::{AppResult, AppState, PageCtx};

use crate::error::PortalError;
use crate::model::Tally;
use crate::service::stats::{self, Line, Period};

#[derive(Deserialize)]
pub(crate) struct PeriodForm {
    from: Option<String>,
    to: Option<String>,
}

/// One line as shown: counts, and shares written the reader's way (`96,5 %` in Vietnamese).
struct Shown {
    name: String,
    received: u64,
    online: String,
    settled: u64,
    on_time: String,
    late: u64,
    overdue: u64,
    rating: String,
}

#[derive(Template)]
#[template(path = "statistics.html")]
struct StatisticsPage {
    page: PageCtx,
    from: String,
    to: String,
    problem: Option<String>,
    total: Option<Shown>,
    /// The breakdowns: the i18n key of each heading, and its lines.
    sections: Vec<(&'static str, Vec<Shown>)>,
}

/// `/dossiers/statistics?from=…&to=…`, for anyone.
pub(crate) async fn page(
    State(state): State<AppState>,
    page: PageCtx,
    Query(form): Query<PeriodForm>,
) -> AppResult<Response> {
    let now = time::OffsetDateTime::now_utc();
    let period = match Period::parse(form.from.as_deref(), form.to.as_deref(), now) {
        Ok(period) => period,
        Err(e @ PortalError::BadPeriod) => {
            let problem = Some(kernel::Localized::message(&e, page.lang).into_owned());
            let (from, to) = (form.from.unwrap_or_default(), form.to.unwrap_or_default());
            let shown = StatisticsPage { page, from, to, problem, total: None, sections: vec![] };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&shown)).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let figures = stats::statistics(&state.db, period).await?;
    let vi = page.is_vi();
    let lines = |lines: &[Line]| -> Vec<Shown> {
        lines.iter().map(|l| shown(if vi { &l.name.vi } else { &l.name.en }, &l.tally, vi)).collect()
    };
    let shown = StatisticsPage {
        from: figures.from.clone(),
        to: figures.to.clone(),
        problem: None,
        total: Some(shown("", &figures.total, vi)),
        sections: vec![
            ("portal.stats_by_agency", lines(&figures.agencies)),
            ("portal.stats_by_procedure", lines(&figures.procedures)),
            ("portal.stats_by_province", lines(&figures.provinces)),
        ],
        page,
    };
    Ok(html(&shown))
}

fn shown(name: &str, t: &Tally, vi: bool) -> Shown {
    let number = |x: Option<f64>, unit: &str| match x {
        None => "—".to_owned(),
        Some(x) if vi => format!("{}{unit}", format!("{x:.1}").replace('.', ",")),
        Some(x) => format!("{x:.1}{unit}"),
    };
    Shown {
        name: name.to_owned(),
        received: t.received,
        online: number(t.online_percent(), " %"),
        settled: t.settled,
        on_time: number(t.on_time_percent(), " %"),
        late: t.late,
        overdue: t.overdue,
        rating: number(t.average_rating(), ""),
    }
}
